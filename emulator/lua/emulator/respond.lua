-- respond.lua: how the emulator answers.  Errors use Calypso's documented
-- body {"errorCode","message","traceId"}; 000 is a 500, the rest are 400
-- (the current API reference lists only 200, 400 and 500).
local cjson = require("cjson").new()
local state = require "emulator.state"

local M = {}

local messages = {
  ["000"] = "Internal server error",
  ["001"] = "Bad request",
  ["002"] = "Invalid api key",
  ["003"] = "Wrong sign",
  ["004"] = "Requested object is not found",
  ["011"] = "Invalid timestamp parameter",
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

function M.json(status, value)
  if ngx.ctx.drop_reply then return ngx.exit(444) end -- processed, but never answered
  date_header()
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.print(cjson.encode(value))
  return ngx.exit(status)
end

-- detail is appended to the documented message, so tests can see which check failed.
function M.error(code, detail, status)
  local message = messages[code]
  if detail then message = message .. ": " .. detail end
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
