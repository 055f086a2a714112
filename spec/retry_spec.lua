-- retry_spec.lua: the retry policy (lua/calypso/retry.lua), one test per row,
-- each against the real emulator or a real refusal.  create is the
-- non-idempotent call, update the idempotent one.
local core = require "calypso.core"
local emulator = require "support.emulator"

describe("the retry policy", function()
  local emu, client, customer

  setup(function()
    emu = emulator.start()
    client = emu:client{ max_retries = 1, backoff_base = 0.01, backoff_max = 0.05 }
    customer = assert(client.customer.create{ email = "ada@example.com" })
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  before_each(function()
    emu:skew_clock(0)
  end)

  local function update()
    return client.customer.update{ id = customer.id, description = "retried" }
  end

  -- Runs f and returns its results plus how many requests and customers
  -- the emulator saw meanwhile.
  local function counted(f)
    local before = emu:stats()
    local result, err = f()
    local after = emu:stats()
    return result, err, after.received - before.received, after.created - before.created
  end

  -- Runs spec/support/bad_peer.lua in `mode`, makes one create against it,
  -- and returns the error and how many connections the peer saw.
  local function against_bad_peer(mode)
    local log = os.tmpname()
    local pipe = assert(io.popen("exec sh -c 'echo $$; exec lua5.4 spec/support/bad_peer.lua "
      .. mode .. " " .. log .. "'"))
    local pid, port = pipe:read("*l"), pipe:read("*l")
    local peer = emu:client{ base_url = "https://127.0.0.1:" .. port, max_retries = 1,
      backoff_base = 0.01, backoff_max = 0.05 }
    local _, err = peer.customer.create{}
    os.execute("kill " .. pid)
    pipe:close()
    peer:close()
    local f = assert(io.open(log))
    local _, connections = f:read("*a"):gsub("\n", "")
    f:close()
    os.remove(log)
    return err, connections
  end

  describe("row unsent: the request never left", function()
    for _, case in ipairs({
      { "a refused connection", "https://127.0.0.1:1" },
      { "a DNS failure", "https://calypso-emulator.invalid" },
    }) do
      it("retries create and update after " .. case[1], function()
        local unreachable = emu:client{ base_url = case[2], max_retries = 1, backoff_base = 0.01,
                                        backoff_max = 0.05 }
        for _, call in ipairs({
          function() return unreachable.customer.create{} end,
          function() return unreachable.customer.update{ id = customer.id, email = "a@b.co" } end,
        }) do
          local result, err = call()
          assert.is_nil(result)
          assert.are.equal("network", err.kind)
          assert.is_false(err.request_sent)
          assert.are.equal(2, err.attempts)
          assert.is_true(err.retryable)
          assert.is_false(err.maybe_applied)
        end
        unreachable:close()
      end)
    end

    it("retries create after a handshake the server cut, and calls it network, not tls", function()
      local cut = emu:client{ base_url = emu.cut_url, max_retries = 1, backoff_base = 0.01,
                              backoff_max = 0.05 }
      local _, err = cut.customer.create{}
      assert.are.equal("network", err.kind)
      assert.are.equal(2, err.attempts)
      assert.is_false(err.maybe_applied)
      cut:close()
    end)

    it("retries create after a handshake the server reset, and calls it network, not tls", function()
      local err, connections = against_bad_peer("reset")
      assert.are.equal(2, connections) -- both attempts reached the peer and were reset
      assert.are.equal("network", err.kind, tostring(err))
      assert.are.equal(2, err.attempts)
      assert.is_false(err.maybe_applied)
    end)
  end)

  describe("a server that answers the handshake in plain HTTP", function()
    it("is a tls failure, never retried", function()
      local err, connections = against_bad_peer("plain")
      assert.are.equal("tls", err.kind, tostring(err))
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, connections)
    end)
  end)

  describe("row dropped: the connection died after the request left", function()
    it("never retries create, which may have made exactly one customer", function()
      assert(client.customer.create{}) -- so that the next call reuses a connection
      emu:fault{ mode = "drop_reply" }
      local result, err, received, created = counted(function() return client.customer.create{} end)
      assert.is_nil(result)
      assert.are.equal("network", err.kind)
      assert.are.equal(1, err.attempts)
      assert.is_false(err.retryable)
      assert.is_true(err.maybe_applied)
      assert.are.equal(1, received)
      assert.are.equal(1, created)
    end)

    it("retries update, which then succeeds", function()
      emu:fault{ mode = "drop_reply" }
      local result, err, received = counted(update)
      assert.is_nil(err)
      assert.are.equal("retried", result.description)
      assert.are.equal(2, received)
    end)
  end)

  describe("row timeout", function()
    it("never retries create, which the server then makes once", function()
      local impatient = emu:client{ timeout = 0.5 }
      local created_before = emu:stats().created
      emu:fault{ mode = "stall", seconds = 1 }
      local _, err, received = counted(function() return impatient.customer.create{} end)
      assert.are.equal("timeout", err.kind)
      assert.are.equal(1, err.attempts)
      assert.is_false(err.retryable)
      assert.is_true(err.maybe_applied)
      assert.are.equal(1, received)
      -- The stalled request goes on after the client gave up: maybe_applied
      -- was right.  Waiting for it also keeps later counts clean.
      assert.are.equal(created_before + 1, emu:wait_for("created", created_before + 1).created)
      impatient:close()
    end)

    it("retries update, which then succeeds", function()
      local impatient = emu:client{ timeout = 0.5 }
      emu:fault{ mode = "stall", seconds = 1 }
      local result, err, received = counted(function()
        return impatient.customer.update{ id = customer.id, description = "after a stall" }
      end)
      assert.is_nil(err)
      assert.are.equal("after a stall", result.description)
      assert.are.equal(2, received)
      impatient:close()
    end)
  end)

  describe("row overloaded: HTTP 429, 500, 502, 503, 504", function()
    for _, status in ipairs({ 429, 500, 502, 503, 504 }) do
      it("retries update after " .. status .. " and never retries create", function()
        emu:fault{ mode = "status", status = status, retry_after = 0 }
        local result, err, received = counted(update)
        assert.is_nil(err)
        assert.is_table(result)
        assert.are.equal(2, received)

        emu:fault{ mode = "status", status = status, retry_after = 0 }
        result, err, received = counted(function() return client.customer.create{} end)
        assert.is_nil(result)
        assert.are.equal(status, err.status)
        assert.are.equal(1, err.attempts)
        assert.is_false(err.retryable)
        assert.are.equal(status ~= 429, err.maybe_applied) -- a 429 was refused, not run
        assert.are.equal(1, received)
      end)
    end

    it("waits as long as Retry-After says", function()
      emu:fault{ mode = "status", status = 503, retry_after = 1 }
      local started = core.monotonic()
      assert.is_table(update())
      assert.is_true(core.monotonic() - started >= 1)
    end)

    it("gives up with retryable set when the retries run out", function()
      emu:fault{ mode = "status", status = 500, retry_after = 0, count = 2 }
      local _, err, received = counted(update)
      assert.are.equal(500, err.status)
      assert.are.equal(2, err.attempts)
      assert.is_true(err.retryable)
      assert.are.equal(2, received)
    end)
  end)

  describe("row never", function()
    it("does not retry a tls failure", function()
      local untrusting = emu:client{ cafile = emu.other_cafile }
      local _, err = untrusting.customer.update{ id = customer.id, description = "x" }
      assert.are.equal("tls", err.kind)
      assert.are.equal(1, err.attempts)
      assert.is_false(err.maybe_applied)
      assert.truthy(err.message:find("cafile", 1, true))
      untrusting:close()
    end)

    it("does not retry a refusal such as 004", function()
      local _, err, received = counted(function()
        return client.customer.update{ id = "00000000-0000-4000-8000-000000000000", email = "a@b.co" }
      end)
      assert.are.equal("004", err.code)
      assert.are.equal(1, err.attempts)
      assert.is_false(err.maybe_applied)
      assert.are.equal(1, received)
    end)

    it("does not retry a 2xx it cannot decode, which was applied", function()
      emu:fault{ mode = "truncated" }
      local _, err, received = counted(update)
      assert.are.equal("decode", err.kind)
      assert.are.equal(1, err.attempts)
      assert.is_true(err.maybe_applied)
      assert.are.equal(1, received)
    end)

    it("makes no attempt for invalid input", function()
      local _, err, received = counted(function() return client.customer.create{ email = 1 } end)
      assert.are.equal("validation", err.kind)
      assert.are.equal(0, err.attempts)
      assert.are.equal(0, received)
    end)
  end)

  describe("code 011", function()
    it("corrects the clock from Date and sends create once more", function()
      local fresh = emu:client()
      emu:skew_clock(10 * 60 * 1000)
      local result, err, received, created = counted(function() return fresh.customer.create{} end)
      assert.is_nil(err)
      assert.is_table(result)
      assert.are.equal(2, received)
      assert.are.equal(1, created)
      local offset = fresh:clock_offset()
      assert.is_true(math.abs(offset - 600000) < 3000, "offset " .. offset)
      local _, _, again = counted(function() return fresh.customer.create{} end)
      assert.are.equal(1, again) -- the offset is kept
      fresh:close()
    end)

    it("returns the 011 error, without raising, when the server's Date is absurd", function()
      local fresh = emu:client()
      emu:skew_clock(86400000 - core.time_ms()) -- the server's clock, and its Date: 2 Jan 1970
      local ok, result, err = pcall(fresh.customer.create, {})
      emu:skew_clock(0)
      assert.is_true(ok, result)
      assert.is_nil(result)
      assert.are.equal("api", err.kind)
      assert.are.equal("011", err.code)
      assert.are.equal(0, fresh:clock_offset())
      fresh:close()
    end)

    it("needs no correction when clock_offset_ms is set by hand", function()
      local preset = emu:client{ clock_offset_ms = 600000 }
      emu:skew_clock(10 * 60 * 1000)
      local result, _, received = counted(function() return preset.customer.create{} end)
      assert.is_table(result)
      assert.are.equal(1, received)
      preset:close()
    end)
  end)

  describe("every attempt", function()
    it("has its own timestamp and signature", function()
      emu:fault{ mode = "status", status = 503, retry_after = 0.2 }
      assert.is_table(update())
      local recent = emu:stats().recent
      local first, second = recent[#recent - 1], recent[#recent]
      assert.are_not.equal(first.sign, second.sign)
      assert.are_not.equal(first.body:match('"timestamp":(%d+)'), second.body:match('"timestamp":(%d+)'))
    end)
  end)

  describe("the deadline", function()
    it("ends a trickling update, retries included, by the deadline", function()
      local slow = emu:client{ timeout = 1, deadline = 2.5, max_retries = 5 }
      emu:fault{ mode = "trickle", count = 5 }
      local started = core.monotonic()
      local _, err = slow.customer.update{ id = customer.id, description = "x" }
      local took = core.monotonic() - started
      assert.are.equal("timeout", err.kind)
      assert.is_true(err.attempts >= 2)
      assert.is_true(took < 3.0, "took " .. took)
      slow:close()
    end)

    it("does not start a wait that would end past it", function()
      local hasty = emu:client{ base_url = "https://127.0.0.1:1", deadline = 0.3 }
      local _, err = hasty.customer.update{ id = customer.id, description = "x" }
      assert.are.equal(1, err.attempts)
      hasty:close()
    end)
  end)
end)
