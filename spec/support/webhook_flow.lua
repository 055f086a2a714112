-- spec/support/webhook_flow.lua FLOW: one flow through calypso.sandbox, run
-- from any directory, with a webhook receiver of its own (lua-socket, plain
-- HTTP on loopback) that verifies every delivery with
-- calypso.webhook.verify and answers 500 to the first one.
--   purse    a customer, a purse, a deposit through its states
--   invoice  a single invoice of 10, paid 4 (underpay: an intervention)
-- Prints one JSON line: {"events": [eventType of each verified delivery, in
-- order of arrival], "statuses": [what the receiver answered], "refused": n,
-- "deliveries": [sandbox's records], "replay": eventType seen again after
-- sb:redeliver} and exits 0, or prints why and exits 1.
local calypso = require "calypso"
local cjson = require "cjson"
local sandbox = require "calypso.sandbox"
local socket = require "socket"

local flow = arg[1]
local EXPECTED = { purse = 5, invoice = 6 } -- deliveries until done, the retried one included

local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
server:settimeout(10)

local sb <close> = sandbox.start()
assert(sb:time_scale(0.01)) -- the first retry after 0.3 s
local client = sb:client()
local sub = assert(client.subscription.create{ url = "http://127.0.0.1:" .. port .. "/calypso" })

if flow == "purse" then
  local customer = assert(client.customer.create{ email = "flow@example.com" })
  assert(client.purse.get{ customerId = customer.id, currency = "USDT_TRX" })
  assert(sb:deposit(customer.id, "USDT_TRX", "12.5"))
elseif flow == "invoice" then
  local invoice = assert(client.invoice.create_single{ amount = "10", currency = "USDT_TRX",
    description = "paid in part" })
  assert(sb:pay_invoice(invoice.id, "4"))
else
  error("usage: webhook_flow.lua purse|invoice")
end

-- Reads one request off conn: headers (lower-case) and body.
local function request(conn)
  conn:settimeout(5)
  assert(conn:receive("*l"))
  local headers = {}
  while true do
    local line = assert(conn:receive("*l"))
    if line == "" then break end
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    headers[name:lower()] = value
  end
  return headers, assert(conn:receive(tonumber(headers["content-length"])))
end

local seen = { events = {}, statuses = {}, refused = 0 }
local handled = {}
local function serve(count)
  for _ = 1, count do
    local conn = assert(server:accept(), "no delivery within 10 s")
    local headers, body = request(conn)
    local event = calypso.webhook.verify(body, headers.sign, sub.secretKey, { seen = function(e)
      return handled[e.id] == true
    end })
    local status = 200
    if not event then
      seen.refused = seen.refused + 1
      status = 409
    elseif #seen.statuses == 0 then
      status = 500 -- the first delivery fails once, to be retried
    else
      handled[event.id] = true
      seen.events[#seen.events + 1] = event.eventType
      assert(headers.key == sub.publicKey, "Key is not the subscription's publicKey")
    end
    seen.statuses[#seen.statuses + 1] = status
    conn:send(("HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"):format(status))
    conn:close()
  end
end

serve(EXPECTED[flow])
-- A replay of the first delivery: verified, and refused as handled before.
assert(sb:redeliver(1))
serve(1)
seen.deliveries = assert(sb:deliveries())
io.write(cjson.encode(seen), "\n")
