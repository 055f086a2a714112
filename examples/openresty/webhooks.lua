-- examples/openresty/webhooks.lua: POST /webhooks/calypso receives Calypso's
-- webhook deliveries.  It checks the Sign header against the raw body with
-- CALYPSO_WEBHOOK_SECRET (the subscription's secretKey), answers at once
-- (200, or 401 for a bad signature), and handles the event afterwards in a
-- timer, so that slow work never holds up the delivery.  An event id it has
-- handled before (a replay of a captured delivery, or Calypso retrying one
-- whose 200 it missed) is answered 200 and not handled again: the ids live
-- in the lua_shared_dict calypso_webhooks for a week.  When that dict is
-- full the delivery is answered 503, so that Calypso sends it again.
local calypso = require "calypso"

local M = {}

-- The work an event triggers: logged, and an invoice's event moves the
-- shop's order on (shop.lua), by the invoice's idempotencyKey.
local function handle(premature, event)
  if premature then return end
  local data = type(event.data) == "table" and event.data or {}
  ngx.log(ngx.NOTICE, "calypso webhook: ", tostring(event.eventType), " event ", tostring(event.id),
    " for customer ", tostring(data.customerId))
  if event.service == "INVOICE" then require("shop").on_invoice_event(data.idempotencyKey, event) end
end

local seen -- made on first use: the shared dict exists only in a worker

function M.receive()
  seen = seen or calypso.webhook.nginx_seen("calypso_webhooks")
  -- The raw body (from nginx's temp file if it was too large for
  -- client_body_buffer_size) and the Sign header, verified.
  local event, err = calypso.webhook.verify_nginx(os.getenv("CALYPSO_WEBHOOK_SECRET"), { seen = seen })
  if not event and err.field == "id" then
    ngx.log(ngx.NOTICE, "calypso webhook: ", err.message)
    ngx.say("ok")
    return ngx.exit(ngx.HTTP_OK)
  end
  if not event and err.field == "seen" then -- the dict is full: nginx_seen has logged it
    return ngx.exit(ngx.HTTP_SERVICE_UNAVAILABLE)
  end
  if not event then
    ngx.log(ngx.WARN, tostring(err))
    return ngx.exit(ngx.HTTP_UNAUTHORIZED)
  end
  ngx.timer.at(0, handle, event)
  ngx.status = ngx.HTTP_OK
  ngx.say("ok")
  return ngx.exit(ngx.HTTP_OK)
end

return M
