-- spec/support/answer.lua: an answer object (the core's response parser
-- and judge, src/answer.c and src/outcome.c) fed by hand, with no server.
--   local ex = exchange.new(max_response_bytes)
--   exchange.verdict(raw, max, splits) -> the verdict of raw fed in those pieces
local core = require "calypso.core"

local M = {}

function M.new(max_response)
  return core.answer(max_response or 1024 * 1024)
end

-- Feeds raw in pieces cut at the given offsets (a sorted list), then EOF if
-- the exchange is not finished; returns a summary of what the call would
-- return: { ok = bool, kind, status, body (decoded result or nil), reusable }.
function M.verdict(raw, max_response, cuts)
  local ex = M.new(max_response)
  local from, done = 1, false
  for _, at in ipairs(cuts or {}) do
    if not done then done = ex:feed(raw:sub(from, at)) end
    from = at + 1
  end
  if not done then done = ex:feed(raw:sub(from)) end
  if not done then ex:eof() end
  local result, err = ex:finish()
  return {
    ok = result ~= nil,
    kind = err and err.kind,
    status = err and err.status,
    body = result,
    reusable = ex:reusable(),
  }
end

return M
