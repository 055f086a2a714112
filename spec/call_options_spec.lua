-- call_options_spec.lua: the second argument of every endpoint function
-- (and the third of client:call): timeout, deadline, max_retries and
-- idempotency_key for one call, against the emulator, on each transport;
-- and the mistakes it refuses before anything is sent.
local calypso = require "calypso"
local emulator = require "support.emulator"
local transports = require "support.transports"

local CREATE = "/api/v1/customer-purse/customer/create"
local INVOICE = { amount = "1.5", currency = "USDT_TRX", description = "per call" }

describe("per-call options", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client{ max_retries = 2, timeout = 0.5 }
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  local function received(f)
    local before = emu:stats().received
    local result, err = f()
    return result, err, emu:stats().received - before
  end

  describe("on the endpoint functions", function()
    it("max_retries = 0 stops a call the client would retry", function()
      local customer = assert(client.customer.create{})
      emu:fault{ mode = "status", status = 503, retry_after = 0, count = 1 }
      local _, err, sent = received(function()
        return client.customer.update({ id = customer.id, description = "x" }, { max_retries = 0 })
      end)
      assert.are.equal(503, err.status)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, sent)
      emu:fault{ mode = "status", status = 503, retry_after = 0, count = 1 }
      local updated = client.customer.update({ id = customer.id, description = "y" })
      assert.are.equal("y", updated.description) -- the client's own max_retries is untouched
    end)

    it("a longer timeout than the client's lets a slow answer arrive", function()
      emu:fault{ mode = "stall", seconds = 1 }
      local made, err = client.customer.create({}, { timeout = 3 })
      assert.is_nil(err)
      assert.are.equal(36, #made.id)
    end)

    it("a shorter timeout ends the call sooner", function()
      local patient = emu:client{ timeout = 30, max_retries = 0 }
      emu:fault{ mode = "stall", seconds = 1 }
      local _, err = patient.customer.create({}, { timeout = 0.2 })
      assert.are.equal("timeout", err.kind)
      assert.truthy(err.message:find("200 ms", 1, true), err.message)
      patient:close()
    end)

    it("a deadline bounds all attempts and waits", function()
      local customer = assert(client.customer.create{})
      emu:fault{ mode = "status", status = 503, retry_after = 2, count = 1 }
      local _, err = client.customer.update({ id = customer.id, description = "z" },
        { deadline = 1, max_retries = 5 })
      assert.are.equal(503, err.status)
      assert.are.equal(1, err.attempts) -- a 2 s wait does not fit in 1 s
    end)

    it("idempotency_key is the key a keyed create sends, and the meta reports it", function()
      local key = calypso.uuid4()
      local invoice = assert(client.invoice.create_single(INVOICE, { idempotency_key = key }))
      assert.are.equal(key, invoice.idempotencyKey)
      assert.are.equal(key, calypso.meta(invoice).idempotency_key)
      -- The same key on the same call again is a rerun: it gets the invoice it made.
      local again = assert(client.invoice.create_single(INVOICE, { idempotency_key = key }))
      assert.are.equal(invoice.id, again.id)
      assert.is_true(calypso.meta(again).read_back)
      -- On another call it is the key's reuse for something else.
      local other, err = client.invoice.create_single({ amount = "99", currency = INVOICE.currency,
        description = INVOICE.description }, { idempotency_key = key })
      assert.is_nil(other)
      assert.are.equal("idempotency", err.kind)
      assert.are.equal(key, err.idempotency_key)
    end)

    it("a page walk passes them to every page's find", function()
      local customer = assert(client.customer.create{})
      emu:seed(customer.id, 3)
      emu:fault{ mode = "status", status = 503, retry_after = 0, count = 1 }
      local walk = client.transaction.each({ customerId = customer.id }, { max_retries = 0, max_pages = 5 })
      for _ in walk do end
      assert.are.equal(503, walk.err.status)
      assert.are.equal(1, walk.err.attempts)
      local again = client.transaction.each({ customerId = customer.id }, { max_retries = 1 })
      local n = 0
      for _ in again do n = n + 1 end
      assert.are.equal(3, n)
    end)

    it("the same options work on client.async", function()
      local customer = assert(client.customer.create{})
      emu:fault{ mode = "status", status = 503, retry_after = 0, count = 1 }
      local req = client.async.customer.update({ id = customer.id, description = "a" }, { max_retries = 0 })
      local _, err = req:wait()
      assert.are.equal(1, err.attempts)
      emu:fault{ mode = "stall", seconds = 1 }
      local made = client.async.customer.create({}, { timeout = 3 }):wait()
      assert.are.equal(36, #made.id)
      local key = calypso.uuid4()
      local invoice = client.async.invoice.create_single(INVOICE, { idempotency_key = key }):wait()
      assert.are.equal(key, invoice.idempotencyKey)
    end)
  end)

  it("an idempotency_key on client:call is reported, but never makes a create retry", function()
    local once = emu:client{ max_retries = 2 }
    local before = emu:stats().created
    emu:fault{ mode = "drop_reply" } -- processed, never answered: a retry would make a second
    local made, err = once:call(CREATE, {}, { idempotency_key = "k-1" })
    assert.is_nil(made)
    assert.are.equal("network", err.kind)
    assert.are.equal("k-1", err.idempotency_key)
    assert.are.equal(1, err.attempts)
    assert.are.equal(before + 1, emu:stats().created)
    once:close()
  end)

  describe("refuses, raising at the caller's line and sending nothing", function()
    local function refused(f, pattern)
      local before = emu:stats().received
      local ok, message = pcall(f)
      assert.is_false(ok)
      assert.truthy(message:find("^spec/call_options_spec%.lua:%d+: " .. pattern), message)
      assert.are.equal(before, emu:stats().received)
    end

    it("an unknown option, naming it", function()
      refused(function() local r = client.customer.create({}, { timeuot = 1 }) return r end,
        "calypso: customer%.create: no option 'timeuot'")
      refused(function() local r = client:call(CREATE, {}, { retries = 1 }) return r end,
        "calypso: call: no option 'retries'")
      refused(function() local r = client.async.customer.create({}, { x = 1 }) return r end,
        "calypso: customer%.create: no option 'x'")
      refused(function() local r = client.transaction.each({}, { timeuot = 1 }) return r end,
        "calypso: transaction%.each: no option 'timeuot'")
      refused(function() local r = client.transaction.each({}, { max_pages = -1 }) return r end,
        "calypso: transaction%.each: option 'max_pages' must be a whole number >= 0")
    end)

    it("a wrong value, naming the option", function()
      refused(function() local r = client.customer.create({}, { timeout = -1 }) return r end,
        "calypso: customer%.create: option 'timeout' must be a number of seconds")
      refused(function() local r = client.customer.create({}, { max_retries = 11 }) return r end,
        "calypso: customer%.create: option 'max_retries' must be a whole number from 0 to 10")
      refused(function() local r = client.customer.create({}, "fast") return r end,
        "calypso: customer%.create: call options must be a table, got string")
    end)

    it("an idempotency_key for a call the API has no key for", function()
      refused(function() local r = client.customer.create({}, { idempotency_key = "k" }) return r end,
        "calypso: customer%.create takes no idempotency_key")
    end)

    it("a colon call, saying to use a dot", function()
      refused(function() local r = client.customer:create{ email = "ada@example.com" } return r end,
        "calypso: call customer%.create with a dot, not a colon")
      refused(function() local r = client.transaction:each{} return r end,
        "calypso: call transaction%.each with a dot, not a colon")
      refused(function() local r = client.call(CREATE, {}) return r end,
        "calypso: call it with a colon: client:call")
      refused(function() local r = client.envelope({}) return r end,
        "calypso: call it with a colon: client:envelope")
      refused(function() local r = client.async:call(CREATE, {}) return r end,
        "calypso: call client%.async%.call with a dot, not a colon")
    end)

    it("two different keys for one create, as a validation error", function()
      local before = emu:stats().received
      local made, err = client.invoice.create_single(
        { amount = "1", currency = "ETH", description = "x", idempotencyKey = calypso.uuid4() },
        { idempotency_key = calypso.uuid4() })
      assert.is_nil(made)
      assert.are.equal("validation", err.kind)
      assert.are.equal("idempotencyKey", err.field)
      assert.are.equal(before, emu:stats().received)
    end)
  end)

  describe("on client:call, on each transport", function()
    local t
    setup(function() t = transports.start(emu) end)
    teardown(function() t:stop() end)

    for _, name in ipairs(transports.names) do
      it("takes max_retries and timeout per call (" .. name .. ")", function()
        emu:fault{ mode = "status", status = 503, retry_after = 0, count = 1 }
        local answers = t:run(name, { max_retries = 2, timeout = 0.5 }, {
          { path = CREATE, payload = {}, opts = { idempotent = true, max_retries = 0 } },
        })
        assert.are.equal(1, answers[1].err.attempts)
          emu:fault{ mode = "stall", seconds = 1 }
        answers = t:run(name, { max_retries = 0, timeout = 0.5 }, {
          { path = CREATE, payload = {}, opts = { timeout = 3 } },
        })
        assert.are.equal(36, #answers[1].result.id)
      end)
    end
  end)
end)
