-- api.lua: the Calypso API routes.  Every request is counted and recorded
-- (so tests can prove what was or was not sent), then meets any armed fault,
-- then the auth checks, then its handler.  The last HISTORY requests are
-- kept in order, so tests can compare the attempts of one call.
local auth = require "emulator.auth"
local customers = require "emulator.customers"
local faults = require "emulator.faults"
local respond = require "emulator.respond"
local state = require "emulator.state"

local routes = {
  ["/api/v1/customer-purse/customer/create"] = customers.create,
  ["/api/v1/customer-purse/customer/update"] = customers.update,
}

local HISTORY = 20

local M = {}

local function record()
  ngx.req.read_body()
  local request = {
    path = ngx.var.uri,
    body = ngx.req.get_body_data() or "",
    key = ngx.var.http_key,
    sign = ngx.var.http_sign,
    content_type = ngx.var.http_content_type,
    accept = ngx.var.http_accept,
    connection = tonumber(ngx.var.connection), -- same number: the same TCP connection
  }
  state.put_json("last", request)
  local recent = state.get_json("recent") or {}
  recent[#recent + 1] = request
  if #recent > HISTORY then table.remove(recent, 1) end
  state.put_json("recent", recent)
end

function M.handle()
  state.count("received")
  record()
  faults.apply()
  local handler = routes[ngx.var.uri]
  if not handler then return respond.error("004", "no endpoint " .. ngx.var.uri, 404) end
  local _, envelope = auth.check()
  return handler(envelope.payload or {})
end

return M
