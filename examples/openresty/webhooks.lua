-- examples/openresty/webhooks.lua: POST /webhooks/calypso receives Calypso's
-- webhook deliveries with calypso.webhook.receive_nginx: it checks the Sign
-- header against the raw body with CALYPSO_WEBHOOK_SECRET (the
-- subscription's secretKey), claims the event, answers at once, and
-- handles the event afterwards in a timer, so that slow work never holds
-- up the delivery.  The claims make each event handled once: a delivery of
-- an event already handled (a replay of a captured delivery, or Calypso
-- retrying one whose 200 it missed) is answered 200 and not handled again;
-- one that arrives while another worker handles it is answered 503, so that
-- Calypso sends it again.  Claims live in the lua_shared_dict
-- calypso_webhooks (this host's workers), or in Redis when
-- CALYPSO_WEBHOOK_REDIS is "host:port" (every host behind a load balancer);
-- a full dict or a Redis that is down is answered 503 too.
local calypso = require "calypso"

local M = {}

-- The work an event triggers: logged, and an invoice's event moves the
-- shop's order on (shop.lua), by the invoice's idempotencyKey.  A raise
-- here releases the event's claim, so that a later delivery is handled.
local function handle(event)
  local data = type(event.data) == "table" and event.data or {}
  ngx.log(ngx.NOTICE, "calypso webhook: ", tostring(event.eventType), " event ", tostring(event.id),
    " for customer ", tostring(data.customerId))
  if event.service == "INVOICE" then require("shop").on_invoice_event(data.idempotencyKey, event) end
end

local claims -- made on first use: the shared dict exists only in a worker

local function store()
  local redis = os.getenv("CALYPSO_WEBHOOK_REDIS")
  if redis and redis ~= "" then
    local host, port = redis:match("^(.+):(%d+)$")
    return calypso.webhook.redis_store{ host = host, port = tonumber(port) }
  end
  return calypso.webhook.nginx_store("calypso_webhooks")
end

function M.receive()
  claims = claims or calypso.webhook.claims(store())
  return calypso.webhook.receive_nginx{ secret = os.getenv("CALYPSO_WEBHOOK_SECRET"), claims = claims,
                                        handle = handle }
end

return M
