-- spec/unit/retry_spec.lua: the retry policy (lua/calypso/retry.lua) alone,
-- with a fake environment: a clock that moves only when the policy sleeps,
-- and a transport that answers from a script.  spec/retry_spec.lua holds the
-- same rules against the emulator.
local observe = require "calypso.observe"
local retry = require "calypso.retry"

local function always(x) return function() return x end end

-- A fake environment; the clock moves only in sleep (and in the transport).
local function fake_env(overrides)
  local env = { max_retries = 2, deadline = 60, timeout = 30, now = 0, slept = {}, corrections = 0 }
  env.monotonic = function() return env.now end
  env.sleep = function(s)
    env.slept[#env.slept + 1] = s
    env.now = env.now + s
  end
  env.random = always(0.5)
  env.correct_clock = function(err)
    local offset = retry.clock_correction(err.date, 1.8e12)
    if offset then env.corrections = env.corrections + 1 end
    return offset
  end
  for k, v in pairs(overrides or {}) do env[k] = v end
  return env
end

-- A transport whose attempts answer, in turn, with script's entries: an
-- error table, or "ok"; each attempt takes `took` seconds of the fake clock,
-- or its whole timeout if that is shorter.
local function scripted(env, script, took)
  local t = { timeouts = {} }
  function t.last() return 0, 0, 0 end
  function t.attempt(_, _, _, timeout)
    t.timeouts[#t.timeouts + 1] = timeout
    env.now = env.now + math.min(took or 0, timeout)
    local answer = script[#t.timeouts] or script[#script]
    if answer == "ok" then return { id = "x" } end
    local err = {}
    for k, v in pairs(answer) do err[k] = v end
    return nil, err
  end
  return t
end

-- retry.run for a call to "/p", with a watch that sees nothing.
local function run(transport, idempotent, env)
  return retry.run(transport, { path = "/p", payload = {}, idempotent = idempotent }, env,
                   observe.new{ log_level = "off" })
end

local DROPPED = { kind = "network", request_sent = true }
local UNSENT = { kind = "network", request_sent = false }
local TIMEOUT = { kind = "timeout", request_sent = true }
local OVERLOADED = { kind = "api", status = 503, request_sent = true }
local REFUSED = { kind = "api", status = 404, code = "004", request_sent = true }
local STALE = { kind = "api", status = 400, code = "011", request_sent = true, date = 1.8e9 }

describe("calypso.retry", function()
  -- { error, rule, retried when idempotent, retried otherwise, maybe applied }
  for _, row in ipairs{
    { UNSENT, "unsent", true, true, false },
    { DROPPED, "dropped", true, false, true },
    { TIMEOUT, "timeout", true, false, true },
    { { kind = "timeout", request_sent = false }, "timeout", true, false, false },
    { { kind = "api", status = 429, request_sent = true }, "overloaded", true, false, false },
    { OVERLOADED, "overloaded", true, false, true },
    { { kind = "api", status = 500, request_sent = true }, "overloaded", true, false, true },
    { REFUSED, "never", false, false, false },
    { { kind = "tls", request_sent = false }, "never", false, false, false },
    { { kind = "decode", status = 200, request_sent = true }, "never", false, false, true },
    { { kind = "validation", request_sent = false }, "never", false, false, false },
  } do
    local err, rule = row[1], row[2]
    local name = err.kind .. (err.status and (" " .. err.status) or "")
      .. (err.request_sent and ", sent" or "")
    it("files " .. name .. " under " .. rule .. " and says whether it may be applied", function()
      assert.are.equal(rule, retry.rule(err))
      assert.are.equal(row[3], retry.allowed(err, true))
      assert.are.equal(row[4], retry.allowed(err, false))
      assert.are.equal(row[5], retry.maybe_applied(err))
    end)
  end

  describe("run()", function()
    it("never sends a create again after the request may have left", function()
      local env = fake_env()
      local t = scripted(env, { DROPPED, "ok" })
      local result, err = run(t, false, env)
      assert.is_nil(result)
      assert.are.equal(1, err.attempts)
      assert.is_false(err.retryable)
      assert.is_true(err.maybe_applied)
    end)

    it("sends a create again when the request never left", function()
      local env = fake_env()
      local result = run(scripted(env, { UNSENT, "ok" }), false, env)
      assert.are.equal("x", result.id)
    end)

    it("retries an update up to max_retries, waiting between attempts", function()
      local env = fake_env{ max_retries = 2 }
      local _, err = run(scripted(env, { OVERLOADED }), true, env)
      assert.are.equal(3, err.attempts)
      assert.is_true(err.retryable)
      assert.are.same({ 0.5, 0.75 }, env.slept) -- 0.5 s, then 1 s with jitter 0.75
    end)

    it("waits as long as Retry-After says, at most 5 s", function()
      local env = fake_env{ max_retries = 2 }
      local busy = { kind = "api", status = 429, request_sent = true, retry_after = 30 }
      local soon = { kind = "api", status = 429, request_sent = true, retry_after = 2 }
      run(scripted(env, { soon, busy, "ok" }), true, env)
      assert.are.same({ 2, 5 }, env.slept)
    end)

    it("starts no wait that would end past the deadline", function()
      local env = fake_env{ deadline = 1, max_retries = 5 }
      local _, err = run(scripted(env, { TIMEOUT }, 0.4), true, env)
      assert.are.equal(2, err.attempts) -- 0.4 s, a 0.5 s wait, 0.4 s: no time left for another wait
      assert.is_true(env.now <= 1)
    end)

    it("gives each attempt the timeout, cut short by what is left of the deadline", function()
      local env = fake_env{ deadline = 10, timeout = 8, max_retries = 1 }
      local t = scripted(env, { TIMEOUT }, 8)
      run(t, true, env)
      assert.are.equal(8, t.timeouts[1])
      assert.is_true(t.timeouts[2] <= 2 and t.timeouts[2] > 0)
    end)

    it("corrects the clock once after 011 with a Date, and sends a create once more", function()
      local env = fake_env{ max_retries = 0 }
      local result = run(scripted(env, { STALE, "ok" }), false, env)
      assert.are.equal("x", result.id)
      assert.are.equal(1, env.corrections)
      local again = fake_env{ max_retries = 0 }
      local _, err = run(scripted(again, { STALE }), false, again)
      assert.are.equal(2, err.attempts) -- corrected once, then given up
      assert.are.equal(1, again.corrections)
    end)

    it("returns the 011 error when the Date cannot be trusted", function()
      local env = fake_env()
      local absurd = { kind = "api", status = 400, code = "011", request_sent = true, date = 86400 }
      local _, err = run(scripted(env, { absurd, "ok" }), false, env)
      assert.are.equal("011", err.code)
      assert.are.equal(1, err.attempts)
      assert.are.equal(0, env.corrections)
      assert.are.equal(retry.stale_hint, err.hint)
      local missing = { kind = "api", status = 400, code = "011", request_sent = true }
      _, err = run(scripted(fake_env(), { missing, "ok" }), false, fake_env())
      assert.are.equal(retry.stale_hint, err.hint)
    end)

    it("counts no attempt for a payload the core refused", function()
      local env = fake_env()
      local refused = { kind = "validation", request_sent = false }
      local _, err = run(scripted(env, { refused }), true, env)
      assert.are.equal(0, err.attempts)
    end)

    it("does not retry a refusal such as 004", function()
      local env = fake_env()
      local _, err = run(scripted(env, { REFUSED, "ok" }), true, env)
      assert.are.equal(1, err.attempts)
      assert.is_false(err.maybe_applied)
    end)
  end)

  describe("clock_correction()", function()
    local now = 1.8e12
    it("aims at the middle of the server's second", function()
      assert.are.equal(600500, retry.clock_correction(now / 1000 + 600, now))
    end)

    for _, date in ipairs{ 0, 86400, 999999999, 1e10, 0 / 0, "1700000000" } do
      it("refuses a Date of " .. tostring(date) .. " as absurd", function()
        assert.is_nil(retry.clock_correction(date, now))
      end)
    end

    it("refuses a correction past the 1e12 ms clock_offset_ms allows", function()
      assert.is_nil(retry.clock_correction(9.9e9, now))
    end)
  end)

  describe("delay()", function()
    it("starts at 0.5 s", function()
      assert.are.equal(0.5, retry.delay(1, nil, always(0)))
      assert.are.equal(0.5, retry.delay(1, nil, always(1)))
    end)

    it("doubles with jitter between half and all of the step", function()
      assert.are.equal(0.5, retry.delay(2, nil, always(0)))
      assert.are.equal(1, retry.delay(2, nil, always(1)))
      assert.are.equal(2, retry.delay(3, nil, always(1)))
    end)

    it("never exceeds 5 s", function()
      assert.are.equal(5, retry.delay(10, nil, always(1)))
    end)

    it("takes Retry-After, capped at 5 s", function()
      assert.are.equal(2, retry.delay(1, 2, always(1)))
      assert.are.equal(5, retry.delay(1, 30, always(1)))
    end)

    it("takes the client's backoff_base and backoff_max instead", function()
      assert.are.equal(0.01, retry.delay(1, nil, always(1), 0.01, 0.04))
      assert.are.equal(0.02, retry.delay(2, nil, always(1), 0.01, 0.04))
      assert.are.equal(0.04, retry.delay(9, nil, always(1), 0.01, 0.04))
      assert.are.equal(0.3, retry.delay(3, nil, always(1), 0.3, 0.1)) -- a max below the base: the base
      assert.are.equal(2, retry.delay(1, 2, always(1), 0.01, 0.04)) -- Retry-After still wins
    end)

    it("is what after() waits with the client's bounds", function()
      local env = { max_retries = 3, deadline = 60, timeout = 5, backoff_base = 0.02, backoff_max = 0.05,
                    monotonic = function() return 0 end, random = always(1),
                    correct_clock = function() return nil end }
      -- as run makes them at 0, with the fields after() reads
      local call, policy = { attempts = 0, idempotent = true }, { retries = 0, stop_at = 60 }
      local waits = {}
      for i = 1, 3 do
        call.attempts = i
        waits[i] = (retry.after(call, policy, { kind = "network", request_sent = false }, env))
      end
      assert.are.same({ 0.02, 0.04, 0.05 }, waits)
    end)
  end)
end)
