-- auth.lua: the checks every Calypso request must pass, in the order a real
-- gateway would make them: method, Content-Type, Key, Sign over the raw body,
-- JSON, the envelope's exact shape for the route, account (either of the
-- key's two: the request then acts for it, state.act_for), timestamp window.
-- Returns the raw body and the decoded envelope, or answers the error itself
-- and returns nil.  The four documented shapes (calypso-api-merchant.md 1.1):
--   full {account, timestamp, payload}   account {account, timestamp}
--   payload {timestamp, payload}         bare {timestamp}
-- Any other top-level key, or a missing one, is 001.
local cjson = require("cjson").new()
local config = require "emulator.config"
local hmac = require "emulator.hmac"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

local function now_ms()
  return math.floor(ngx.now() * 1000) + state.get_number("clock_skew_ms")
end

local SHAPES = {
  full = { account = true, timestamp = true, payload = true },
  account = { account = true, timestamp = true },
  payload = { timestamp = true, payload = true },
  bare = { timestamp = true },
}

-- route: { method = "POST" | "DELETE", envelope = one of SHAPES' names }.
function M.check(route)
  local method = route and route.method or "POST"
  if ngx.req.get_method() ~= method then
    return respond.error("001", "this endpoint takes " .. method, 405)
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
  local shape = SHAPES[route and route.envelope or "full"]
  for key in pairs(envelope) do
    if not shape[key] then return respond.error("001", "this endpoint's body has no " .. tostring(key)) end
  end
  for key in pairs(shape) do
    if envelope[key] == nil and key ~= "payload" then
      return respond.error("001", "this endpoint's body needs " .. key)
    end
  end
  if shape.payload and envelope.payload == nil then return respond.error("001", "payload is required") end
  if shape.account then
    local account = envelope.account
    if type(account) ~= "string" or not account:match("^0x" .. ("%x"):rep(40) .. "$") then
      return respond.error("001", "account must match ^0x[0-9a-fA-F]{40}$")
    end
    if account:lower() ~= config.account:lower() and account:lower() ~= config.other_account:lower() then
      return respond.error("001", "account does not belong to this api key")
    end
    state.act_for(account)
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
