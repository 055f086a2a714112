-- spec/unit/bind_spec.lua: the binder's part in exactly-once creates, with a
-- scripted send (no server): the key it fills, what it puts on results and
-- errors, and when it reads an object back by its key.
local client = require "calypso.client"
local core = require "calypso.core"

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

describe("client.bind() for a row with an idempotency key", function()
  it("sends a fresh key, calls the create idempotent, and puts the key on the result", function()
    local send, calls = scripted{ [CREATE] = { { ok = { id = "i1" } } } }
    local made = client.bind(send).invoice.create_single(PARAMS)
    assert.are.equal(1, #calls)
    assert.is_true(calls[1].idempotent)
    assert.are.equal(36, #calls[1].payload.idempotencyKey)
    assert.are.equal(calls[1].payload.idempotencyKey, made.idempotencyKey)
  end)

  it("reads the object back when a retry meets 016, and returns it", function()
    local send, calls = scripted{
      [CREATE] = { { err = { code = "016", status = 400, attempts = 2 } } },
      [GET] = { { ok = { id = "i1", state = "PENDING_PAYMENT" } } },
    }
    local made, err = client.bind(send).invoice.create_single(PARAMS)
    assert.is_nil(err)
    assert.are.equal("i1", made.id)
    assert.are.equal(GET, calls[2].path)
    assert.are.same({ idempotencyKey = calls[1].payload.idempotencyKey }, calls[2].payload)
  end)

  it("gives the read-back the create's per-call limits (what is left of its deadline)", function()
    local send, calls = scripted{
      [CREATE] = { { err = { code = "016", status = 400, attempts = 2 } } },
      [GET] = { { ok = { id = "i1" } } },
    }
    local opts = { timeout = 3, max_retries = 1, deadline = 10 }
    local made = client.bind(send).invoice.create_single(PARAMS, opts)
    assert.are.equal("i1", made.id)
    assert.are.same({ 3, 1 }, { calls[2].timeout, calls[2].max_retries })
    assert.is_true(calls[2].deadline <= 10 and calls[2].deadline > 9, tostring(calls[2].deadline))
  end)

  it("does not read back after 016 on the first attempt: the caller reused the key", function()
    local send, calls = scripted{ [CREATE] = { { err = { code = "016", status = 400, attempts = 1 } } } }
    local made, err = client.bind(send).invoice.create_single(PARAMS)
    assert.is_nil(made)
    assert.are.equal("016", err.code)
    assert.are.equal(1, #calls)
    assert.are.equal(calls[1].payload.idempotencyKey, err.idempotency_key)
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
