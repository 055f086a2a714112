-- customer_spec.lua: create and update round trips through the emulator,
-- on a client and through the module-level default client.
local emulator = require "support.emulator"
local shell = require "support.shell"

local function is_uuid(s)
  return type(s) == "string" and s:match("^%x+%-%x+%-%x+%-%x+%-%x+$") ~= nil and #s == 36
end

describe("client.customer", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client()
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  it("create returns the new customer with every field the server sent", function()
    local customer, err = client.customer.create{
      email = "ada@example.com", description = "VIP", externalId = "crm-1",
    }
    assert.is_nil(err)
    assert.is_true(is_uuid(customer.id))
    assert.are.equal("ada@example.com", customer.email)
    assert.are.equal("VIP", customer.description)
    assert.are.equal("crm-1", customer.externalId)
    assert.is_false(customer.blocked)
    assert.is_string(customer.createdDate) -- a field the client does not know is kept
  end)

  it("create gives each customer a new id", function()
    local a = assert(client.customer.create{ email = "a@example.com" })
    local b = assert(client.customer.create{ email = "b@example.com" })
    assert.are_not.equal(a.id, b.id)
  end)

  it("update changes the given fields and keeps the others", function()
    local created = assert(client.customer.create{ email = "ada@example.com", description = "VIP" })
    local updated, err = client.customer.update{ id = created.id, description = "changed" }
    assert.is_nil(err)
    assert.are.equal(created.id, updated.id)
    assert.are.equal("changed", updated.description)
    assert.are.equal("ada@example.com", updated.email)
    local again = assert(client.customer.update{ id = created.id, email = "lovelace@example.com" })
    assert.are.equal("changed", again.description)
    assert.are.equal("lovelace@example.com", again.email)
  end)

  it("keeps one connection open across calls", function()
    assert(client.customer.create{})
    local first = emu:stats().last.connection
    assert(client.customer.create{})
    assert(client.customer.create{})
    assert.are.equal(first, emu:stats().last.connection)
  end)

  it("works from the module-level default client configured by the environment", function()
    local before = emu:stats().created
    local ok, out = shell.lua({
      CALYPSO_API_KEY = emulator.key,
      CALYPSO_API_SECRET = emulator.secret,
      CALYPSO_ACCOUNT = emulator.account,
      CALYPSO_BASE_URL = emu.base_url,
      CALYPSO_CAFILE = emu.cafile,
    }, "examples/customers.lua")
    assert.is_true(ok, out)
    local id = out:match("created:\n.-  id%s+(%S+)")
    assert.is_true(is_uuid(id), out)
    assert.truthy(out:find("updated:.-description%s+VIP since %d%d%d%d%-%d%d%-%d%d"), out)
    assert.are.equal(before + 1, emu:stats().created)
    assert.is_nil(out:find(emulator.secret, 1, true))
  end)

  it("the default client names every missing environment variable", function()
    local ok, out = shell.lua({ CALYPSO_API_KEY = emulator.key },
      "-e 'require(\"calypso\").customer.create{}'")
    assert.is_false(ok)
    assert.truthy(out:find("CALYPSO_ACCOUNT, CALYPSO_API_SECRET", 1, true), out)
  end)
end)
