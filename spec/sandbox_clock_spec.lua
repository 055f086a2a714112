-- sandbox_clock_spec.lua: the sandbox's clock moves on without real
-- waiting (the emulator's advance control, sb:advance, `calypso sandbox
-- clock advance`): an invoice expires at its expiration, a payout with an
-- executionDate runs once that time comes, and a webhook retry falls due at
-- its documented interval, the whole schedule too.  Requests' timestamps are
-- still judged by real time.
local emulator = require "support.emulator"
local shell = require "support.shell"

describe("the sandbox's clock", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client()
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  before_each(function() emu:reset() end)

  local function in_hours(h) return os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + h * 3600) end

  it("expires an invoice when it passes the invoice's expiration, and says so", function()
    assert(client.subscription.create{ url = "http://127.0.0.1:9/closed" })
    local invoice = assert(client.invoice.create_single{ amount = "1", currency = "ETH", description = "x",
      expiration = in_hours(1) })
    local moved = emu:control("advance", { seconds = "30m" })
    assert.are.equal(0, moved.invoices_expired)
    assert.are.equal("PENDING_PAYMENT", client.invoice.get{ id = invoice.id }.state)
    moved = emu:control("advance", { seconds = "1h" })
    assert.are.equal(1, moved.invoices_expired)
    assert.are.equal("ARCHIVED", client.invoice.get{ id = invoice.id }.state) -- requests still go through
    local types = {}
    for _, d in ipairs(emu:control("deliveries", {}).deliveries) do types[#types + 1] = d.eventType end
    assert.are.same({ "INVOICE_CREATE_INVOICE", "INVOICE_EXPIRED" }, types)
  end)

  it("runs a payout at its executionDate, not before", function()
    emu:control("credit", { currency = "ETH", amount = "5" })
    local payout = assert(client.payout.create{ depositAddress = "0x1", amount = "1", currency = "ETH",
      executionDate = in_hours(2) })
    assert.are.equal(0, emu:control("advance", { seconds = 3600 }).payouts_run)
    assert.are.equal("CONFIRMED", client.payout.get{ id = payout.id }.state)
    assert.are.equal(1, emu:control("advance", { seconds = 3600 + 60 }).payouts_run)
    assert.are.equal("COMPLETED", client.payout.get{ id = payout.id }.state)
  end)

  it("makes a webhook retry when its interval has passed, and the whole schedule in one move", function()
    assert(client.subscription.create{ url = "http://127.0.0.1:9/closed" })
    emu:control("emit", { service = "INVOICE", eventType = "INVOICE_EXPIRED", data = { message = "x" } })
    local function attempts()
      local list = emu:control("deliveries", {}).deliveries
      for _ = 1, 100 do -- the first attempt runs in a timer right after the emit
        if #list[1].attempts > 0 then break end
        require("calypso.core").sleep(0.02)
        list = emu:control("deliveries", {}).deliveries
      end
      return #list[1].attempts, list[1].state
    end
    assert.are.equal(1, (attempts()))
    assert.are.equal(0, emu:control("advance", { seconds = 29 }).delivery_attempts)
    assert.are.equal(1, (attempts()))
    assert.are.equal(1, emu:control("advance", { seconds = 2 }).delivery_attempts) -- the first retry: 30 s
    assert.are.equal(2, (attempts()))
    emu:control("advance", { seconds = "10d" }) -- far past the last of the 19 retries
    local n, state = attempts()
    assert.are.equal(20, n)
    assert.are.equal("failed", state)
  end)

  it("moves from the shell: calypso sandbox clock advance 2h", function()
    local home = os.tmpname()
    os.remove(home)
    local root = select(2, shell.run("pwd")):gsub("%s+$", "")
    local cli = "cd /tmp && env CALYPSO_SANDBOX_DIR=" .. home .. " " .. root .. "/bin/calypso "
    assert(shell.run(cli .. "sandbox start"))
    local ok, out = shell.run(cli .. "sandbox clock advance 2h")
    assert(shell.run(cli .. "sandbox stop"))
    assert(ok, out)
    assert.truthy(out:find('"advanced_s":7200', 1, true), out)
  end)
end)
