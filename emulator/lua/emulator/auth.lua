-- auth.lua: the checks every Calypso request must pass, in the order a real
-- gateway would make them: method, Content-Type, Key, Sign over the raw body,
-- JSON, account, timestamp window.  Returns the raw body and the decoded
-- envelope, or answers the error itself and returns nil.
local cjson = require("cjson").new()
local config = require "emulator.config"
local hmac = require "emulator.hmac"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

local function now_ms()
  return math.floor(ngx.now() * 1000) + state.get_number("clock_skew_ms")
end

function M.check()
  if ngx.req.get_method() ~= "POST" then
    return respond.error("001", "only POST is supported", 405)
  end
  local content_type = ngx.var.http_content_type or ""
  if not content_type:lower():match("^application/json%s*;?") then
    return respond.error("001", "Content-Type must be application/json")
  end
  if ngx.var.http_key ~= config.key then
    return respond.error("002")
  end
  ngx.req.read_body()
  local body = ngx.req.get_body_data() or ""
  if ngx.var.http_sign ~= hmac.sha512_hex(config.secret, body) then
    return respond.error("003")
  end
  local ok, envelope = pcall(cjson.decode, body)
  if not ok or type(envelope) ~= "table" then
    return respond.error("001", "body is not a JSON object")
  end
  local account = envelope.account
  if type(account) ~= "string" or not account:match("^0x" .. ("%x"):rep(40) .. "$") then
    return respond.error("001", "account must match ^0x[0-9a-fA-F]{40}$")
  end
  if account:lower() ~= config.account:lower() then
    return respond.error("001", "account does not belong to this api key")
  end
  local ts = envelope.timestamp
  if type(ts) ~= "number" or ts ~= math.floor(ts) then
    return respond.error("011", "timestamp must be an integer")
  end
  if math.abs(now_ms() - ts) > config.window_ms then
    return respond.error("011")
  end
  local payload = envelope.payload
  if payload ~= nil and type(payload) ~= "table" then
    return respond.error("001", "payload must be an object")
  end
  return body, envelope
end

return M
