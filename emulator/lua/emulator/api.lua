-- api.lua: the Calypso API routes: the purse's, and each merchant area's
-- (emulator/lua/emulator/merchant/*.lua export `routes`).  Every request is
-- counted and recorded (so tests can prove what was or was not sent), then
-- meets any armed fault, then the auth checks (method and envelope shape per
-- route), then its handler(payload, raw_body, path_params).  The last HISTORY requests are
-- kept, so tests can compare the attempts of one call.
local auth = require "emulator.auth"
local customers = require "emulator.customers"
local purses = require "emulator.purses"
local faults = require "emulator.faults"
local respond = require "emulator.respond"
local state = require "emulator.state"

local merchant = {
  require "emulator.merchant.invoices", require "emulator.merchant.payouts",
  require "emulator.merchant.accounts", require "emulator.merchant.exchanges",
  require "emulator.merchant.subscriptions", require "emulator.merchant.catalog",
}

-- path -> method -> { handler = function(payload, raw_body), envelope = ... }
local routes = {}
local patterns = {} -- { pattern, path }: paths with a {parameter}

-- key: "/api/v1/...", or "DELETE /api/v1/..." for another method than POST.
local function add(key, route)
  local method, path = key:match("^(%u+) (/.*)$")
  path = path or key
  route.method = method or "POST"
  route.envelope = route.envelope or "full"
  routes[path] = routes[path] or {}
  routes[path][route.method] = route
  if path:find("{", 1, true) then
    patterns[#patterns + 1] = { "^" .. path:gsub("%-", "%%-"):gsub("{[%w_]+}", "([%%w_%%-]+)") .. "$", path }
  end
end

for path, handler in pairs{
  ["/api/v1/customer-purse/customer/create"] = customers.create,
  ["/api/v1/customer-purse/customer/update"] = customers.update,
  ["/api/v1/customer-purse/customer/block"] = customers.block,
  ["/api/v1/customer-purse/customer/unblock"] = customers.unblock,
  ["/api/v1/customer-purse/purse/get"] = purses.get,
  ["/api/v1/customer-purse/address/get"] = purses.address, -- the older guides' path
  ["/api/v1/customer-purse/purse/get-all"] = purses.get_all,
  ["/api/v1/customer-purse/transaction/get"] = purses.transaction,
  ["/api/v1/customer-purse/transaction/find"] = purses.find,
} do
  add(path, { handler = handler })
end
for _, area in ipairs(merchant) do
  for path, route in pairs(area.routes) do add(path, route) end
end

-- The route for a request's path and method, and the path's parameters.
local function route_for(uri, method)
  local by_method, params = routes[uri], {}
  if not by_method then
    for _, p in ipairs(patterns) do
      local found = { uri:match(p[1]) }
      if found[1] then
        by_method, params = routes[p[2]], found
        break
      end
    end
  end
  return by_method and by_method[method], by_method ~= nil, params
end

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
    method = ngx.req.get_method(),
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
  local route, known, params = route_for(ngx.var.uri, ngx.req.get_method())
  if not known then return respond.error("004", "no endpoint " .. ngx.var.uri, 404) end
  if not route then return respond.error("001", "no such method for " .. ngx.var.uri, 405) end
  local raw, envelope = auth.check(route)
  return route.handler(envelope.payload or {}, raw, params)
end

return M
