-- webhook_events_spec.lua: the emulator announces every documented event
-- type of the flows it simulates, in order, with the documented data fields
-- (calypso-api-merchant.md 6.2 and 6.4; spec/corpus/docs/webhooks.json):
-- invoices of each kind, compliance, payouts through every status, mass
-- payouts, purse expiry.  parentExternalId is a number (the system id),
-- which invoice.get takes back as the schema's string; dates are written as
-- the examples write them.  The deliveries are read from the emulator's
-- records (the subscription points at a closed port: what was sent is kept).
local cjson = require "cjson"
local emulator = require "support.emulator"

-- The documented data fields of each event type (those the emulator has).
local DOCUMENTED = {
  INVOICE_CREATE_INVOICE = { "amount", "message", "currency", "parentExternalId", "createdDate",
                             "idempotencyKey", "externalId" },
  INVOICE_CREATE_UNLIMITED_INVOICE = { "message", "currency", "parentExternalId", "createdDate",
                                       "idempotencyKey", "externalId" },
  INVOICE_MEMPOOL_FOUND = { "amount", "currency", "description", "externalId", "idempotencyKey",
                            "parentExternalId", "realAmount", "createdDate", "transactionHash" },
  INVOICE_FUNDS_RECEIVED_FOR_INVOICE = { "amount", "transactionId", "message", "currency", "parentExternalId",
    "createdDate", "senderAddress", "idempotencyKey", "externalId", "paymentDate", "transactionHash" },
  INVOICE_PENDING_COMPLIANCE = { "amount", "transactionId", "message", "currency", "parentExternalId",
    "createdDate", "senderAddress", "idempotencyKey", "externalId", "paymentDate", "transactionHash" },
  INVOICE_COMPLIANCE_DECLINED = { "amount", "transactionId", "message", "currency", "parentExternalId",
    "createdDate", "senderAddress", "idempotencyKey", "externalId", "paymentDate", "transactionHash" },
  INVOICE_PENDING_INTERVENTION = { "message", "parentExternalId", "idempotencyKey", "externalId" },
  INVOICE_PAID = { "amount", "currency", "description", "externalId", "idempotencyKey", "parentExternalId",
                   "realAmount" },
  INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED = { "amount", "message", "currency", "parentExternalId",
    "createdDate", "idempotencyKey", "serviceFee", "transactionIds" },
  INVOICE_EXPIRED = { "parentExternalId", "idempotencyKey", "amount", "currency", "message", "createdDate",
                      "expirationDate", "externalId" },
  PAYOUT_CHANGE_STATUS = { "parentExternalId", "createdDate", "payoutStatus", "idempotencyKey", "currency" },
  PAYOUT_CONFIRMED = { "parentExternalId", "createdDate", "approved", "idempotencyKey", "currency" },
  PAYOUT_VALIDATION_ERROR = { "parentExternalId", "message", "createdDate", "dealWithdrawalId",
                              "validationStatus", "idempotencyKey", "currency" },
  PAYOUT_HASH_RECEIVED = { "parentExternalId", "createdDate", "hash", "idempotencyKey", "currency" },
  CUSTOMER_PURSE_EXPIRED = { "customerId", "customerBlocked", "purseId", "address" },
}

local EXAMPLE_TIME = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%d%d%d%d$" -- 2022-03-15T12:13:05.909616

describe("the emulator's webhook events", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client()
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  before_each(function()
    emu:reset()
    assert(client.subscription.create{ url = "http://127.0.0.1:9/closed" })
  end)

  -- The deliveries so far: { eventType, body (decoded) }, oldest first.
  local function events()
    local out = {}
    for _, d in ipairs(emu:control("deliveries", {}).deliveries) do
      out[#out + 1] = { type = d.eventType, body = cjson.decode(d.body) }
    end
    return out
  end

  local function types_of(list)
    local out = {}
    for i, e in ipairs(list) do
      out[i] = e.type == "PAYOUT_CHANGE_STATUS" and e.type .. ":" .. e.body.data.payoutStatus or e.type
    end
    return out
  end

  -- Every event has the documented envelope, dates and data fields.
  local function documented(list)
    for _, e in ipairs(list) do
      local body = e.body
      for _, field in ipairs{ "requestId", "id", "createdDate", "level", "service", "eventType", "data" } do
        assert.is_not_nil(body[field], e.type .. " lacks " .. field)
      end
      assert.truthy(body.createdDate:find(EXAMPLE_TIME), body.createdDate)
      for _, field in ipairs(DOCUMENTED[e.type] or {}) do
        assert.is_not_nil(body.data[field], e.type .. " lacks data." .. field)
      end
      if body.data.createdDate then assert.truthy(body.data.createdDate:find(EXAMPLE_TIME), e.type) end
      if body.service == "INVOICE" or body.service == "PAYOUT" then
        assert.are.equal("number", type(body.data.parentExternalId), e.type)
      end
    end
  end

  local function single(amount)
    return assert(client.invoice.create_single{ amount = amount or "10", currency = "USDT_TRX",
      description = "events", externalId = "order-1" })
  end

  it("announces a single invoice paid in full, and its parentExternalId finds it again", function()
    local invoice = single()
    emu:control("pay_invoice", { id = invoice.id, amount = "10" })
    local list = events()
    assert.are.same({ "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "INVOICE_PAID", "INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED" },
      types_of(list))
    documented(list)
    -- a number, sent as its digits
    local again = assert(client.invoice.get{ id = list[1].body.data.parentExternalId })
    assert.are.equal(invoice.id, again.id)
  end)

  it("announces an unlimited invoice and a deposit to it", function()
    local invoice = assert(client.invoice.create_unlimited{ currency = "ETH", description = "tips",
      externalId = "tips-1" })
    emu:control("pay_invoice", { id = invoice.id, amount = "0.5" })
    local list = events()
    assert.are.same({ "INVOICE_CREATE_UNLIMITED_INVOICE", "INVOICE_MEMPOOL_FOUND",
      "INVOICE_PENDING_COMPLIANCE", "INVOICE_FUNDS_RECEIVED_FOR_INVOICE",
      "INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED" }, types_of(list))
    documented(list)
  end)

  it("announces a deposit that fails compliance, and the invoice is DECLINED", function()
    local invoice = single()
    local after = emu:control("pay_invoice", { id = invoice.id, amount = "10", outcome = "DECLINED" })
    assert.are.equal("DECLINED", after.state)
    local list = events()
    assert.are.same({ "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_COMPLIANCE_DECLINED" }, types_of(list))
    documented(list)
  end)

  it("announces an underpaid invoice's intervention and an expiry", function()
    emu:control("pay_invoice", { id = single().id, amount = "4" })
    emu:control("expire_invoice", { id = single().id })
    local list = events()
    assert.are.same({ "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "INVOICE_PENDING_INTERVENTION", "INVOICE_CREATE_INVOICE",
      "INVOICE_EXPIRED" }, types_of(list))
    documented(list)
  end)

  it("announces a payout through every status to COMPLETED, with its hash", function()
    emu:control("credit", { currency = "USDT_TRX", amount = "100" })
    local payout = assert(client.payout.create{ depositAddress = "0x1", amount = "5", currency = "USDT_TRX",
      externalId = "p-1" })
    assert.are.equal("CONFIRMED", payout.state)
    emu:control("advance_payout", { id = payout.id })
    local list = events()
    assert.are.same({ "PAYOUT_CHANGE_STATUS:CREATED", "PAYOUT_CHANGE_STATUS:CONFIRMED", "PAYOUT_CONFIRMED",
      "PAYOUT_CHANGE_STATUS:IN_PROGRESS", "PAYOUT_HASH_RECEIVED", "PAYOUT_CHANGE_STATUS:COMPLETED" },
      types_of(list))
    documented(list)
  end)

  it("announces a payout that fails validation, then FAILED", function()
    local payout = assert(client.payout.create{ depositAddress = "0x1", amount = "1000000",
      currency = "BTC" })
    emu:control("advance_payout", { id = payout.id })
    local list = events()
    assert.are.same({ "PAYOUT_CHANGE_STATUS:CREATED", "PAYOUT_CHANGE_STATUS:CONFIRMED", "PAYOUT_CONFIRMED",
      "PAYOUT_CHANGE_STATUS:IN_PROGRESS", "PAYOUT_VALIDATION_ERROR", "PAYOUT_CHANGE_STATUS:FAILED" },
      types_of(list))
    documented(list)
  end)

  it("announces a payout waiting for confirmation, confirmed, and one canceled", function()
    emu:control("payout_verification", { enabled = true })
    local first = assert(client.payout.create{ depositAddress = "0x1", amount = "1", currency = "ETH" })
    assert.are.equal("PENDING_CONFIRMATION", first.state)
    emu:control("advance_payout", { id = first.id })
    local second = assert(client.payout.create{ depositAddress = "0x2", amount = "1", currency = "ETH" })
    emu:control("cancel_payout", { id = second.id })
    emu:control("payout_verification", { enabled = false })
    local list = events()
    assert.are.same({ "PAYOUT_CHANGE_STATUS:CREATED", "PAYOUT_CHANGE_STATUS:PENDING_CONFIRMATION",
      "PAYOUT_CHANGE_STATUS:CONFIRMED", "PAYOUT_CONFIRMED", "PAYOUT_CHANGE_STATUS:CREATED",
      "PAYOUT_CHANGE_STATUS:PENDING_CONFIRMATION", "PAYOUT_CHANGE_STATUS:CANCELED" }, types_of(list))
    documented(list)
  end)

  it("announces a mass payout's statuses to PARTIAL", function()
    local mass = assert(client.payout.create_mass{ currency = "USDT_TRX", name = "rewards" })
    emu:control("advance_payout", { id = mass.id })
    emu:control("advance_payout", { id = mass.id, outcome = "PARTIAL" })
    local list = events()
    assert.are.same({ "PAYOUT_CHANGE_STATUS:CREATION_IN_PROGRESS", "PAYOUT_CHANGE_STATUS:IN_PROGRESS",
      "PAYOUT_CHANGE_STATUS:PARTIAL" }, types_of(list))
    documented(list)
  end)

  it("announces a purse whose address expired", function()
    local customer = assert(client.customer.create{})
    local purse = assert(client.purse.get{ customerId = customer.id, currency = "USDT_TRX" })
    emu:control("expire_purse", { customerId = customer.id, currency = "USDT_TRX" })
    local list = events()
    assert.are.same({ "CUSTOMER_PURSE_EXPIRED" }, types_of(list))
    documented(list)
    assert.are.equal(purse.address, list[1].body.data.address)
    local again = assert(client.purse.get{ customerId = customer.id, currency = "USDT_TRX" })
    assert.are_not.equal(purse.address, again.address)
  end)
end)
