-- merchant/subscriptions.lua: webhook subscriptions.  create keeps one by
-- its requestId (a reused one is 016) with a fresh publicKey and secretKey,
-- for an http(s) URL of the bytes a URL may hold (RFC 3986: no space, no
-- control byte: a CR LF in it would write a header of the sender's choosing
-- into every delivery);
-- POST on the list path lists them ({account, timestamp}); DELETE on it
-- removes one and answers 200 with no body.
local check = require "emulator.check"
local ids = require "emulator.ids"
local money = require "emulator.money"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

local LIST = "/api/v1/subscription/webhook"

--- nil if url is an http(s) URL of bytes a URL may hold, else what is wrong.
function M.url_problem(url)
  if type(url) ~= "string" or not url:find("^https?://[^/?#]+") then return "must be an http(s) URL" end
  if url:find("[^%w%-%._~:/%?#%[%]@!%$&'%(%)%*%+,;=%%]") then
    return "holds a byte a URL may not hold (a space, a control byte, a quote, < > \\ ^ ` { | })"
  end
end

local function all()
  return state.get_json("subscriptions") or {}
end

M.routes = {
  ["/api/v1/subscription/webhook/create"] = { handler = function(payload)
    local problem = check.fields(payload, { url = "string!", notificationEventTypes = "array",
                                            notificationServiceTypes = "array", requestId = "uuid" })
    if problem then return respond.error("001", problem) end
    local bad_url = M.url_problem(payload.url)
    if bad_url then return respond.error("001", "url " .. bad_url) end
    local subs = all()
    local id = payload.requestId or ids.uuid4()
    if subs[id] then return respond.error("016", "requestId " .. id .. " already exists") end
    subs[id] = { requestId = id, url = payload.url,
                 notificationEventTypes = payload.notificationEventTypes,
                 notificationServiceTypes = payload.notificationServiceTypes,
                 publicKey = ids.hex(32):sub(3), secretKey = ids.hex(32):sub(3), createdDate = ids.iso(),
                 blockedByErrorCount = 0 }
    state.put_json("subscriptions", subs)
    state.count("subscriptions_made")
    return respond.json(200, subs[id])
  end },
}

M.routes[LIST] = { envelope = "account", handler = function()
  local list = {}
  for _, s in pairs(all()) do list[#list + 1] = s end
  table.sort(list, function(a, b) return a.createdDate .. a.requestId < b.createdDate .. b.requestId end)
  return respond.json(200, { subscriptions = money.list(list) })
end }

-- DELETE shares the list's path: a "METHOD path" key says so to api.lua.
M.routes["DELETE " .. LIST] = { handler = function(payload)
  local problem = check.fields(payload, { requestId = "uuid!" })
  if problem then return respond.error("001", problem) end
  local subs = all()
  if not subs[payload.requestId] then return respond.error("004", "no subscription " .. payload.requestId) end
  subs[payload.requestId] = nil
  state.put_json("subscriptions", subs)
  return respond.empty(200)
end }

return M
