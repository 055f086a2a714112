-- respond.lua: how the emulator answers.  Errors use Calypso's documented
-- body {"errorCode","message","traceId"}; 000 is a 500, the rest are 400
-- (the current API reference lists only 200, 400 and 500).
local cjson = require("cjson").new()
local money = require "emulator.money"
local state = require "emulator.state"

local M = {}

local messages = {
  ["000"] = "Internal server error",
  ["001"] = "Bad request",
  ["002"] = "Invalid api key",
  ["003"] = "Wrong sign",
  ["004"] = "Requested object is not found",
  ["011"] = "Invalid timestamp parameter",
  -- 016 ("IdempotencyKey {uuid} already exists") carries its key: see M.error
}

local function trace_id()
  return string.format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
end

-- The Date header follows the emulator's (possibly skewed) clock, as a real
-- server's would, so that a client can correct its offset from it.
local function date_header()
  local skew = state.get_number("clock_skew_ms")
  if skew ~= 0 and state.get_number("date_ignores_skew") == 0 then
    ngx.header["Date"] = ngx.http_time(ngx.time() + math.floor(skew / 1000))
  end
end

-- A reply held back by the hold_reply fault (faults.lua): the request was
-- processed; the answer waits, and is never sent once a reset has ended the
-- run the request belonged to.
local function hold()
  local held = ngx.ctx.hold_reply
  if not held then return end
  ngx.ctx.hold_reply = nil
  state.count("held_replies")
  ngx.sleep(held.seconds)
  if state.generation() ~= held.generation then return ngx.exit(444) end
end

function M.json(status, value)
  if ngx.ctx.drop_reply then return ngx.exit(444) end -- processed, but never answered
  hold()
  if ngx.ctx.fail_after then -- processed, but answered with an error
    local failure = ngx.ctx.fail_after
    ngx.ctx.fail_after = nil
    value, status = { errorCode = "000", message = "Internal server error", traceId = "after" }, failure
  end
  date_header()
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.print(money.unmark(cjson.encode(value)))
  return ngx.exit(status)
end

--- A 2xx with no body at all (webhook delete's "No content").
function M.empty(status)
  if ngx.ctx.drop_reply then return ngx.exit(444) end
  if ngx.ctx.fail_after then return M.json(200, {}) end
  hold()
  date_header()
  ngx.status = status
  ngx.header["Content-Length"] = 0
  return ngx.exit(status)
end

-- detail is appended to the documented message, so tests can see which
-- check failed; where the docs give the whole message with a value in it
-- (016: "IdempotencyKey {uuid} already exists"), detail is that message.
function M.error(code, detail, status)
  local message = messages[code] or detail
  if detail and message ~= detail then message = message .. ": " .. detail end
  return M.json(status or (code == "000" and 500 or 400),
    { errorCode = code, message = message, traceId = trace_id() })
end

function M.raw(status, content_type, body)
  date_header()
  ngx.status = status
  ngx.header["Content-Type"] = content_type
  ngx.print(body)
  return ngx.exit(status)
end

return M
