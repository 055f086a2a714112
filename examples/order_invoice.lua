-- examples/order_invoice.lua: the invoice for an order, made once even when
-- this process dies after sending the create and before hearing back.
--   lua5.4 examples/order_invoice.lua 7
-- The idempotency key comes from the order (calypso.uuid5), not from chance:
-- run the script again after a crash and it sends the same key, the server
-- answers that the invoice exists (016), and the client reads that invoice
-- back, checks that it is this order's, and returns it.  A random key lives
-- only as long as the process that drew it; a second run would make a second
-- invoice.  Configured from the same variables as examples/invoice.lua.
local calypso = require "calypso"

-- This shop's namespace: any UUID, made once (calypso.uuid4()) and then kept
-- for good.  Changing it changes every key, so keep it in configuration.
local SHOP_NAMESPACE = "3c1f6a52-8e0d-4b7a-9c35-51d2e8a4f0b6"

local order = { id = arg[1] or "7", total = "25.00", currency = "USDT" }

local client = calypso.new{
  key = os.getenv("CALYPSO_API_KEY"),
  secret_env = "CALYPSO_API_SECRET",
  account = os.getenv("CALYPSO_ACCOUNT"),
  base_url = os.getenv("CALYPSO_BASE_URL"), -- nil: the real API
  cafile = os.getenv("CALYPSO_CAFILE"),     -- nil: the system's CAs
  timeout = 60,
}

-- One invoice per order: a second invoice for the same order (the first
-- expired, say) needs a name of its own, such as "order:7:invoice:2".
local invoice, err = client.invoice.create_single({
  amount = order.total,
  currency = order.currency,
  description = "Order " .. order.id,
  externalId = "order-" .. order.id,
}, { idempotency_key = calypso.uuid5(SHOP_NAMESPACE, "order:" .. order.id) })
if not invoice then
  io.stderr:write("invoice for order ", order.id, " failed: ", tostring(err), "\n")
  os.exit(1)
end
local meta = calypso.meta(invoice)
print("invoice " .. invoice.id .. " for order " .. order.id .. ": " .. invoice.amount .. " "
  .. invoice.currency .. ", " .. invoice.state .. (meta.read_back and " (made by an earlier run)" or ""))
client:close()
