-- sandbox_triggers_spec.lua: the sandbox's triggers (calypso.triggers,
-- sb:trigger, `calypso trigger`) make every event they name, in order,
-- with the caller's overrides to the digit, and refuse what they do not
-- take before anything is made; `calypso fixtures` runs a file of calls in
-- order with earlier answers substituted, and judges the whole file first.
local cjson = require "cjson"
local sandbox = require "calypso.sandbox"
local shell = require "support.shell"
local triggers = require "calypso.triggers"

describe("the sandbox's triggers", function()
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

  local function labels(events)
    local out = {}
    for _, e in ipairs(events) do out[#out + 1] = triggers.label(e) end
    return out
  end

  -- What each trigger leaves behind, known here apart from the trigger table.
  local final = {
    ["invoice.paid"] = "COMPLETED", ["invoice.underpaid"] = "PENDING_INTERVENTION",
    ["invoice.overpaid"] = "PENDING_INTERVENTION", ["invoice.declined"] = "DECLINED",
    ["invoice.expired"] = "ARCHIVED", ["invoice.unlimited_deposit"] = "PENDING_PAYMENT",
    ["deposit.confirmed"] = "CONFIRMED", ["deposit.declined"] = "DECLINED", ["purse.expired"] = false,
    ["payout.completed"] = "COMPLETED", ["payout.failed"] = "FAILED", ["payout.canceled"] = "CANCELED",
    ["payout.pending_confirmation"] = "PENDING_CONFIRMATION", ["mass_payout.partial"] = "PARTIAL",
  }

  it("has a known outcome for every trigger, and every trigger for each outcome", function()
    local names = {}
    for name in pairs(final) do names[#names + 1] = name end
    table.sort(names)
    assert.are.same(names, sandbox.triggers)
  end)

  for _, name in ipairs(sandbox.triggers) do
    it("makes " .. name .. ": the events it lists, in order, and the object's state", function()
      local result, events = sb:trigger(name)
      assert(result, events)
      assert.are.same(triggers.all[name].events, labels(events))
      if final[name] then
        assert.are.equal(final[name], result.state or result.transactionState, cjson.encode(result))
      end
      for _, e in ipairs(events) do assert.are.equal(e.eventType, e.data.type) end
    end)
  end

  it("delivers a trigger's events to a subscription, the same ones", function()
    assert(client.subscription.create{ url = "http://127.0.0.1:9/closed" })
    local _, events = assert(sb:trigger("invoice.expired"))
    local delivered = {}
    for _, d in ipairs(assert(sb:deliveries())) do delivered[#delivered + 1] = d.eventType end
    assert.are.same(labels(events), delivered)
  end)

  it("pays the caller's amount to the digit: half of it, or twice it", function()
    local amount = "0.123456789012345679"
    local _, under = assert(sb:trigger("invoice.underpaid", { amount = amount, currency = "ETH" }))
    assert.are.equal("INVOICE_MEMPOOL_FOUND", under[2].eventType)
    assert.are.equal("0.0617283945061728395", under[2].data.realAmount)
    assert.are.equal(amount, under[1].data.amount)
    assert.are.equal("ETH", under[1].data.currency)
    local _, over = assert(sb:trigger("invoice.overpaid", { amount = "99999999999999999.5" }))
    assert.are.equal("199999999999999999", tostring(over[2].data.realAmount)) -- an integer on 5.3+
    local _, paid = assert(sb:trigger("invoice.paid", { amount = "12.5" }))
    assert.are.equal(12.5, paid[2].data.realAmount)
  end)

  it("takes overrides for payouts and deposits", function()
    local made = assert(sb:trigger("payout.completed", { amount = "7.25", currency = "BTC" }))
    assert.are.same({ "7.25", "BTC" }, { tostring(made.amount), made.currency })
    local deposit, events = assert(sb:trigger("deposit.confirmed", { amount = "3.5", currency = "ETH" }))
    assert.are.equal("ETH", deposit.currency)
    assert.are.equal("ETH", events[1].data.currency)
  end)

  it("refuses a field it does not take, or a trigger it does not have, before making anything", function()
    local before = assert(sb:stats()).received
    local _, err = sb:trigger("deposit.confirmed", { colour = "red" })
    assert.are.equal("validation", err.kind)
    assert.truthy(err.message:find("takes currency and amount, not colour", 1, true), err.message)
    _, err = sb:trigger("invoice.payd")
    assert.truthy(err.message:find("did you mean invoice.paid?", 1, true), err.message)
    _, err = sb:trigger("invoice.paid", { amount = "ten" })
    assert.are.equal("validation", err.kind)
    assert.truthy(err.message:find("amount", 1, true), err.message)
    local stats = assert(sb:stats())
    assert.are.equal(before, stats.received) -- nothing reached the API
    assert.are.equal(0, stats.invoices)
    assert.are.same({}, (assert(sb:events())))
  end)

  -- A command with the sandbox's folder: exit status, stdout, stderr.
  local function cli(args, stdin, dir)
    local err_file = os.tmpname()
    local cmd = "cd /tmp && env -u CALYPSO_API_KEY -u CALYPSO_BASE_URL CALYPSO_SANDBOX_DIR="
      .. (dir or sb.dir) .. " "
      .. root .. "/bin/calypso " .. args .. " 2>" .. err_file .. (stdin and " <" .. stdin or "")
      .. "; echo \"exit:$?\""
    local pipe = assert(io.popen(cmd))
    local out = pipe:read("*a")
    pipe:close()
    local f = assert(io.open(err_file))
    local err = f:read("*a")
    f:close()
    os.remove(err_file)
    local status = tonumber(out:match("exit:(%d+)%s*$"))
    return status, (out:gsub("exit:%d+%s*$", "")), err
  end

  describe("calypso trigger", function()
    it("lists every trigger with the events it sends", function()
      local status, out = cli("trigger --list")
      assert.are.equal(0, status)
      for _, name in ipairs(sandbox.triggers) do
        local quoted = name:gsub("%p", "%%%0")
        assert.truthy(out:find("\n" .. quoted .. ": ") or out:find("^" .. quoted .. ": "), name)
        assert.truthy(out:find("sends " .. table.concat(triggers.all[name].events, ", "), 1, true), name)
      end
    end)

    it("makes the event with overrides read as the row reads them, and prints the events", function()
      local status, out, err = cli("trigger invoice.paid --override amount=0.123456789012345678"
        .. " --override currency=BTC --compact")
      assert.are.equal(0, status, err)
      assert.truthy(out:find('"amount":"0.123456789012345678"', 1, true), out)
      assert.truthy(out:find('"currency":"BTC"', 1, true), out)
      assert.truthy(out:find('"state":"COMPLETED"', 1, true), out)
      local printed = {}
      for label in err:gmatch("event (%S+)") do printed[#printed + 1] = label end
      assert.are.same(triggers.all["invoice.paid"].events, printed)
      status, out, err = cli("sandbox trigger payout.canceled --compact")
      assert.are.equal(0, status, err)
      assert.truthy(out:find('"state":"CANCELED"', 1, true), out)
    end)

    it("refuses a malformed override, an unknown field or trigger, with nothing made", function()
      local status, _, err = cli("trigger invoice.paid --override amount")
      assert.are.equal(2, status)
      assert.truthy(err:find("--override takes field=value, not amount", 1, true), err)
      status, _, err = cli("trigger invoice.paid --override amount=1 --override amount=2")
      assert.are.equal(2, status)
      assert.truthy(err:find("gives amount twice", 1, true), err)
      status, _, err = cli("trigger invoice.paid --override colour=red")
      assert.are.equal(2, status)
      assert.truthy(err:find("colour is not a field of invoice.create_single", 1, true), err)
      status, _, err = cli("trigger payout.complete")
      assert.are.equal(1, status)
      assert.truthy(err:find("did you mean payout.completed?", 1, true), err)
      assert.are.equal(0, assert(sb:stats()).invoices)
    end)

    it("says when the project has no sandbox", function()
      local status, _, err = cli("trigger invoice.paid", nil, "/tmp/no-sandbox-here")
      assert.are.equal(8, status)
      assert.truthy(err:find("calypso sandbox start", 1, true), err)
    end)
  end)

  describe("calypso fixtures", function()
    local function file(text)
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      f:write(text)
      f:close()
      return path
    end

    it("runs the calls in order, each using the answers before it, numbers as typed", function()
      local path = file([[{ "fixtures": [
        { "name": "customer", "call": "customer.create", "params": { "email": "ada@example.com" } },
        { "name": "invoice", "call": "invoice.create_single", "params": { "amount": 0.123456789012345678,
          "currency": "USDT_TRX", "description": "for ${customer.id}" } },
        { "sandbox": "pay_invoice",
          "params": { "id": "${invoice.id}", "amount": "${invoice.amount}" } },
        { "name": "got", "call": "invoice.get", "params": { "id": "${invoice.id}" } },
        { "name": "sub", "call": "subscription.create", "params": { "url": "http://127.0.0.1:9/x" } },
        { "name": "listed", "call": "subscription.list" },
        { "name": "again", "call": "customer.create",
          "params": { "description": "${listed.subscriptions.0.requestId}" } },
        { "name": "payout", "trigger": "payout.completed", "params": { "amount": "3" } }
      ] }]])
      local status, out, err = cli("fixtures " .. path .. " --compact")
      os.remove(path)
      assert.are.equal(0, status, err)
      local answers = cjson.decode(out)
      assert.are.equal("for " .. answers.customer.id, answers.got.description)
      assert.are.equal("COMPLETED", answers.got.state)
      assert.are.equal(answers.sub.requestId, answers.again.description) -- a list's item, from 0
      assert.are.equal("COMPLETED", answers.payout.state)
      assert.truthy(out:find('"amount":"0.123456789012345678"', 1, true), out) -- the digits typed
      assert.truthy(out:find('^{"customer":.*,"invoice":.*,"got":.*,"sub":.*,"listed":.*,"again":.*,'
        .. '"payout":'), out)
      local _, steps = err:gsub(": ok\n", "")
      assert.are.equal(8, steps, err)
    end)

    it("runs the manual's example as it is printed", function()
      local f = assert(io.open(root .. "/docs/testing.md"))
      local manual = f:read("*a")
      f:close()
      local example = manual:match("\n### Fixtures\n.-```json\n(.-)```")
      assert.truthy(example)
      local path = file(example)
      local status, out, err = cli("fixtures " .. path .. " --compact")
      os.remove(path)
      assert.are.equal(0, status, err)
      local _, steps = err:gsub(": ok\n", "")
      assert.are.equal(5, steps, err)
      local invoice = cjson.decode(out).invoice
      assert.are.equal("COMPLETED", assert(client.invoice.get{ id = invoice.id }).state)
    end)

    it("judges the whole file before sending anything", function()
      local before = assert(sb:stats()).received
      local cases = {
        { '[{"name":"a","call":"account.get"},{"call":"invoice.get","params":{"id":"${b.id}"}},'
          .. '{"name":"b","call":"account.get"}]', "step 2: ${b.id} names no step before it" },
        { '[{"call":"invoice.gte"}]', "invoice.gte, which is no endpoint (did you mean invoice.get?)" },
        { '[{"call":"account.get","trigger":"invoice.paid"}]', "step 1 has both call and trigger" },
        { '[{"sandbox":"reset"}]', "asks the sandbox for reset, which is none of" },
        { '[{"name":"x","call":"account.get"},{"name":"x","call":"account.get"}]', "is named x, as step 1" },
        { '[{"call":"account.get","param":{}}]', "step 1 has param, which no step takes" },
        { '{"steps":[]}', 'the file is {"fixtures": [steps]}' },
        { '[{"call":"account.get","params":{"a":"${}"}}]', "${} is not ${name.field...}" },
      }
      for _, case in ipairs(cases) do
        local path = file(case[1])
        local status, out, err = cli("fixtures " .. path)
        os.remove(path)
        assert.are.equal(2, status, case[1])
        assert.truthy(err:find(case[2], 1, true), err)
        assert.are.equal("", out)
      end
      assert.are.equal(before, assert(sb:stats()).received)
    end)

    it("stops at a step whose reference is missing, printing what ran before it", function()
      local path = file('[{"name":"me","call":"account.get"},'
        .. '{"call":"invoice.get","params":{"id":"${me.nothing}"}},{"call":"customer.create","params":{}}]')
      local status, out, err = cli("fixtures " .. path .. " --compact")
      os.remove(path)
      assert.are.equal(2, status)
      assert.truthy(err:find("step 2, call invoice.get: ${me.nothing}: the answer has no me.nothing;"
        .. " nothing of it was sent", 1, true), err)
      assert.truthy(cjson.decode(out).me.account, out)
      assert.are.equal(0, assert(sb:stats()).created) -- step 3 never ran
    end)

    it("stops at a refused call with the API's error and its exit status", function()
      local path = file('[{"name":"c","call":"customer.create","params":{}},'
        .. '{"call":"invoice.get","params":{"id":"no-such-invoice"}},{"call":"customer.create","params":{}}]')
      local status, out, err = cli("fixtures - --compact", path)
      os.remove(path)
      assert.are.equal(3, status, err)
      assert.truthy(err:find("step 2, call invoice.get failed: calypso api error", 1, true), err)
      assert.truthy(cjson.decode(out).c.id, out)
      assert.are.equal(1, assert(sb:stats()).created)
    end)

    it("refuses to send calls elsewhere than the sandbox its steps drive", function()
      local path = file('[{"call":"account.get"},'
        .. '{"sandbox":"credit","params":{"currency":"ETH","amount":"1"}}]')
      local pipe = assert(io.popen("cd /tmp && env CALYPSO_SANDBOX_DIR=" .. sb.dir
        .. " CALYPSO_API_KEY=k CALYPSO_API_SECRET=s CALYPSO_ACCOUNT=a CALYPSO_BASE_URL=https://localhost:9"
        .. " " .. root .. "/bin/calypso fixtures " .. path .. " 2>&1; echo \"exit:$?\""))
      local out = pipe:read("*a")
      pipe:close()
      os.remove(path)
      assert.truthy(out:find("the calls would go to https://localhost:9 and the sandbox steps to", 1, true),
        out)
      assert.truthy(out:find("exit:2", 1, true), out)
    end)
  end)
end)
