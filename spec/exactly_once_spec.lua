-- exactly_once_spec.lua: creates with an idempotency key are made once,
-- whatever happens to the answer.  The emulator processes the create and
-- then drops the connection unanswered, or answers 500: the client sends
-- the same key again, meets 016 (already exists), reads the object back by
-- its key, and returns it; the emulator holds exactly one.  Creates with no
-- key (customer, exchange) are never sent twice.  And DELETE goes out as
-- DELETE on every transport.
local emulator = require "support.emulator"
local transports = require "support.transports"

describe("exactly-once creates", function()
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

  -- { what, the fault, the create, the stats counter, the read-back path }
  for _, c in ipairs{
    { "an invoice whose answer is dropped", { mode = "drop_reply" },
      function() return client.invoice.create_single{ amount = "3.5", currency = "ETH",
        description = "x" } end,
      "invoices", "/api/v1/invoice" },
    { "an invoice answered 500 after it was made", { mode = "fail_after", status = 500 },
      function() return client.invoice.create_unlimited{ currency = "ETH", description = "tips" } end,
      "invoices", "/api/v1/invoice" },
    { "a payout whose answer is dropped", { mode = "drop_reply" },
      function() return client.payout.create{ depositAddress = "0x1", amount = "0.2", currency = "ETH" } end,
      "payouts", "/api/v1/payout" },
    { "a payout answered 502 after it was made", { mode = "fail_after", status = 502 },
      function() return client.payout.create{ depositAddress = "0x2", amount = "0.3", currency = "ETH" } end,
      "payouts", "/api/v1/payout" },
  } do
    it("returns " .. c[1] .. ", made once", function()
      local before = emu:stats()
      emu:fault(c[2])
      local made, err = c[3]()
      assert.is_nil(err, err and tostring(err))
      local after = emu:stats()
      assert.are.equal(before[c[4]] + 1, after[c[4]]) -- exactly one made
      assert.are.equal(before.received + 3, after.received) -- create, create again (016), read back
      assert.are.equal(c[5], after.last.path)
      assert.is_string(made.id)
      local recent = after.recent
      local first = require("cjson").decode(recent[#recent - 2].body).payload.idempotencyKey
      assert.are.equal(first, made.idempotencyKey) -- the key the first attempt carried
      assert.are.equal(first, require("cjson").decode(recent[#recent - 1].body).payload.idempotencyKey)
      local meta = require("calypso").meta(made)
      assert.is_true(meta.read_back)
      assert.are.equal(3, meta.attempts) -- two creates and the read-back: the whole call
      assert.are.equal(first, meta.idempotency_key)
    end)
  end

  it("returns an invoice whose answer is dropped, made once, through client.async too", function()
    local c = emu:client{ http2 = false, max_retries = 2, timeout = 2, backoff_base = 0.01,
                          backoff_max = 0.05 }
    local before = emu:stats()
    emu:fault{ mode = "drop_reply" }
    local req = assert(c.async.invoice.create_single{ amount = "2", currency = "ETH", description = "x" })
    local made, err = req:wait()
    assert.is_nil(err, err and tostring(err))
    local after = emu:stats()
    assert.are.equal(before.invoices + 1, after.invoices)
    assert.are.equal(before.received + 3, after.received)
    assert.are.equal("/api/v1/invoice", after.last.path)
    assert.are.equal(req.idempotency_key, made.idempotencyKey)
    assert.is_string(made.id)
    assert.are.equal(3, require("calypso").meta(made).attempts)
    c:close()
  end)

  -- The read-back itself fails (invoice.get sent to a path the emulator
  -- lacks): the 016 comes back, with the key and the read-back's error.
  for _, mode in ipairs{ "blocking", "async" } do
    it("returns the 016 with fetch_error when the read-back fails (" .. mode .. ")", function()
      local c = emu:client{ http2 = false, max_retries = 2, timeout = 2, backoff_base = 0.01,
                            backoff_max = 0.05,
                            paths = { ["invoice.get"] = "/api/v1/invoice/nowhere" } }
      emu:fault{ mode = "drop_reply" }
      local params = { amount = "2", currency = "ETH", description = "x" }
      local made, err
      if mode == "async" then
        made, err = assert(c.async.invoice.create_single(params)):wait()
      else
        made, err = c.invoice.create_single(params)
      end
      assert.is_nil(made)
      assert.are.equal("016", err.code)
      assert.are.equal(2, err.attempts)
      assert.is_string(err.idempotency_key)
      assert.is_table(err.fetch_error)
      assert.are.equal("/api/v1/invoice/nowhere", emu:stats().last.path)
      c:close()
    end)
  end

  it("returns the invoice a key made when the same create is sent again with it (a rerun)", function()
    local first = assert(client.invoice.create_single{ amount = "1", currency = "ETH", description = "x" })
    local before = emu:stats()
    local again = assert(client.invoice.create_single{ amount = "1.0", currency = "ETH", description = "x",
                                                       idempotencyKey = first.idempotencyKey })
    assert.are.equal(first.id, again.id)
    local after = emu:stats()
    assert.are.equal(before.received + 2, after.received) -- the create (016) and the read-back
    assert.are.equal(before.invoices, after.invoices)
  end)

  it("never sends an exchange (no key) twice", function()
    emu:control("credit", { currency = "USDT", amount = 10 })
    local before = emu:stats()
    emu:fault{ mode = "drop_reply" }
    local made, err = client.exchange.create{ sourceCurrency = "USDT", destinationCurrency = "TRX",
      amount = "1" }
    assert.is_nil(made)
    assert.are.equal(1, err.attempts)
    assert.is_true(err.maybe_applied)
    assert.is_nil(err.idempotency_key)
    assert.are.equal(before.exchanges + 1, emu:stats().exchanges)
  end)

  for _, name in ipairs(transports.names) do
    it("sends DELETE as DELETE on the " .. name .. " transport, and takes its empty answer as true",
      function()
      local sub = assert(client.subscription.create{ url = "https://shop.example/" .. name })
      local answer = over:run(name, {}, { {
        path = "/api/v1/subscription/webhook", payload = { requestId = sub.requestId },
        opts = { method = "DELETE", empty = true, idempotent = true },
      } })[1]
      assert.is_nil(answer.err, answer.err and answer.err.message)
      assert.is_true(answer.result)
      local last = emu:stats().last
      assert.are.equal("DELETE", last.method)
      assert.are.equal("/api/v1/subscription/webhook", last.path)
    end)
  end

  it("sends the rows' DELETE through client.async too", function()
    local sub = assert(client.subscription.create{ url = "https://shop.example/async-row" })
    local c = emu:client{ http2 = false }
    local req = assert(c.async.subscription.delete{ requestId = sub.requestId })
    assert.is_true(req:wait())
    assert.are.equal("DELETE", emu:stats().last.method)
    c:close()
  end)
end)
