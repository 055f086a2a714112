-- spec/unit/bind_spec.lua: the binder's part in exactly-once creates, with a
-- scripted send (no server): the key it fills, what it puts on errors, when
-- it reads an object back by its key, and when what it read back is this
-- call's object (calypso.readback) or another's (an idempotency error).
local client = require "calypso.client"
local core = require "calypso.core"
local calypso_null = core.null

-- A send that answers each call from script (by path) and records the calls.
local function scripted(script)
  local calls = {}
  local function send(call)
    calls[#calls + 1] = call
    local answer = table.remove(script[call.path], 1)
    if answer.ok then return answer.ok end
    return nil, core.error(answer.kind or "api", "scripted", answer.err)
  end
  return send, calls
end

local CREATE, GET = "/api/v1/invoice/single/create", "/api/v1/invoice"
local PARAMS = { amount = "1", currency = "ETH", description = "x" }
local KEY = "7b0e3b1c-1d2e-4f5a-8b6c-9d0e1f2a3b4c"

describe("client.bind() for a row with an idempotency key", function()
  it("sends a fresh key, calls the create idempotent, and returns the object as the server sent it",
    function()
    local send, calls = scripted{ [CREATE] = { { ok = { id = "i1" } } } }
    local made = client.bind(send).invoice.create_single(PARAMS)
    assert.are.equal(1, #calls)
    assert.is_true(calls[1].idempotent)
    assert.are.equal(36, #calls[1].payload.idempotencyKey)
    assert.are.same({ id = "i1" }, made) -- nothing written into the server's object
  end)

  it("reads the object back when a retry meets 016, and returns it", function()
    local send, calls = scripted{
      [CREATE] = { { err = { code = "016", status = 400, attempts = 2 } } },
      [GET] = { { ok = { id = "i1", state = "PENDING_PAYMENT", idempotencyKey = KEY, amount = 1 } } },
    }
    local made, err = client.bind(send).invoice.create_single(PARAMS, { idempotency_key = KEY })
    assert.is_nil(err)
    assert.are.equal("i1", made.id)
    assert.are.equal(GET, calls[2].path)
    assert.are.same({ idempotencyKey = KEY }, calls[2].payload)
  end)

  it("gives the read-back the create's per-call limits (what is left of its deadline)", function()
    local send, calls = scripted{
      [CREATE] = { { err = { code = "016", status = 400, attempts = 2 } } },
      [GET] = { { ok = { id = "i1", idempotencyKey = KEY } } },
    }
    local opts = { timeout = 3, max_retries = 1, deadline = 10, idempotency_key = KEY }
    local made = client.bind(send).invoice.create_single(PARAMS, opts)
    assert.are.equal("i1", made.id)
    assert.are.same({ 3, 1 }, { calls[2].timeout, calls[2].max_retries })
    assert.is_true(calls[2].deadline <= 10 and calls[2].deadline > 9, tostring(calls[2].deadline))
  end)

  it("reads back after 016 on the first attempt too: a call repeated with its key gets its object",
    function()
    local send, calls = scripted{
      [CREATE] = { { err = { code = "016", status = 400, attempts = 1 } } },
      [GET] = { { ok = { id = "i1", idempotencyKey = KEY, amount = "1.00", currency = "ETH" } } },
    }
    local made, err = client.bind(send).invoice.create_single(PARAMS, { idempotency_key = KEY })
    assert.is_nil(err)
    assert.are.equal("i1", made.id)
    assert.are.equal(2, #calls)
  end)

  -- What the read-back found, against PARAMS sent with KEY: this call's object, or another's.
  for _, c in ipairs{
    { "the same amount written otherwise (1.00, 1e0)", { amount = "1.00" }, true },
    { "the amount as a number", { amount = 1 }, true },
    { "a field the object does not carry (no amount)", { amount = calypso_null }, true },
    { "another amount", { amount = 10 }, false, "amount" },
    { "an amount off in the 19th digit", { amount = "1.000000000000000001" }, false, "amount" },
    { "another currency", { currency = "USDT_TRX" }, false, "currency" },
    { "another description", { description = "y" }, false, "description" },
    { "another key", { idempotencyKey = "0b0e3b1c-1d2e-4f5a-8b6c-9d0e1f2a3b4c" }, false, "idempotencyKey" },
    { "no key at all", { idempotencyKey = calypso_null }, false, "idempotencyKey" },
    { "the key in capitals", { idempotencyKey = KEY:upper() }, true },
  } do
    it((c[3] and "returns" or "refuses, as an idempotency error,") .. " an object read back with "
      .. c[1], function()
      local object = { id = "i1", idempotencyKey = KEY, amount = "1", currency = "ETH", description = "x" }
      for k, v in pairs(c[2]) do
        if v == calypso_null then object[k] = nil else object[k] = v end
      end
      local send, calls = scripted{
        [CREATE] = { { err = { code = "016", status = 400, attempts = 2 } } },
        [GET] = { { ok = object } },
      }
      local made, err = client.bind(send).invoice.create_single(PARAMS, { idempotency_key = KEY })
      assert.are.equal(2, #calls) -- never sent again after the verdict
      if c[3] then
        assert.is_nil(err, err and tostring(err))
        assert.are.equal(object, made)
      else
        assert.is_nil(made)
        assert.are.equal("idempotency", err.kind)
        assert.are.equal(c[4], err.field)
        assert.are.equal(KEY, err.idempotency_key)
        assert.are.equal(object, err.existing)
        assert.is_false(err.retryable)
        assert.is_false(err.maybe_applied)
      end
    end)
  end

  it("refuses an unlimited invoice create's read-back that finds a SINGLE invoice (its type)", function()
    local send = scripted{
      ["/api/v1/invoice/unlimited/create"] = { { err = { code = "016", status = 400, attempts = 1 } } },
      [GET] = { { ok = { id = "i1", idempotencyKey = KEY, type = "SINGLE", currency = "ETH",
                         description = "x", amount = "1" } } },
    }
    local made, err = client.bind(send).invoice.create_unlimited({ currency = "ETH", description = "x" },
      { idempotency_key = KEY })
    assert.is_nil(made)
    assert.are.equal("idempotency", err.kind)
    assert.are.equal("type", err.field)
  end)

  -- What a server may do to this call's own object, read back: none of it is another's.
  for _, c in ipairs{
    { "an amount in an open field sent as a string, answered as a number",
      "payout.create_mass", "/api/v1/payout/mass/create", "/api/v1/payout/mass",
      { currency = "ETH", recipients = { { address = "0x1", amount = "10.50" } } },
      { currency = "ETH", recipients = { { address = "0x1", amount = 10.5 } } } },
    { "a fiat invoice's crypto amount, recalculated since",
      "invoice.create_single_fiat", "/api/v1/invoice/single-fiat/create", GET,
      { currency = "BTC", fiatAmount = "100", fiatCurrency = "EUR", description = "x", amount = "0.0015" },
      { currency = "BTC", fiatAmount = 100, fiatCurrency = "EUR", description = "x", amount = "0.00151" } },
    { "an expiration kept to milliseconds", "invoice.create_single", CREATE, GET,
      { amount = "1", currency = "ETH", description = "x", expiration = "2030-07-05T22:31:09.255123Z" },
      { amount = 1, currency = "ETH", description = "x", expiration = "2030-07-05T22:31:09.255Z" } },
    { "the currency as a Currency object", "invoice.create_single", CREATE, GET,
      { amount = "1", currency = "ETH", description = "x" },
      { amount = 1, currency = { name = "ETH", crypto = true }, description = "x" } },
  } do
    it("returns this call's own object read back with " .. c[1], function()
      local object = c[6]
      object.idempotencyKey = KEY
      local send = scripted{ [c[3]] = { { err = { code = "016", status = 400, attempts = 2 } } },
                             [c[4]] = { { ok = object } } }
      local group, name = c[2]:match("^(.-)%.(.+)$")
      local made, err = client.bind(send)[group][name](c[5], { idempotency_key = KEY })
      assert.is_nil(err, err and tostring(err))
      assert.are.equal(object, made)
    end)
  end

  it("compares amounts to a double's precision for a client that decodes them as doubles", function()
    local object = { idempotencyKey = KEY, amount = 0.12345678901234568, currency = "ETH", description = "x" }
    local params = { amount = "0.123456789012345678", currency = "ETH", description = "x" }
    for _, lossy in ipairs{ true, false } do
      local send = scripted{ [CREATE] = { { err = { code = "016", status = 400, attempts = 2 } } },
                             [GET] = { { ok = object } } }
      local made, err = client.bind(send, { lossy = lossy }).invoice.create_single(params,
        { idempotency_key = KEY })
      if lossy then
        assert.are.equal(object, made)
      else -- exact: 0.12345678901234568 is not the amount sent
        assert.is_nil(made)
        assert.are.equal("idempotency", err.kind)
        assert.truthy(err.message:find("its amount is 0.12345678901234568, this call's", 1, true),
          err.message)
      end
    end
  end)

  it("finds a subscription read back in the list by its requestId, and checks it", function()
    local url = "https://shop.example/hook"
    local mine = { requestId = KEY, url = url, secretKey = "s", notificationEventTypes = { "INVOICE_PAID" } }
    local send, calls = scripted{
      ["/api/v1/subscription/webhook/create"] = {
        { err = { code = "016", status = 400, attempts = 2 } }, { err = { code = "016", attempts = 2 } } },
      ["/api/v1/subscription/webhook"] = {
        { ok = { subscriptions = { { requestId = "other", url = url }, mine } } },
        { ok = { subscriptions = {
          { requestId = KEY, url = "https://elsewhere.example/", secretKey = "s2" } } } },
      },
    }
    local bound = client.bind(send)
    local params = { url = url, notificationEventTypes = { "INVOICE_PAID" } }
    local made = assert(bound.subscription.create(params, { idempotency_key = KEY }))
    assert.are.equal(mine, made)
    assert.is_nil(calls[2].payload) -- the list takes no payload
    local again, err = bound.subscription.create(params, { idempotency_key = KEY })
    assert.is_nil(again)
    assert.are.equal("idempotency", err.kind)
    assert.are.equal("url", err.field)
    assert.are.equal("[redacted]", err.existing.secretKey) -- another subscription's secret stays out
    assert.are.equal("https://elsewhere.example/", err.existing.url)
  end)

  it("never sends a keyed create with no read-back again once it may have left", function()
    local send, calls = scripted{ ["/api/v1/fiat/deposit/key/generate"] = { { err = { attempts = 1 } } } }
    client.bind(send).fiat_deposit.generate_key{}
    assert.is_false(calls[1].idempotent)
    assert.is_string(calls[1].key)
  end)

  it("returns the 016 with the read-back's error when that fails too", function()
    local send = scripted{
      [CREATE] = { { err = { code = "016", status = 400, attempts = 3 } } },
      [GET] = { { kind = "network", err = { attempts = 3, request_sent = false } } },
    }
    local made, err = client.bind(send).invoice.create_single(PARAMS)
    assert.is_nil(made)
    assert.are.equal("016", err.code)
    assert.are.equal("network", err.fetch_error.kind)
    assert.is_string(err.idempotency_key)
  end)

  it("sends a row without a key as not idempotent, with no key anywhere", function()
    local send, calls = scripted{ ["/api/v1/exchange/create"] = { { err = { attempts = 1 } } } }
    local _, err = client.bind(send).exchange.create{ sourceCurrency = "A",
      destinationCurrency = "B", amount = "1" }
    assert.is_false(calls[1].idempotent)
    assert.is_nil(err.idempotency_key)
  end)
end)
