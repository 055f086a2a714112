-- spec/crash_resume_spec.lua: a create whose process dies after the request
-- left and before the answer came (SIGKILL while the emulator holds the
-- answer: the hold_reply fault).  examples/order_invoice.lua keys the create
-- by the order (calypso.uuid5), so running it again returns the invoice the
-- dead run made and the emulator holds one; with a random key (the
-- default) the second run makes a second invoice, which is what the key
-- derived from the order is for.
local calypso = require "calypso"
local emulator = require "support.emulator"
local shell = require "support.shell"

describe("a create that outlives its process", function()
  local emu, env
  setup(function()
    emu = emulator.start()
    env = { CALYPSO_API_KEY = emulator.key, CALYPSO_API_SECRET = emulator.secret,
            CALYPSO_ACCOUNT = emulator.account, CALYPSO_BASE_URL = emu.base_url, CALYPSO_CAFILE = emu.cafile }
  end)
  before_each(function() emu:reset() end) -- which also ends a held answer
  teardown(function() emu:stop() end)

  -- The script's command line, the tree's modules on its paths; exec, so
  -- that the pid the shell reports is the Lua process's own.
  local function command(args)
    local cmd = "exec env"
    for name, value in pairs(env) do cmd = cmd .. " " .. name .. "=" .. shell.quote(value) end
    return cmd .. " LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;' lua5.4 " .. args
  end

  local function creates()
    local bodies = {}
    for _, r in ipairs(emu:stats().recent) do
      if r.path == "/api/v1/invoice/single/create" then bodies[#bodies + 1] = r.body end
    end
    return bodies
  end

  -- Runs args until the emulator has made the invoice and holds its answer,
  -- then kills the process as a crash would; returns what it had printed.
  local function killed_mid_call(args)
    local before = emu:stats()
    emu:fault{ mode = "hold_reply", seconds = 20 }
    local run = shell.background(command(args))
    emu:wait_for("held_replies", before.held_replies + 1, 20)
    assert.are.equal(before.invoices + 1, emu:stats().invoices) -- made, and not yet answered
    assert(shell.run("kill -KILL " .. run.pid))
    assert.are.equal(128 + 9, run.wait())
    return (run.text():gsub("exit:%d+%s*$", ""))
  end

  it("returns the invoice the killed run made, and the emulator holds only that one", function()
    local before = emu:stats().invoices
    assert.are.equal("", killed_mid_call("examples/order_invoice.lua 7"))

    local ok, out = shell.lua(env, "examples/order_invoice.lua 7")
    assert.is_true(ok, out)
    local id = out:match("^invoice (%S+) for order 7: 25%S* USDT, PENDING_PAYMENT"
      .. " %(made by an earlier run%)\n$")
    assert.is_string(id, out)
    assert.are.equal(before + 1, emu:stats().invoices)

    -- Both runs sent the same key, derived from the order; it finds the invoice returned.
    local sent = creates()
    assert.are.equal(2, #sent)
    local key = sent[1]:match('"idempotencyKey":"([^"]+)"')
    assert.are.equal(key, sent[2]:match('"idempotencyKey":"([^"]+)"'))
    assert.are.equal(calypso.uuid5("3c1f6a52-8e0d-4b7a-9c35-51d2e8a4f0b6", "order:7"), key)
    local client = emu:client()
    assert.are.equal(id, assert(client.invoice.get{ idempotencyKey = key }).id)
    client:close()
  end)

  it("makes one invoice per order: order 8 is a new one, and order 8 again is that one", function()
    local before = emu:stats().invoices
    local ok7, out7 = shell.lua(env, "examples/order_invoice.lua 7")
    local ok8, out8 = shell.lua(env, "examples/order_invoice.lua 8")
    local again_ok, again = shell.lua(env, "examples/order_invoice.lua 8")
    assert.is_true(ok7 and ok8 and again_ok, out7 .. out8 .. again)
    assert.is_nil(out8:find("earlier run", 1, true))
    assert.truthy(again:find("(made by an earlier run)", 1, true), again)
    assert.are.equal(out8:match("^invoice (%S+)"), again:match("^invoice (%S+)"))
    assert.are_not.equal(out7:match("^invoice (%S+)"), out8:match("^invoice (%S+)"))
    assert.are.equal(before + 2, emu:stats().invoices)
  end)

  it("makes a second invoice when the key was random: what the key from the order prevents", function()
    local before = emu:stats().invoices
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write([[
      local calypso = require "calypso"
      local client = calypso.new{ key = os.getenv("CALYPSO_API_KEY"), secret_env = "CALYPSO_API_SECRET",
        account = os.getenv("CALYPSO_ACCOUNT"), base_url = os.getenv("CALYPSO_BASE_URL"),
        cafile = os.getenv("CALYPSO_CAFILE"), timeout = 60 }
      local invoice = assert(client.invoice.create_single{ amount = "25.00", currency = "USDT",
        description = "Order 9", externalId = "order-9" })
      print("invoice " .. invoice.id)
    ]])
    f:close()
    assert.are.equal("", killed_mid_call(shell.quote(script)))
    local ok, out = shell.lua(env, shell.quote(script))
    os.remove(script)
    assert.is_true(ok, out)
    assert.are.equal(before + 2, emu:stats().invoices)
    local sent = creates()
    local key = '"idempotencyKey":"([^"]+)"'
    assert.are_not.equal(sent[1]:match(key), sent[2]:match(key))
  end)
end)
