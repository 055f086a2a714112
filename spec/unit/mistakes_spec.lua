-- spec/unit/mistakes_spec.lua: the usual mistakes get words that say what
-- to write instead, at the caller's line, and nothing is sent: a call a
-- group lacks names the calls it has; a group the client lacks, the
-- groups; a mistyped field, the field meant.
local calypso = require "calypso"

describe("a mistake in a call", function()
  local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40),
                              base_url = "https://127.0.0.1:1", max_retries = 0 }

  it("names the calls a group has when it lacks the one called (client.invoice.create)", function()
    local ok, err = pcall(function() return client.invoice.create{ amount = "1" } end)
    assert.is_false(ok)
    assert.truthy(err:find("client.invoice has no create; its calls: create_bound, create_single,", 1, true),
      err)
    assert.truthy(err:find("mistakes_spec.lua:%d+:"), err) -- the caller's line, not calypso's
  end)

  it("says so for client.async and the module-level groups too", function()
    local ok, err = pcall(function() return client.async.invoice.create{} end)
    assert.is_false(ok)
    assert.truthy(err:find("client.async.invoice has no create", 1, true), err)
    ok, err = pcall(function() return calypso.invoice.create{} end)
    assert.is_false(ok)
    assert.truthy(err:find("calypso.invoice has no create", 1, true), err)
  end)

  it("names the group meant when the client lacks the one used (client.invoices)", function()
    local ok, err = pcall(function() return client.invoices.get{ id = "1" } end)
    assert.is_false(ok)
    assert.truthy(err:find("the client has no invoices (did you mean invoice?); its groups:", 1, true), err)
  end)

  -- { field written, the field meant }
  for _, c in ipairs{ { "external_id", "externalId" }, { "descripton", "description" },
                      { "Amount", "amount" }, { "idempotency_key", "idempotencyKey" } } do
    it("suggests " .. c[2] .. " for a field written " .. c[1], function()
      local params = { amount = "1", currency = "ETH", description = "x" }
      params[c[1]] = "v"
      local result, err = client.invoice.create_single(params)
      assert.is_nil(result)
      assert.are.equal("validation", err.kind)
      assert.are.equal(c[1], err.field)
      assert.truthy(err.message:find("(did you mean " .. c[2] .. "?)", 1, true), err.message)
      assert.are.equal(0, err.attempts)
    end)
  end

  it("suggests nothing for a field like none", function()
    local _, err = client.customer.create{ zzzzzz = 1 }
    assert.is_nil(err.message:find("did you mean", 1, true))
  end)
end)
