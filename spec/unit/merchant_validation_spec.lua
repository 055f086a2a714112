-- spec/unit/merchant_validation_spec.lua: every rule the merchant rows'
-- types enforce, one row per bad input.  Each must be a validation error
-- naming the field, with no attempt made (the client points nowhere: had it
-- tried, the error would be a network one).
local calypso = require "calypso"

local UUID = "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f"
local INVOICE = { amount = "10", currency = "USDT_TRX", description = "x" }

local function with(base, changes)
  local out = {}
  for k, v in pairs(base) do out[k] = v end
  for k, v in pairs(changes) do out[k] = v end
  return out
end

-- { "group.name", what, params, field (nil: the error names none) }
local bad = {
  { "invoice.create_single", "amount is missing", { currency = "USDT_TRX", description = "x" }, "amount" },
  { "invoice.create_single", "amount has an exponent", with(INVOICE, { amount = "1e5" }), "amount" },
  { "invoice.create_single", "amount has leading zeros", with(INVOICE, { amount = "007" }), "amount" },
  { "invoice.create_single", "amount is negative", with(INVOICE, { amount = "-1" }), "amount" },
  { "invoice.create_single", "amount is zero", with(INVOICE, { amount = "0.000" }), "amount" },
  { "invoice.create_single", "amount is a comma decimal", with(INVOICE, { amount = "1,5" }), "amount" },
  { "invoice.create_single", "amount is NaN", with(INVOICE, { amount = 0 / 0 }), "amount" },
  { "invoice.create_single", "amount is infinite", with(INVOICE, { amount = math.huge }), "amount" },
  { "invoice.create_single", "amount is a number below zero", with(INVOICE, { amount = -2 }), "amount" },
  { "invoice.create_single", "amount is a boolean", with(INVOICE, { amount = true }), "amount" },
  { "invoice.create_single", "currency is not a code", with(INVOICE, { currency = "US DT" }), "currency" },
  { "invoice.create_single", "expiration has a space", with(INVOICE, { expiration = "2030-01-01 00:00:00" }),
    "expiration" },
  { "invoice.create_single", "expiration is a number", with(INVOICE, { expiration = 1718000000 }),
    "expiration" },
  { "invoice.create_single", "returnUrl is no URI (the guide's placeholder)",
    with(INVOICE, { returnUrl = "Your App URL" }), "returnUrl" },
  { "invoice.create_single", "returnUrl holds a CR LF", with(INVOICE,
    { returnUrl = "https://shop.example/\r\nX-Evil: 1" }), "returnUrl" },
  { "invoice.create_single", "amount is a Lua number that lost digits",
    with(INVOICE, { amount = 0.123456789012345678 }), "amount" },
  { "invoice.create_single", "amount is 0.1 + 0.2", with(INVOICE, { amount = 0.1 + 0.2 }), "amount" },
  { "payout.create_mass", "an amount that lost digits in a passed-through field",
    { currency = "ETH", recipients = { { address = "0x1", amount = 0.1 + 0.2 } } }, "recipients" },
  { "invoice.create_single", "idempotencyKey is not a UUID", with(INVOICE, { idempotencyKey = "k-1" }),
    "idempotencyKey" },
  { "invoice.create_single", "a field is unknown", with(INVOICE, { cartItems = {} }), "cartItems" },
  { "invoice.create_single", "description is not UTF-8", with(INVOICE, { description = "caf\233" }),
    "description" },
  { "invoice.get", "neither id nor idempotencyKey", {}, nil },
  { "invoice.get", "id is a fractional number", { id = 7.5 }, "id" },
  { "invoice.get", "id is a negative number", { id = -7 }, "id" },
  { "invoice.create_single_fiat", "fiatAmount is missing",
    { currency = "USDT_TRX", fiatCurrency = "USD", description = "x" }, "fiatAmount" },
  { "payout.create", "depositAddress is missing", { amount = "1", currency = "ETH" }, "depositAddress" },
  { "payout.create", "executionDate is not a date", { depositAddress = "0x1", amount = "1", currency = "ETH",
                                                      executionDate = "tomorrow" }, "executionDate" },
  { "payout.create_mass", "a passed-through field holds a function", { currency = "ETH", recipients = print },
    "recipients" },
  { "exchange.get", "id is a string", { id = "7" }, "id" },
  { "exchange.get", "id is fractional", { id = 7.5 }, "id" },
  { "exchange.precalculate", "direction is not a code", { sourceCurrency = "BTC",
    destinationCurrency = "ETH", amount = "1", direction = "to the moon" }, "direction" },
  { "rate.crypto", "fromCurrencies is not a list", { fromCurrencies = "BTC" }, "fromCurrencies" },
  { "rate.crypto", "an item is not a code", { fromCurrencies = { "BTC", "B T C" } }, "fromCurrencies" },
  { "rate.crypto", "a list has holes", { toCurrencies = { "BTC", nil, "ETH" } }, "toCurrencies" },
  { "account.get", "params are given to a call that takes none", { account = "x" }, "account" },
  { "user.current", "params are given to a call that takes none", { id = UUID }, "id" },
  { "subscription.create", "url is missing", { notificationServiceTypes = { "INVOICE" } }, "url" },
  { "subscription.create", "url is an app's own scheme", { url = "myshop://hook" }, "url" },
  { "subscription.create", "url holds a CR LF", { url = "http://127.0.0.1:1/\r\nHost: x" }, "url" },
  { "payment_widget.create_unlimited_linked", "a Currency object has a name that is no code",
    { cryptoCurrencies = { { name = "B T C" } } }, "cryptoCurrencies" },
  { "subscription.create", "an event type is not a code", { url = "https://x.example",
                                                            notificationEventTypes = { "INVOICE PAID" } },
    "notificationEventTypes" },
  { "subscription.delete", "requestId is missing", {}, "requestId" },
  { "subscription.delete", "requestId is not a UUID", { requestId = "sub-1" }, "requestId" },
  { "tariff.extended_fee", "items is empty", { items = {} }, "items" },
  { "tariff.extended_fee", "an item lacks opType", { items = { { baseAmount = "1", currency = "USDT",
                                                                 feeType = "FIX" } } }, "items" },
  { "c2f.rate", "the path's type is missing", { fiatCurrency = "ARS" }, "type" },
  { "c2f.rate", "the path's type is not a code", { type = "../x", fiatCurrency = "ARS" }, "type" },
  { "c2f.limit", "a field is unknown", { type = "CARD", currency = "X" }, "currency" },
  { "fiat_deposit.order", "id is not a UUID", { id = "42" }, "id" },
  { "settlement.wallet_transactions", "pageSize is zero", { pageSize = 0 }, "pageSize" },
  { "settlement.wallet_transactions", "opcodes holds a number", { opcodes = { 1 } }, "opcodes" },
}

describe("merchant validation", function()
  local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40),
                              base_url = "https://127.0.0.1:1", max_retries = 0 }

  for _, row in ipairs(bad) do
    local label, what, params, field = row[1], row[2], row[3], row[4]
    local group, name = label:match("^(.-)%.(.+)$")
    it("refuses " .. label .. " when " .. what .. ", and tries nothing", function()
      local result, err = client[group][name](params)
      assert.is_nil(result)
      assert.are.equal("validation", err.kind, tostring(err))
      assert.are.equal(field, err.field, tostring(err))
      assert.are.equal(0, err.attempts)
    end)
  end

  it("names the field of a list item that is missing (items[1].opType)", function()
    local _, err = client.tariff.extended_fee{ items = { { baseAmount = "1", currency = "USDT" } } }
    assert.are.equal("items", err.field)
    assert.truthy(err.message:find("items[1].opType is required", 1, true), err.message)
  end)

  -- What the documented examples send, that an earlier reading of the rows
  -- refused: each passes validation and is tried (the client points
  -- nowhere: trying shows as a network error).
  for _, row in ipairs{
    { "invoice.get", "an id that is a number (the 2.0 example's 1346)", { id = 1346 } },
    { "exchange.precalculate", "no direction (the reference's example)", { sourceCurrency = "BTC",
      destinationCurrency = "ETH", amount = "1" } },
    { "tariff.extended_fee", "an item without feeType", { items = { { baseAmount = 1000, currency = "USDT",
      opType = "INVOICE" } } } },
    { "payment_widget.create_unlimited_linked", "Currency objects", { cryptoCurrencies = { { name = "BTC",
      feeCurrencyName = "BTC", coinId = "btc", networkData = { frontName = "Bitcoin", type = "BTC" },
      scale = 8, blockchainScale = 8, garbageAmount = 0, crypto = true } } } },
    { "payment_widget.create_unlimited_linked", "currency codes", { cryptoCurrencies = { "BTC", "ETH" } } },
    { "fiat.method", "a Currency object", { currency = { name = "USDT_TRX" }, geoId = UUID } },
    { "fiat.order", "an idempotencyKey of plain text", { idempotencyKey = "order-1" } },
    { "rate.crypto", "Currency objects", { fromCurrencies = { { name = "BTC" } },
      toCurrencies = { "ETH" } } },
    { "invoice.create_single", "an app's own returnUrl", with(INVOICE, { returnUrl = "myshop://paid" }) },
    { "invoice.create_single", "an amount as a Lua number of 15 digits", with(INVOICE,
      { amount = 0.123456789012345 }) },
    { "customer.create", "an email with no dot in its domain", { email = "ada@localhost" } },
    { "settlement.wallet_transactions", "a page size typed as 1e2 (a command-line number)",
      { pageSize = require("calypso.core").decode_object('{"n":1e2}', { numbers = "tokens" }).n } },
    { "invoice.get", "an id typed as 1346.0", { id = require("calypso.core").decode_object('{"n":1346.0}',
      { numbers = "tokens" }).n } },
  } do
    local group, name = row[1]:match("^(.-)%.(.+)$")
    it("takes " .. row[1] .. " with " .. row[2], function()
      local result, err = client[group][name](row[3])
      assert.is_nil(result)
      assert.are.equal("network", err.kind, tostring(err))
    end)
  end

  it("takes an amount that is a Lua integer past 2^53 (exact), where the runtime has integers", function()
    local n = math.tointeger and math.tointeger(12345678901234567) or 12345678901234567
    local _, err = client.invoice.create_single(with(INVOICE, { amount = n }))
    -- an integer is exact; on Lua 5.1 and LuaJIT the literal is a double, whose digits were lost
    assert.are.equal(math.type and "network" or "validation", err.kind, tostring(err))
  end)

  it("fills in an idempotency key, leaving the caller's table alone", function()
    local params = { currency = "USDT_TRX", description = "x" }
    local _, err = client.invoice.create_unlimited(params)
    assert.is_nil(params.idempotencyKey)
    assert.truthy(err.idempotency_key:find("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$"), err.idempotency_key)
  end)

  it("keeps the caller's own idempotency key", function()
    local _, err = client.payout.create{ depositAddress = "0x1", amount = "1", currency = "ETH",
                                         idempotencyKey = UUID }
    assert.are.equal(UUID, err.idempotency_key)
  end)
end)
