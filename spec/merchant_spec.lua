-- merchant_spec.lua: every merchant endpoint row round-trips through the
-- emulator: the call succeeds, the answer has the documented shape, and the
-- emulator received exactly the envelope the row says (method, top-level
-- keys, path).  Then the flows with state: paid invoices raise balances,
-- payouts draw on them or fail for want of funds, exchanges move them.
local cjson = require "cjson"
local emulator = require "support.emulator"
local endpoints = require "calypso.endpoints"
local shell = require "support.shell"

local UUID = "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f"
local PERIOD = { firstDate = "2025-07-01T00:00:00Z", lastDate = "2025-07-31T23:59:59Z" }

-- The top-level keys each envelope sends.
local SHAPES = {
  full = { "account", "payload", "timestamp" }, account = { "account", "timestamp" },
  payload = { "payload", "timestamp" }, bare = { "timestamp" },
}

local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

describe("the merchant API", function()
  local emu, client, made = nil, nil, {}

  setup(function()
    emu = emulator.start()
    client = emu:client{ max_retries = 0 }
    made.invoice = assert(client.invoice.create_single{ amount = "10.5", currency = "USDT_TRX",
      description = "x" })
    made.payout = assert(client.payout.create{ depositAddress = "TXyz", amount = "1", currency = "USDT_TRX" })
    made.mass = assert(client.payout.create_mass{ currency = "USDT_TRX", name = "batch" })
    made.widget = assert(client.payment_widget.create_unlimited_linked{ description = "w" })
    assert(emu:control("credit", { currency = "USDT_TRX", amount = 100 }))
    made.exchange = assert(client.exchange.create{ sourceCurrency = "USDT_TRX", destinationCurrency = "TRX",
                                                   amount = "10" })
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  -- "group.name" -> { params (or a function giving them), a field the answer must have }
  local cases = {
    ["invoice.get"] = { function() return { id = made.invoice.id } end, "invoiceAddress" },
    ["invoice.create_single"] = { { amount = "25.00", currency = "USDT_TRX", description = "tea",
                                    expiration = "2030-01-01T00:00:00Z", externalId = "order-1",
                                    returnUrl = "https://shop.example/back" }, "idempotencyKey" },
    ["invoice.create_single_fiat"] = { { currency = "USDT_TRX", fiatAmount = "20", fiatCurrency = "USD",
                                         description = "tea" }, "invoiceAddress" },
    ["invoice.create_unlimited"] = { { currency = "USDT_TRX", description = "tips", fiatAvailable = false },
                                     "invoiceAddress" },
    ["invoice.create_bound"] = { { lowerBound = "5", currency = "USDT_TRX", description = "at least 5" },
                                 "lowerBound" },
    ["payout.get"] = { function() return { idempotencyKey = made.payout.idempotencyKey } end,
      "depositAddress" },
    ["payout.withdrawal"] = { function() return { requestId = made.payout.id } end, "withdrawalErrors" },
    ["payout.create"] = { { depositAddress = "TAbc", amount = 2, currency = "USDT_TRX", comment = "rent" },
                          "state" },
    ["payout.create_mass"] = { { currency = "USDT_TRX", name = "salaries",
      recipients = { { a = 1 } } }, "state" },
    ["payout.get_mass"] = { function() return { id = made.mass.id } end, "name" },
    ["settlement.payout"] = { { id = "42" }, "blockchainFee" },
    ["settlement.payout_withdrawals"] = { { requestId = "42" }, 1 },
    ["settlement.wallet"] = { { address = "TWallet" }, "balances" },
    ["settlement.wallet_transactions"] = { { pageNumber = 0, pageSize = 5 }, "totalElements" },
    ["settlement.report_outgoing"] = { PERIOD, "data" },
    ["settlement.report_incoming"] = { PERIOD, "data" },
    ["report.payout"] = { PERIOD, "data" },
    ["report.invoice"] = { PERIOD, "data" },
    ["exchange.pairs"] = { nil, "currencyPairs" },
    ["exchange.limit"] = { { sourceCurrency = "USDT_TRX", destinationCurrency = "BTC" },
      "destinationCurrency" },
    ["exchange.precalculate"] = { { sourceCurrency = "USDT_TRX", destinationCurrency = "BTC", amount = "60",
                                    direction = "SELL" }, "amount" },
    ["exchange.create"] = { { sourceCurrency = "USDT_TRX", destinationCurrency = "TRX",
      amount = "1" }, "state" },
    ["exchange.get"] = { function() return { id = made.exchange.id } end, "destinationAmount" },
    ["exchange.average_rate"] = { { sourceCurrency = "BTC", destinationCurrency = "USDT_TRX" }, "rate" },
    ["rate.crypto"] = { { fromCurrencies = { "BTC" }, toCurrencies = { "USDT_TRX" } }, "currencyRates" },
    ["rate.fiat"] = { { from = { "USD" }, to = { "ARS" } }, "ratesMap" },
    ["account.get"] = { nil, "balances" },
    ["user.current"] = { nil, "availableAccounts" },
    ["subscription.list"] = { nil, "subscriptions" },
    ["subscription.create"] = { { url = "https://shop.example/hooks",
      notificationServiceTypes = { "INVOICE" } },
                                "secretKey" },
    ["subscription.delete"] = { function()
      return { requestId = assert(client.subscription.create{ url = "https://shop.example/h2" }).requestId }
    end, true },
    ["tariff.extended_fee"] = { { items = { { baseAmount = "1000", currency = "USDT", feeType = "SERVICE",
                                              opType = "INVOICE" } } }, "items" },
    ["payment_widget.find_unlimited_linked"] = {
      function() return { requestId = made.widget.idempotencyKey } end, "widgetType" },
    ["payment_widget.create_unlimited_linked"] = { { description = "donations",
      cryptoCurrencies = { "BTC" } },
                                                   "widgetState" },
    ["payment_widget.create_single_fiat"] = { { anything = "goes" }, "widgetType" },
    ["payment_widget.find_single_fiat"] = { {}, "widgetState" },
    ["fiat.order"] = { { idempotencyKey = UUID }, "orderFiatAmount" },
    ["fiat.method"] = { { currency = "USDT_TRX", geoId = UUID }, "method" },
    ["fiat.geo"] = { {}, "geo" },
    ["fiat_deposit.order"] = { { id = UUID }, "cryptoAmount" },
    ["fiat_deposit.method"] = { { currency = "USDT_TRX", cryptoAmount = "10", external = false }, "methods" },
    ["fiat_deposit.generate_key"] = { { merchantExternalId = "user-7" }, "expiredAt" },
    ["fiat_deposit.fiat_currencies"] = { {}, "fiatCurrencies" },
    ["fiat_deposit.create_order"] = { { externalAddress = "TMine" }, "orderId" },
    ["fiat_deposit.confirm_order"] = { { orderId = UUID }, "link" },
    ["fiat_withdrawal.order"] = { { id = UUID }, "state" },
    ["fiat_withdrawal.method"] = { { currency = "USDT_TRX" }, "methods" },
    ["fiat_withdrawal.geo"] = { nil, "geo" },
    ["c2f.order"] = { { orderId = UUID }, "amountInFiat" },
    ["c2f.rate"] = { { type = "CARD", fiatCurrency = "ARS", currency = "USDT_TRX" }, "rateId" },
    ["c2f.limit"] = { { type = "CARD", fiatCurrency = "ARS" }, "maxLimit" },
  }

  it("has a round trip for every merchant row", function()
    for group, rows in pairs(endpoints) do
      for name, row in pairs(rows) do
        if row.source ~= "PURSE" then assert.truthy(cases[group .. "." .. name], group .. "." .. name) end
      end
    end
  end)

  for label, case in pairs(cases) do
    local group, name = label:match("^(.-)%.(.+)$")
    it("round-trips " .. label, function()
      local row = endpoints[group][name]
      local params = type(case[1]) == "function" and case[1]() or case[1]
      local result, err = client[group][name](params)
      assert.is_nil(err, err and tostring(err))
      if case[2] == true then
        assert.is_true(result)
      else
        assert.is_not_nil(result[case[2]], cjson.encode(result))
      end
      local last = emu:stats().last
      assert.are.equal(row.method or "POST", last.method)
      local path = row.path:gsub("{type}", params and params.type or "")
      assert.are.equal(path, last.path)
      assert.are.same(SHAPES[row.envelope or "full"], keys(cjson.decode(last.body)))
    end)
  end

  describe("exact amounts", function()
    local AMOUNT = "0.123456789012345678" -- 18 decimals: more than a double holds

    it("goes out as the caller wrote it, and comes back so (exact_numbers is on by default)", function()
      local exact = emu:client{}
      local invoice = assert(exact.invoice.create_single{ amount = AMOUNT, currency = "ETH",
        description = "x" })
      assert.truthy(emu:stats().last.body:find('"amount":' .. AMOUNT, 1, true))
      assert.are.equal(AMOUNT, invoice.amount)
      assert.are.equal(AMOUNT, exact.invoice.get{ id = invoice.id }.amount)
      exact:close()
    end)

    it("comes back as the nearest double with exact_numbers = false", function()
      local lossy = emu:client{ exact_numbers = false }
      local invoice = assert(lossy.invoice.create_single{ amount = AMOUNT, currency = "ETH",
        description = "x" })
      assert.are.equal(tonumber(AMOUNT), invoice.amount)
      lossy:close()
    end)

    it("reaches a webhook handler exactly (exact_numbers = false: as the nearest double)", function()
      local calypso = require "calypso"
      local body = '{"eventType":"INVOICE_PAID","data":{"amount":' .. AMOUNT .. ',"parentExternalId":7}}'
      local sign = calypso.sign("hook-secret", body)
      local event = assert(calypso.webhook.verify(body, sign, "hook-secret"))
      assert.are.equal(AMOUNT, event.data.amount)
      assert.are.equal(tonumber(AMOUNT), calypso.webhook.verify(body, sign, "hook-secret",
        { exact_numbers = false }).data.amount)
      assert.has_error(function() calypso.webhook.verify(body, sign, "hook-secret", { exact = true }) end)
    end)
  end)

  describe("a webhook subscription's url", function()
    -- Sent raw (client:call checks nothing): the emulator itself must refuse
    -- what would write a header of the sender's choosing into a delivery.
    for _, url in ipairs{ "http://127.0.0.1:9/hook\r\nX-Evil: 1\r\n\r\nPOST /other HTTP/1.1",
                          "http://127.0.0.1:9/a b", "http://127.0.0.1:9/\0" } do
      it("is refused by the sandbox when it holds " .. ("%q"):format(url:match("[%c ]")), function()
        local before = emu:stats().subscriptions
        local created, err = client:call("/api/v1/subscription/webhook/create", { url = url })
        assert.is_nil(created)
        assert.are.equal("001", err.code)
        assert.are.equal(before, emu:stats().subscriptions)
      end)
    end
  end)

  describe("the forms the documentation shows", function()
    it("creates an unlimited linked widget from Currency objects, as the reference sends them", function()
      local widget, err = client.payment_widget.create_unlimited_linked{ description = "objects",
        cryptoCurrencies = { { name = "BTC", feeCurrencyName = "BTC", coinId = "btc",
          networkData = { frontName = "Bitcoin", type = "BTC" }, scale = 8, blockchainScale = 8,
          garbageAmount = 0, crypto = true } } }
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("BTC", widget.cryptoCurrencies[1].name)
    end)

    it("sends fiat.geo as {account, timestamp}, with no payload, as the onramp guide does", function()
      assert(client.fiat.geo())
      assert.are.same({ "account", "timestamp" }, keys(cjson.decode(emu:stats().last.body)))
    end)
  end)

  describe("with state", function()
    it("raises the balance by a paid invoice, and completes it", function()
      local before = (client.account.get().balances[1] or {}).amount or 0
      local invoice = assert(client.invoice.create_single{ amount = "12", currency = "LTC",
        description = "x" })
      local paid = emu:control("pay_invoice", { id = invoice.id, amount = "12" })
      assert.are.equal("COMPLETED", paid.state)
      assert.are.equal("COMPLETED", client.invoice.get{ id = invoice.id }.state)
      local balances = {}
      for _, b in ipairs(client.account.get().balances) do balances[b.currency] = b.amount end
      assert.are.equal(12, balances.LTC)
      assert.is_number(before)
    end)

    -- { amount paid of 100, the state, the intervention }
    for _, c in ipairs{ { "99.6", "COMPLETED" }, { "99", "PENDING_INTERVENTION", "UNDERPAY" },
                        { "101", "PENDING_INTERVENTION", "OVERPAY" } } do
      it("takes a payment of " .. c[1] .. " for 100 to " .. c[2], function()
        local invoice = assert(client.invoice.create_single{ amount = "100", currency = "BTC",
          description = "x" })
        emu:control("pay_invoice", { id = invoice.id, amount = c[1] })
        local now = client.invoice.get{ idempotencyKey = invoice.idempotencyKey }
        assert.are.equal(c[2], now.state)
        assert.are.equal(c[3], now.interventionType)
      end)
    end

    it("runs examples/invoice.lua: an exact amount, read back by its key", function()
      local before = emu:stats().invoices
      local ok, out = shell.lua({
        CALYPSO_API_KEY = emulator.key, CALYPSO_API_SECRET = emulator.secret,
        CALYPSO_ACCOUNT = emulator.account, CALYPSO_BASE_URL = emu.base_url,
        CALYPSO_CAFILE = emu.cafile,
      }, "examples/invoice.lua")
      assert.is_true(ok, out)
      local id = out:match("^invoice (%S+) for 0%.123456789012345678 ETH is PENDING_PAYMENT\n")
      assert.is_string(id, out)
      assert.truthy(out:find("read back by its key: " .. id, 1, true), out)
      assert.are.equal(before + 1, emu:stats().invoices)
      local sent -- the create's body, as the emulator received it
      for _, r in ipairs(emu:stats().recent) do
        if r.path == "/api/v1/invoice/single/create" then sent = r.body end
      end
      assert.truthy(sent:find('"amount":0.123456789012345678', 1, true), sent)
      assert.is_nil(out:find(emulator.secret, 1, true))
    end)

    it("shows a payment seen in the mempool, then confirms it", function()
      local invoice = assert(client.invoice.create_single{ amount = "3", currency = "DAI",
        description = "x" })
      emu:control("pay_invoice", { id = invoice.id, amount = "3", mempool = true })
      assert.are.equal("MEM_POOL_FOUND", client.invoice.get{ id = invoice.id }.state)
      emu:control("pay_invoice", { id = invoice.id })
      assert.are.equal("COMPLETED", client.invoice.get{ id = invoice.id }.state)
    end)

    it("expires an unpaid invoice, which then takes no payment", function()
      local invoice = assert(client.invoice.create_single{ amount = "3", currency = "DAI",
        description = "x" })
      assert.are.equal("PENDING_PAYMENT", client.invoice.get{ id = invoice.id }.state)
      emu:control("expire_invoice", { id = invoice.id })
      assert.are.equal("ARCHIVED", client.invoice.get{ id = invoice.id }.state)
      assert.has_error(function() emu:control("pay_invoice", { id = invoice.id, amount = "3" }) end)
    end)

    -- an expiration already past when sent, in Z and in offset form
    for _, at in ipairs{ "2020-01-01T00:00:00Z", "2020-01-01T03:00:00.5+03:00" } do
      it("reads an invoice whose expiration " .. at .. " has passed as expired", function()
        local invoice = assert(client.invoice.create_single{ amount = "3", currency = "DAI",
          description = "x", expiration = at })
        assert.are.equal("ARCHIVED", client.invoice.get{ id = invoice.id }.state)
      end)
    end

    it("keeps an invoice whose expiration is ahead open", function()
      local invoice = assert(client.invoice.create_single{ amount = "3", currency = "DAI",
        description = "x", expiration = os.date("!%Y-%m-%dT%H:%M:%S+00:00", os.time() + 3600) })
      assert.are.equal("PENDING_PAYMENT", client.invoice.get{ id = invoice.id }.state)
    end)

    it("walks every settlement wallet transaction, page after page", function()
      local walk = client.settlement.each_wallet_transaction{ walletAddress = "0xw", pageSize = 3 }
      local amounts = {}
      for tx in walk do amounts[#amounts + 1] = tx.amount end
      assert.is_nil(walk.err)
      assert.are.same({ 1, 2, 3, 4, 5, 6, 7 }, amounts)
      assert.are.equal(3, walk.pages)
      local ok, err = pcall(function() return client.async.settlement.each_wallet_transaction end)
      assert.is_false(ok) -- the page walk is blocking only
      assert.truthy(err:find("client.async.settlement has no each_wallet_transaction", 1, true), err)
    end)

    it("completes a payout the balance covers, and fails one it does not", function()
      emu:control("credit", { currency = "ETH", amount = 1 })
      local small = assert(client.payout.create{ depositAddress = "0xa", amount = "0.5", currency = "ETH" })
      local big = assert(client.payout.create{ depositAddress = "0xb", amount = "5", currency = "ETH" })
      assert.are.equal("CONFIRMED", small.state)
      emu:control("advance_payout", { id = small.id })
      emu:control("advance_payout", { id = big.id })
      assert.are.equal("COMPLETED", client.payout.get{ id = small.id }.state)
      local failed = client.payout.get{ id = big.id }
      assert.are.equal("FAILED", failed.state)
      assert.are.equal("NOT_ENOUGH_FUNDS", failed.errors.withdrawalErrors[1].errors[1].status)
    end)

    it("fails an exchange the balance cannot cover", function()
      local x = assert(client.exchange.create{ sourceCurrency = "XDG", destinationCurrency = "USDT",
        amount = "99" })
      assert.are.equal("FAILED", x.state)
      assert.are.equal("FAILED", client.exchange.get{ id = x.id }.state)
    end)

    it("deletes a subscription, which the list then lacks, and refuses to delete it twice", function()
      local sub = assert(client.subscription.create{ url = "https://shop.example/h3" })
      assert.is_true(client.subscription.delete{ requestId = sub.requestId })
      for _, s in ipairs(client.subscription.list().subscriptions) do
        assert.are_not.equal(sub.requestId, s.requestId)
      end
      local again, err = client.subscription.delete{ requestId = sub.requestId }
      assert.is_nil(again)
      assert.are.equal("004", err.code)
    end)

    it("answers 004 for an invoice by a key nobody used, at once (it answered 500 before)", function()
      local before = emu:stats().received
      local none, err = client.invoice.get{ idempotencyKey = require("calypso").uuid4() }
      assert.is_nil(none)
      assert.are.equal("004", err.code)
      assert.are.equal(before + 1, emu:stats().received) -- not retried as a 500 would be
    end)
  end)
end)
