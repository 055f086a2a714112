-- examples/invoice.lua: ask for a payment.  Create a single invoice for an
-- exact amount, print where to send the payer (client:invoice_url), and
-- read the invoice back by its idempotency key, as a shop does when it is
-- not sure the create went through.  Configured from the same variables as examples/customers.lua;
-- the secret is read by the core from CALYPSO_API_SECRET (secret_env), so it
-- never becomes a Lua string.  `make demo` runs it against the emulator.
local calypso = require "calypso"

local client = calypso.new{
  key = os.getenv("CALYPSO_API_KEY"),
  secret_env = "CALYPSO_API_SECRET",
  account = os.getenv("CALYPSO_ACCOUNT"),
  base_url = os.getenv("CALYPSO_BASE_URL"), -- nil: the real API
  cafile = os.getenv("CALYPSO_CAFILE"),     -- nil: the system's CAs
  pay_url = os.getenv("CALYPSO_PAY_URL"),   -- nil: https://pay.calypso.finance (a sandbox has its own)
  exact_numbers = true, -- amounts a double cannot hold come back as their exact text
}

local function fail(what, err)
  io.stderr:write(what, " failed: ", tostring(err), "\n")
  os.exit(1)
end

-- 18 decimals, as ETH has: a Lua number would change this amount; the
-- string goes on the wire exactly as written.
local invoice, err = client.invoice.create_single{
  amount = "0.123456789012345678",
  currency = "ETH",
  description = "Order 1001",
  externalId = "order-1001",
}
if not invoice then fail("invoice.create_single", err) end
print("invoice " .. invoice.id .. " for " .. invoice.amount .. " " .. invoice.currency
  .. " is " .. invoice.state)
print("pay at " .. client:invoice_url(invoice)) -- the hosted payment page, by the invoice's key

-- The key the client filled in finds the same invoice again.
local again
again, err = client.invoice.get{ idempotencyKey = invoice.idempotencyKey }
if not again then fail("invoice.get", err) end
assert(again.id == invoice.id and again.amount == "0.123456789012345678")
print("read back by its key: " .. again.id .. ", " .. again.state)
client:close()
