-- faults_spec.lua: a hostile server, one fault at a time.  Each must give
-- the right kind, never crash, and never hang past the deadline.  create is
-- never sent twice; update is retried where the policy allows.
local core = require "calypso.core"
local emulator = require "support.emulator"

local DEADLINE = 6

-- { fault, what create returns (kind, status: the one that arrived, if any),
--   what update does: "ok" (retried, then succeeds) or the kind it returns }
local faults = {
  { { mode = "reset" }, { "network", 200 }, "ok" },
  { { mode = "trickle", seconds = 1 }, { "timeout", 200 }, "ok" },
  { { mode = "truncated" }, { "decode", 200 }, "decode" },
  { { mode = "not_json" }, { "decode", 200 }, "decode" },
  { { mode = "status", status = 500 }, { "api", 500 }, "ok" },
  { { mode = "status", status = 503, retry_after = 1 }, { "api", 503 }, "ok" },
  { { mode = "html_502" }, { "api", 502 }, "ok" },
  { { mode = "drop_reply" }, { "network" }, "ok" },
  { { mode = "redirect_http" }, { "api", 302 }, "api" },
}

describe("a hostile server", function()
  local emu, client, customer

  setup(function()
    emu = emulator.start()
    client = emu:client{ timeout = 1.5, deadline = DEADLINE }
    customer = assert(client.customer.create{})
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  -- Calls f with the fault armed once; returns f's results, the seconds it
  -- took, and the requests and customers the emulator saw.
  local function under(fault, f)
    emu:fault(fault)
    local before = emu:stats()
    local started = core.monotonic()
    local ok, result, err = pcall(f)
    local took = core.monotonic() - started
    local after = emu:stats()
    assert.is_true(ok, tostring(result)) -- no raise, no crash
    assert.is_true(took < DEADLINE + 0.5, "took " .. took)
    return result, err, after.received - before.received, after.created - before.created
  end

  for _, row in ipairs(faults) do
    local fault, create, update = row[1], row[2], row[3]
    local name = fault.mode .. (fault.status and (" " .. fault.status) or "")

    it("answering " .. name .. " to create gives " .. create[1] .. ", sent once", function()
      local result, err, received, created = under(fault, function() return client.customer.create{} end)
      assert.is_nil(result)
      assert.are.equal(create[1], err.kind)
      assert.are.equal(create[2], err.status)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, received)
      assert.is_true(created <= 1)
    end)

    local outcome = update == "ok" and "is retried" or "gives " .. update
    it("answering " .. name .. " to update " .. outcome, function()
      local result, err, received = under(fault, function()
        return client.customer.update{ id = customer.id, description = name }
      end)
      if update == "ok" then
        assert.is_nil(err)
        assert.are.equal(name, result.description)
        assert.are.equal(2, received)
      else
        assert.is_nil(result)
        assert.are.equal(update, err.kind)
        assert.are.equal(1, received)
      end
    end)
  end

  it("with a certificate for another host name gives tls and receives nothing", function()
    local wrong = emu:client{ base_url = emu.wrong_host_url }
    local before = emu:stats().received
    local _, err = wrong.customer.create{}
    assert.are.equal("tls", err.kind)
    assert.truthy(err.message:find("the certificate does not name this IP address", 1, true), err.message)
    assert.are.equal(before, emu:stats().received)
    wrong:close()
  end)

  it("never leads the client to plain http:// by a redirect", function()
    local _, err, received = under({ mode = "redirect_http" }, function() return client.customer.create{} end)
    assert.are.equal(302, err.status)
    assert.are.equal(1, received) -- the Location was not followed
  end)
end)
