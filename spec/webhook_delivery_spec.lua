-- webhook_delivery_spec.lua: the sandbox's webhook deliveries, proved end to
-- end from outside this repository (spec/support/webhook_flow.lua, run from
-- /tmp): each flow's events reach a receiver of the test's own, signed with
-- the subscription's secretKey and verified by calypso.webhook.verify, in
-- order; the first delivery, answered 500, is retried and then succeeds; a
-- replayed delivery verifies but is refused as handled before.
local cjson = require "cjson"
local shell = require "support.shell"

describe("webhook deliveries from the sandbox", function()
  local root = select(2, shell.run("pwd")):gsub("%s+$", "")

  local function flow(name)
    local paths = ("LUA_PATH=%q LUA_CPATH=%q"):format(root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;;",
      root .. "/build/?.so;;")
    local ok, out = shell.run("cd /tmp && env " .. paths .. " lua5.4 " .. root
      .. "/spec/support/webhook_flow.lua " .. name)
    assert(ok, out)
    return cjson.decode(out)
  end

  it("delivers the purse flow's CUSTOMER_PURSE_* events in order, retrying the one that failed", function()
    local seen = flow("purse")
    assert.are.same({ "CUSTOMER_PURSE_MEM_POOL_FOUND", "CUSTOMER_PURSE_PENDING_COMPLIANCE",
      "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE", "CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED" },
      seen.events)
    assert.are.same({ 500, 200, 200, 200, 200, 409 }, seen.statuses) -- the last: the replay, refused
    local first = seen.deliveries[1]
    assert.are.equal(2, #first.attempts)
    assert.are.same({ 500, 200 }, { first.attempts[1].status, first.attempts[2].status })
    assert.are.equal("delivered", first.state)
    assert.are.equal(1, seen.deliveries[#seen.deliveries].replay_of)
    for _, d in ipairs(seen.deliveries) do assert.is_nil(d.sign) end
  end)

  it("delivers an invoice paid in part: created, mempool, compliance, funds, then the intervention",
    function()
    local seen = flow("invoice")
    assert.are.same({ "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "INVOICE_PENDING_INTERVENTION" }, seen.events)
    assert.are.same({ 500, 200, 200, 200, 200, 200, 409 }, seen.statuses)
    local body = cjson.decode(seen.deliveries[5].body)
    assert.are.equal("WARNING", body.level)
    assert.are.equal("INVOICE", body.service)
    assert.truthy(body.data.message:find("UNDERPAY", 1, true), body.data.message)
  end)

  describe("to a receiver that never answers", function()
    local sandbox = require "calypso.sandbox"
    local core = require "calypso.core"
    local sb, client

    setup(function()
      sb = sandbox.start()
      client = sb:client()
      assert(sb:time_scale(1e-6)) -- the whole schedule (about four days) in well under a second
    end)

    teardown(function()
      client:close()
      sb:stop()
    end)

    -- Polls sb:deliveries() until done(list) is true; at most 20 s.
    local function until_done(done)
      local list
      for _ = 1, 400 do
        list = assert(sb:deliveries())
        if done(list) then return list end
        core.sleep(0.05)
      end
      error("the deliveries did not settle: " .. require("cjson").encode(list))
    end

    it("retries on the documented schedule, 19 times, then gives up", function()
      local sub = assert(client.subscription.create{ url = "http://127.0.0.1:1/refused" })
      assert(sb:emit("INVOICE", "INVOICE_EXPIRED", { message = "test" }))
      local list = until_done(function(l) return l[1] and l[1].state == "failed" end)
      assert.are.equal(20, #list[1].attempts) -- the first try and 19 retries
      assert.truthy(list[1].attempts[1].error:find("connect", 1, true), list[1].attempts[1].error)
      assert(client.subscription.delete{ requestId = sub.requestId })
    end)

    it("blocks the subscription after more than 100 errors within 10 minutes", function()
      local sub = assert(client.subscription.create{ url = "http://127.0.0.1:1/refused-again" })
      local before = #assert(sb:deliveries())
      for i = 1, 7 do assert(sb:emit("INVOICE", "INVOICE_EXPIRED", { message = "test " .. i })) end
      local list = until_done(function(l)
        local last = l[before + 7]
        return last and (last.state == "blocked" or last.state == "failed")
      end)
      local states = {}
      for i = before + 1, before + 7 do states[list[i].state] = (states[list[i].state] or 0) + 1 end
      assert.are.equal(5, states.failed) -- 5 x 20 = 100 errors: not yet more than 100
      assert.are.equal(2, states.blocked) -- the 101st error blocks; the rest are not sent
      local listed
      for _, s in ipairs(assert(client.subscription.list()).subscriptions) do
        if s.requestId == sub.requestId then listed = s end
      end
      assert.are.equal(101, listed.blockedByErrorCount)
    end)
  end)
end)

