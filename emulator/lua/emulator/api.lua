-- api.lua: the Calypso API routes.  Every request is counted and recorded
-- (so tests can prove what was or was not sent), then meets any armed fault,
-- then the auth checks, then its handler.  The last HISTORY requests are
-- kept, so tests can compare the attempts of one call.
local auth = require "emulator.auth"
local customers = require "emulator.customers"
local purses = require "emulator.purses"
local faults = require "emulator.faults"
local respond = require "emulator.respond"
local state = require "emulator.state"

local routes = {
  ["/api/v1/customer-purse/customer/create"] = customers.create,
  ["/api/v1/customer-purse/customer/update"] = customers.update,
  ["/api/v1/customer-purse/customer/block"] = customers.block,
  ["/api/v1/customer-purse/customer/unblock"] = customers.unblock,
  ["/api/v1/customer-purse/purse/get"] = purses.get,
  ["/api/v1/customer-purse/purse/get-all"] = purses.get_all,
  ["/api/v1/customer-purse/transaction/get"] = purses.transaction,
  ["/api/v1/customer-purse/transaction/find"] = purses.find,
}

local HISTORY = 20

local M = {}

-- One shared-dict key per slot of a ring of HISTORY requests: O(1) per
-- request, so recording does not slow the server down.
local function record(seq)
  ngx.req.read_body()
  ngx.update_time()
  state.put_json("recent:" .. (seq % HISTORY), {
    seq = seq,
    at_ms = math.floor(ngx.now() * 1000), -- when it arrived, to compare with its timestamp
    path = ngx.var.uri,
    body = ngx.req.get_body_data() or "",
    key = ngx.var.http_key,
    sign = ngx.var.http_sign,
    content_type = ngx.var.http_content_type,
    accept = ngx.var.http_accept,
    connection = tonumber(ngx.var.connection), -- same number: the same TCP connection
  })
end

--- The recorded requests, oldest first.
function M.recent()
  local list = {}
  for slot = 0, HISTORY - 1 do list[#list + 1] = state.get_json("recent:" .. slot) end
  table.sort(list, function(a, b) return a.seq < b.seq end)
  return list
end

--- Requests in flight now, and the most ever: proof of concurrency that does
-- not depend on timing.  done() runs in the log phase, after every request.
function M.done()
  state.count("inflight", -1)
end

function M.handle()
  local inflight = state.count("inflight")
  if inflight > state.get_number("max_inflight") then state.set_number("max_inflight", inflight) end
  record(state.count("received"))
  faults.apply()
  local handler = routes[ngx.var.uri]
  if not handler then return respond.error("004", "no endpoint " .. ngx.var.uri, 404) end
  local _, envelope = auth.check()
  return handler(envelope.payload or {})
end

return M
