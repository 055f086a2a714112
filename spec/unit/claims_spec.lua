-- spec/unit/claims_spec.lua: calypso.webhook.claims over a store of the
-- test's own (a table with a clock the test moves): new, busy, done and
-- released claims as two hosts sharing one store see them, leases and
-- keeps that run out, a store that fails, and verify's answer for each.
local calypso = require "calypso"
local webhook = calypso.webhook

-- A store in a table; time stands still until the test moves clock.now.
local function memory_store(clock)
  local data = {}
  local function live(key)
    local e = data[key]
    if e and e.expires <= clock.now then
      data[key], e = nil, nil
    end
    return e
  end
  local store = {
    add = function(key, value, ttl)
      if live(key) then return false end
      data[key] = { value = value, expires = clock.now + ttl }
      return true
    end,
    get = function(key)
      local e = live(key)
      return e and e.value or false
    end,
    swap = function(key, old, new, ttl)
      local e = live(key)
      if not e or e.value ~= old then return false end
      data[key] = new ~= nil and { value = new, expires = clock.now + ttl } or nil
      return true
    end,
  }
  return store, data
end

local function failing_store(why)
  local function fail() return nil, why end
  return { add = fail, get = fail, swap = fail }
end

describe("calypso.webhook.claims", function()
  local clock, store, host_a, host_b
  local event = { id = 7, requestId = "5b0c8e1a-7d3f-4a21-9c4e-2f6d8b1a0e37", eventType = "INVOICE_PAID" }
  before_each(function()
    clock = { now = 1000 }
    store = memory_store(clock)
    host_a = webhook.claims(store, { lease = 60, keep = 3600 })
    host_b = webhook.claims(store, { lease = 60, keep = 3600 })
  end)

  it("gives an event to the first host that claims it; the other sees it busy, then done", function()
    assert.are.equal("new", host_a:claim(event))
    assert.are.equal("busy", host_b:claim(event))
    assert.are.equal("busy", host_a:claim(event)) -- a second delivery to the same host, meanwhile
    assert.is_true(host_a:done(event))
    assert.are.equal("done", host_b:claim(event))
    assert.are.equal("done", host_a:claim(event))
  end)

  it("gives a released event to the next delivery", function()
    assert.are.equal("new", host_a:claim(event))
    assert.is_true(host_a:release(event))
    assert.are.equal("new", host_b:claim(event))
    assert.is_true(host_b:done(event))
    assert.are.equal("done", host_a:claim(event))
  end)

  it("lets a dead holder's claim run out after its lease; the late holder cannot end the new one", function()
    assert.are.equal("new", host_a:claim(event))
    clock.now = clock.now + 59
    assert.are.equal("busy", host_b:claim(event))
    clock.now = clock.now + 1
    assert.are.equal("new", host_b:claim(event))
    assert.is_false(host_a:done(event))    -- host a's claim ran out: its token no longer matches
    assert.are.equal("busy", host_a:claim(event))
    assert.is_true(host_b:done(event))
    assert.are.equal("done", host_a:claim(event))
  end)

  it("keeps a done event for `keep` seconds", function()
    assert.are.equal("new", host_a:claim(event))
    assert.is_true(host_a:done(event))
    clock.now = clock.now + 3599
    assert.are.equal("done", host_b:claim(event))
    clock.now = clock.now + 1
    assert.are.equal("new", host_b:claim(event))
  end)

  it("keys an event by its subscription and its id's exact text", function()
    assert.are.equal("new", host_a:claim(event))
    assert.are.equal("new", host_a:claim{ id = 8, requestId = event.requestId })
    assert.are.equal("new", host_a:claim{ id = 7, requestId = "another subscription" })
    assert.are.equal("new", host_a:claim{ id = 123456789012342, requestId = event.requestId })
    assert.are.equal("new", host_a:claim{ id = 123456789012341, requestId = event.requestId })
    assert.are.equal("busy", host_b:claim{ id = 123456789012341, requestId = event.requestId })
  end)

  it("ends nothing it did not claim", function()
    assert.is_false(host_a:done(event))
    assert.is_false(host_a:release(event))
    assert.are.equal("new", host_b:claim(event))
    assert.is_false(host_a:release(event))
    assert.are.equal("busy", host_a:claim(event))
  end)

  it("gives up on a store that says a claim both exists and does not", function()
    local contrary = { add = function() return false end, get = function() return false end,
                       swap = function() return false end }
    local state, why = webhook.claims(contrary):claim(event)
    assert.is_nil(state)
    assert.truthy(why:find("both exists and does not", 1, true), why)
  end)

  it("says why when its store fails, and never says new then", function()
    local claims = webhook.claims(failing_store("redis 127.0.0.1:6379: connection refused"))
    local state, why = claims:claim(event)
    assert.is_nil(state)
    assert.are.equal("redis 127.0.0.1:6379: connection refused", why)
  end)

  local function with(opts) return function() webhook.claims(memory_store{ now = 0 }, opts) end end
  for _, c in ipairs{
    { "a store without swap", function() webhook.claims{ add = print, get = print } end, "and swap" },
    { "an unknown option", with{ ttl = 5 }, "no option 'ttl'" },
    { "a lease of 0", with{ lease = 0 }, "'lease' must be" },
    { "an event with no id", function() host_a:claim{ requestId = "x" } end, "has no id" },
  } do
    it("raises for " .. c[1], function()
      local ok, err = pcall(c[2])
      assert.is_false(ok)
      assert.truthy(err:find(c[3], 1, true), err)
    end)
  end
end)

describe("webhook.verify with claims", function()
  local secret = "subscription-secret"
  local body, headers = webhook.delivery({ id = 42, eventType = "INVOICE_PAID", service = "INVOICE",
                                           data = { amount = "10" } }, { secret = secret })

  it("returns the event to the first claim, and refuses the rest by what became of it", function()
    local clock = { now = 0 }
    local store = memory_store(clock)
    local a, b = webhook.claims(store), webhook.claims(store)
    local event = assert(webhook.verify(body, headers.Sign, secret, { claims = a }))
    assert.are.equal(42, event.id)
    local _, busy = webhook.verify(body, headers.Sign, secret, { claims = b })
    assert.are.equal("busy", busy.field)
    assert.is_true(a:done(event))
    local _, done = webhook.verify(body, headers.Sign, secret, { claims = b })
    assert.are.equal("id", done.field)
    local broken = webhook.claims(failing_store("down"))
    local _, failed = webhook.verify(body, headers.Sign, secret, { claims = broken })
    assert.are.equal("seen", failed.field)
    assert.truthy(failed.message:find("(down)", 1, true), failed.message)
  end)

  it("claims nothing for a delivery whose Sign is wrong", function()
    local store, data = memory_store{ now = 0 }
    local _, err = webhook.verify(body, ("0"):rep(128), secret, { claims = webhook.claims(store) })
    assert.are.equal("sign", err.field)
    assert.is_nil(next(data))
  end)
end)
