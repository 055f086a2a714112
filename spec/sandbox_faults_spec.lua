-- sandbox_faults_spec.lua: the faults a receiver and the code around a
-- client must survive, on demand (sb:webhook_faults, sb:fault, and their
-- `calypso sandbox` commands): deliveries duplicated, out of order or
-- late; an answer dropped after the server acted (maybe_applied); a 429
-- with Retry-After.  The receiver is `calypso webhook listen`.
local calypso = require "calypso"
local sandbox = require "calypso.sandbox"
local shell = require "support.shell"
local socket = require "socket"

describe("the sandbox's faults", function()
  local root = select(2, shell.run("pwd")):gsub("%s+$", "")
  local sb, client

  setup(function()
    sb = sandbox.start()
    client = sb:client()
  end)

  teardown(function()
    client:close()
    sb:stop()
  end)

  before_each(function() assert(sb:control("reset", {})) end)

  -- A listener for count deliveries and a subscription to it; returns a
  -- function that waits for it and gives the event types it printed, in
  -- order of arrival (and the whole output).
  local function listen(count)
    local probe = assert(socket.bind("127.0.0.1", 0))
    local port = select(2, probe:getsockname())
    probe:close()
    local sub = assert(client.subscription.create{ url = "http://127.0.0.1:" .. port .. "/hook" })
    local listener = assert(io.popen("cd /tmp && env WHSEC=" .. sub.secretKey .. " " .. root
      .. "/bin/calypso webhook listen --port " .. port .. " --secret-env WHSEC --count " .. count
      .. " --wait 20 2>&1"))
    assert.truthy(listener:read("*l"):find("listening on", 1, true))
    return function()
      local printed = listener:read("*a")
      listener:close()
      local seen = {}
      for line in printed:gmatch("[^\n]+") do
        local event_type = line:match("^verified (%u[%u_]+)")
        if event_type then seen[#seen + 1] = "verified " .. event_type end
        if line:find("^replayed: ") then seen[#seen + 1] = "replayed" end
      end
      return seen, printed
    end
  end

  it("sends each delivery twice with duplicate = 1: the receiver sees the replay", function()
    local done = listen(2)
    assert(sb:webhook_faults{ duplicate = 1 })
    assert(sb:emit("INVOICE", "INVOICE_EXPIRED", { message = "x" }))
    local seen, printed = done()
    assert.are.same({ "verified INVOICE_EXPIRED", "replayed" }, seen, printed)
  end)

  it("lets later deliveries overtake earlier ones with out_of_order", function()
    local invoice = assert(client.invoice.create_single{ amount = "10", currency = "ETH", description = "x" })
    local done = listen(5)
    assert(sb:webhook_faults{ out_of_order = true })
    assert(sb:pay_invoice(invoice.id, "10")) -- five events in one move
    local seen, printed = done()
    assert.are.same({ "verified INVOICE_MEMPOOL_FOUND", "verified INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED",
      "verified INVOICE_PAID", "verified INVOICE_FUNDS_RECEIVED_FOR_INVOICE",
      "verified INVOICE_PENDING_COMPLIANCE" }, seen, printed)
  end)

  it("sends a delivery late, when the sandbox's clock reaches it", function()
    assert(client.subscription.create{ url = "http://127.0.0.1:9/closed" })
    assert(sb:webhook_faults{ late = 60 })
    assert(sb:emit("INVOICE", "INVOICE_EXPIRED", { message = "x" }))
    local first = assert(sb:deliveries())[1]
    assert.are.equal(0, #first.attempts)
    assert(sb:advance(61))
    assert.are.equal(1, #assert(sb:deliveries())[1].attempts)
  end)

  it("drops an answer after the server acted: the keyed create reads its object back", function()
    assert(sb:fault{ mode = "drop_reply" })
    local invoice = assert(client.invoice.create_single{ amount = "2", currency = "ETH", description = "x" })
    assert.is_true(calypso.meta(invoice).read_back)
    assert(sb:fault{ mode = "drop_reply" })
    local _, err = client.customer.create{} -- no key: never sent twice
    assert.is_true(err.maybe_applied)
  end)

  it("answers 429 with Retry-After, which the client waits out", function()
    local waits = {}
    local patient = sb:client{ max_retries = 1,
                               on_retry = function(info) waits[#waits + 1] = info.wait_ms end }
    local customer = assert(patient.customer.create{})
    assert(sb:fault{ mode = "status", status = 429, retry_after = 1 })
    assert(patient.customer.update{ id = customer.id, description = "after 429" })
    assert.are.same({ 1000 }, waits)
    patient:close()
  end)

  it("arms them from the shell", function()
    local cli = "cd /tmp && env CALYPSO_SANDBOX_DIR=" .. sb.dir .. " " .. root .. "/bin/calypso sandbox "
    local ok, out = shell.run(cli .. "fault status --status 429 --retry-after 2 --count 2")
    assert(ok, out)
    local _, err = client.customer.create{}
    assert.are.equal(429, err.status)
    assert.are.equal(2, err.retry_after)
    ok, out = shell.run(cli .. "webhook-faults --duplicate 2 --out-of-order --late 5")
    assert(ok, out)
    assert.truthy(out:find('"duplicate":2', 1, true), out)
    assert(shell.run(cli .. "webhook-faults"))
  end)
end)
