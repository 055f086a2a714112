-- spec/support/claims_receiver.lua: the webhook receiver of the hosts in
-- spec/support/claims_host.conf: calypso.webhook.receive_nginx, claims in
-- Redis (CLAIMS_REDIS_PORT, lease CLAIMS_LEASE seconds), answering after
-- the handler.  The handler counts in Redis what it handled
-- (INCR handled:<event id>; RPUSH handled "<host> <worker pid> <id>"), and
-- for an event whose invoice's description is "crash" it first says which
-- worker it is (RPUSH crashing <pid>) and waits, once, to be killed.
local calypso = require "calypso"

local M = {}

local claims, secret

local function redis()
  local red = require("nginx.redis"):new()
  red:set_timeouts(1000, 1000, 1000)
  assert(red:connect("127.0.0.1", tonumber(os.getenv("CLAIMS_REDIS_PORT"))))
  return red
end

local function handler(host)
  return function(event)
    local red = redis()
    local id = calypso.webhook.id_text(event)
    local data = type(event.data) == "table" and event.data or {}
    if data.description == "crash" and red:setnx("crashed:" .. id, ngx.worker.pid()) == 1 then
      red:rpush("crashing", ngx.worker.pid())
      ngx.sleep(60) -- the spec kills this worker now
    end
    assert(red:incr("handled:" .. id))
    assert(red:rpush("handled", host .. " " .. ngx.worker.pid() .. " " .. id))
    red:set_keepalive(10000, 10)
  end
end

-- The subscription's secretKey, which the spec writes once it has made
-- the subscription (the hosts start first: the load balancer needs them).
local function the_secret()
  if not secret then
    local f = io.open(os.getenv("CLAIMS_SECRET_FILE"), "rb")
    local text = f and f:read("*a")
    if f then f:close() end
    secret = text ~= "" and text or nil
  end
  return secret or "not yet"
end

function M.receive(host)
  claims = claims or calypso.webhook.claims(
    calypso.webhook.redis_store{ port = tonumber(os.getenv("CLAIMS_REDIS_PORT")), timeout = 0.5 },
    { lease = tonumber(os.getenv("CLAIMS_LEASE")) })
  calypso.webhook.receive_nginx{ secret = the_secret(), claims = claims, handle = handler(host),
                                 answer = "after" }
end

return M
