-- readback_spec.lua: a keyed create that meets "already exists" (016)
-- returns the object its key names only if that object is this call's, on
-- every transport (blocking, client.async, nginx cosockets).  The emulator
-- plays the server: a key reused for a changed order, a read-back answered
-- with another object, a rerun after a dropped answer; and the keyed rows
-- without a read-back, which are never sent again once they may have left.
local cjson = require "cjson"
local emulator = require "support.emulator"
local transports = require "support.transports"

-- One row call on one transport; returns { result = ... } or { err = ... }.
local function one(over, name, row, params, opts, options)
  return over:run(name, options or { max_retries = 2, timeout = 2, http2 = false, backoff_base = 0.01,
                                     backoff_max = 0.05 },
    { { row = row, params = params, opts = opts } })[1]
end

local function invoice_params(key, amount, currency)
  return { amount = amount, currency = currency, description = "order 7", idempotencyKey = key }
end

describe("a keyed create's read-back", function()
  local emu, client, over

  setup(function()
    emu = emulator.start()
    client = emu:client{ max_retries = 2, timeout = 2, backoff_base = 0.01, backoff_max = 0.05 }
    over = transports.start(emu)
  end)

  teardown(function()
    over:stop()
    client:close()
    emu:stop()
  end)

  for _, name in ipairs(transports.names) do
    describe("on the " .. name .. " transport", function()
      it("refuses the earlier invoice of a key reused for a changed order (503 unprocessed, then 016)",
        function()
        local key = require("calypso").uuid4()
        local first = assert(client.invoice.create_single(invoice_params(key, "10", "USDT_TRX")))
        local before = emu:stats()
        emu:fault{ mode = "status", status = 503 } -- answered before the server looks at it
        local answer = one(over, name, "invoice.create_single", invoice_params(key, "2500", "BTC"))
        assert.is_nil(answer.result, answer.result and cjson.encode(answer.result))
        local err = answer.err
        assert.are.equal("idempotency", err.kind)
        assert.are.equal(key, err.idempotency_key)
        assert.truthy(err.field == "amount" or err.field == "currency", err.field)
        assert.are.equal(first.id, err.existing.id)
        assert.are.equal(10, tonumber(err.existing.amount))
        assert.are.equal("USDT_TRX", err.existing.currency)
        assert.is_false(err.retryable)
        assert.is_false(err.maybe_applied)
        local after = emu:stats()
        assert.are.equal(before.invoices, after.invoices) -- nothing new was made
        assert.are.equal(before.received + 3, after.received) -- 503, 016, the read-back: no retry after
        assert.are.equal("/api/v1/invoice", after.last.path)
      end)

      -- The create is made and its answer dropped; the retry meets 016; the
      -- read-back is answered with `object` (the key's fields as given).
      for _, c in ipairs{
        { "another key", { idempotencyKey = "0b0e3b1c-1d2e-4f5a-8b6c-9d0e1f2a3b4c" }, "idempotencyKey" },
        { "another amount", { amount = 25 }, "amount" },
        { "an amount off in the 19th digit", { amount = "10.000000000000000001" }, "amount" },
        { "another currency", { currency = "USDT_TRX" }, "currency" },
        { "the same amount written 10.00", { amount = "10.00" } },
      } do
        it((c[3] and "refuses" or "returns") .. " a read-back answered with " .. c[1], function()
          local key = require("calypso").uuid4()
          local object = { id = "0e9f1c2a-0000-4000-8000-000000000001", idempotencyKey = key, amount = "10",
                           currency = "ETH", description = "order 7", state = "PENDING_PAYMENT" }
          for k, v in pairs(c[2]) do object[k] = v end
          local body = cjson.encode(object):gsub('"amount":"([^"]*)"', '"amount":%1') -- a number token
          emu:fault{ sequence = { { mode = "drop_reply" }, { mode = "pass" },
                                  { mode = "answer", body = body } } }
          local answer = one(over, name, "invoice.create_single", invoice_params(key, "10", "ETH"))
          if c[3] then
            assert.is_nil(answer.result, answer.result and cjson.encode(answer.result))
            assert.are.equal("idempotency", answer.err.kind)
            assert.are.equal(c[3], answer.err.field)
            assert.are.equal(key, answer.err.idempotency_key)
            assert.are.equal(object.id, answer.err.existing.id)
          else
            assert.is_nil(answer.err, answer.err and answer.err.message)
            assert.are.equal(object.id, answer.result.id)
            assert.are.equal(10, tonumber(answer.result.amount))
          end
        end)
      end

      it("returns the invoice a dropped answer made, when the same create is rerun with its key", function()
        local key = require("calypso").uuid4()
        local params = invoice_params(key, "0.123456789012345678", "ETH")
        emu:fault{ mode = "drop_reply" }
        local before = emu:stats()
        local lost = one(over, name, "invoice.create_single", params, nil, { max_retries = 0, http2 = false })
        assert.are.equal("network", lost.err.kind)
        assert.is_true(lost.err.maybe_applied)
        assert.are.equal(key, lost.err.idempotency_key)
        local rerun = one(over, name, "invoice.create_single", params)
        assert.is_nil(rerun.err, rerun.err and rerun.err.message)
        assert.are.equal(key, rerun.result.idempotencyKey)
        assert.are.equal("0.123456789012345678", rerun.result.amount)
        assert.are.equal(before.invoices + 1, emu:stats().invoices)
      end)

      it("returns its own 18-decimal invoice read back by a client with exact_numbers = false", function()
        emu:fault{ mode = "drop_reply" }
        local answer = one(over, name, "invoice.create_single", invoice_params(nil, "0.123456789012345678",
          "ETH"), nil, { max_retries = 2, timeout = 2, http2 = false, exact_numbers = false,
          backoff_base = 0.01, backoff_max = 0.05 })
        assert.is_nil(answer.err, answer.err and answer.err.message)
        assert.is_true(answer.meta.read_back)
        -- a double, as this client reads (the probe's JSON keeps 14 digits of it)
        assert.are.equal("number", type(answer.result.amount))
        assert.is_true(math.abs(answer.result.amount - 0.12345678901234568) < 1e-13)
      end)

      it("returns a subscription whose answer was dropped, secretKey and all, made once", function()
        local before = emu:stats()
        emu:fault{ mode = "drop_reply" }
        local url = "https://shop.example/hooks/" .. name
        local answer = one(over, name, "subscription.create", { url = url,
          notificationEventTypes = { "INVOICE_PAID", "INVOICE_EXPIRED" } })
        assert.is_nil(answer.err, answer.err and answer.err.message)
        assert.are.equal(url, answer.result.url)
        assert.are.equal(32, #answer.result.secretKey)
        assert.are.equal(answer.result.requestId, answer.meta.idempotency_key)
        assert.is_true(answer.meta.read_back)
        local after = emu:stats()
        assert.are.equal(before.subscriptions + 1, after.subscriptions)
        assert.are.equal("/api/v1/subscription/webhook", after.last.path)
      end)

      it("returns an unlimited linked widget whose answer was dropped, made once", function()
        local before = emu:stats()
        emu:fault{ mode = "drop_reply" }
        local answer = one(over, name, "payment_widget.create_unlimited_linked", { description = "tips",
          cryptoCurrencies = { "BTC", "ETH" } })
        assert.is_nil(answer.err, answer.err and answer.err.message)
        assert.are.equal("tips", answer.result.description)
        assert.are.equal("BTC", answer.result.cryptoCurrencies[1].name) -- the server's Currency objects
        local after = emu:stats()
        assert.are.equal(before.widgets + 1, after.widgets)
        assert.are.equal("/api/v1/payment-widget/unlimited-linked/find", after.last.path)
      end)

      for _, c in ipairs{
        { "fiat_deposit.generate_key", {}, "onramp_keys" },
        { "payment_widget.create_single_fiat", { description = "x", fiatAmount = "100", fiatCurrency = "EUR",
          cryptoCurrencies = { "BTC", "ETH" } }, "widgets" },
      } do
        it("never sends " .. c[1] .. " (a key, no read-back) again once its answer was dropped", function()
          local before = emu:stats()
          emu:fault{ mode = "drop_reply" }
          local answer = one(over, name, c[1], c[2])
          assert.are.equal("network", answer.err.kind)
          assert.are.equal(1, answer.err.attempts)
          assert.is_true(answer.err.maybe_applied)
          assert.is_string(answer.err.idempotency_key)
          local after = emu:stats()
          assert.are.equal(before.received + 1, after.received)
          assert.are.equal(before[c[3]] + 1, after[c[3]])
        end)
      end
    end)
  end
end)
