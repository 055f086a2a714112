-- validation_spec.lua: every rule, one row per bad input.  Each row must give
-- kind "validation" naming the field, and the emulator must receive nothing.
local emulator = require "support.emulator"

local ID = "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f"
local long = string.rep("x", 1025)

-- { endpoint, what, params, field (nil when the error names no field) }
local bad = {
  { "create", "params are nil", nil },
  { "create", "params are a string", "ada@example.com" },
  { "create", "params are a number", 42 },
  { "create", "a field is unknown", { email = "ada@example.com", name = "Ada" }, "name" },
  { "create", "id is given to create", { id = ID }, "id" },
  { "create", "a key is not a string", { [1] = "x" } },
  { "create", "email is a number", { email = 42 }, "email" },
  { "create", "email is a table", { email = { "a@b.co" } }, "email" },
  { "create", "description is a boolean", { description = true }, "description" },
  { "create", "externalId is a number", { externalId = 7 }, "externalId" },
  { "create", "email has no @", { email = "ada.example.com" }, "email" },
  { "create", "email has two @", { email = "ada@@example.com" }, "email" },
  { "create", "email has a space", { email = "ada lovelace@example.com" }, "email" },
  { "create", "email is empty", { email = "" }, "email" },
  { "create", "description is 1025 bytes", { description = long }, "description" },
  { "create", "externalId is 1025 bytes", { externalId = long }, "externalId" },
  { "create", "a byte is not UTF-8", { description = "caf\255" }, "description" },
  { "create", "UTF-8 is overlong", { description = "\192\175" }, "description" },
  { "create", "UTF-8 encodes a surrogate", { description = "\237\160\128" }, "description" },
  { "create", "UTF-8 is past U+10FFFF", { description = "\244\144\128\128" }, "description" },
  { "create", "UTF-8 is cut short", { description = "\226\130" }, "description" },
  { "create", "a NUL byte", { description = "a\0b" }, "description" },
  { "create", "a newline", { description = "a\nb" }, "description" },
  { "create", "a tab", { externalId = "a\tb" }, "externalId" },
  { "create", "a DEL", { description = "a\127" }, "description" },
  { "create", "a C1 control (U+0085)", { description = "a\194\133" }, "description" },
  { "create", "an escape in the email", { email = "a\27@example.com" }, "email" },
  { "update", "params are nil", nil },
  { "update", "id is missing", { description = "x" }, "id" },
  { "update", "id is not a UUID", { id = "42", description = "x" }, "id" },
  { "update", "id is a UUID without dashes", { id = ID:gsub("-", ""), description = "x" }, "id" },
  { "update", "id is a number", { id = 42, description = "x" }, "id" },
  { "update", "only id is given", { id = ID } },
  { "update", "a field is unknown", { id = ID, blocked = true }, "blocked" },
  { "update", "email is not an address", { id = ID, email = "nope" }, "email" },
}

-- The other endpoints' fields: { "group.name", what, params, field }.
local bad_more = {
  { "customer.block", "customerId is missing", {}, "customerId" },
  { "customer.block", "customerId is not a UUID", { customerId = "42" }, "customerId" },
  { "customer.unblock", "a field is unknown", { customerId = ID, id = ID }, "id" },
  { "purse.get", "currency is missing", { customerId = ID }, "currency" },
  { "purse.get", "currency is not a code", { customerId = ID, currency = "US$" }, "currency" },
  { "purse.get", "currency is 65 characters", { customerId = ID, currency = string.rep("A", 65) },
    "currency" },
  { "purse.get", "currency is a number", { customerId = ID, currency = 1 }, "currency" },
  { "purse.get_all", "customerId is missing", {}, "customerId" },
  { "transaction.get", "transactionId is not a UUID", { transactionId = "tx-1" }, "transactionId" },
  { "transaction.find", "pageNumber is negative", { pageNumber = -1 }, "pageNumber" },
  { "transaction.find", "pageNumber is fractional", { pageNumber = 1.5 }, "pageNumber" },
  { "transaction.find", "pageNumber is a string", { pageNumber = "1" }, "pageNumber" },
  { "transaction.find", "pageSize is zero", { pageSize = 0 }, "pageSize" },
  { "transaction.find", "sort holds a space", { sort = "A SC" }, "sort" },
  { "transaction.find", "properties holds a newline", { properties = "a\nb" }, "properties" },
  { "transaction.find", "currencyFilter is a string", { currencyFilter = "ETH" }, "currencyFilter" },
  { "transaction.find", "currencyFilter has an unknown member", { currencyFilter = { like = "E" } },
    "currencyFilter" },
  { "transaction.find", "currencyFilter.in is not a list", { currencyFilter = { ["in"] = { a = "ETH" } } },
    "currencyFilter" },
  { "transaction.find", "currencyFilter.in holds a number", { currencyFilter = { ["in"] = { "ETH", 2 } } },
    "currencyFilter" },
  { "transaction.find", "currencyFilter.specified is a string",
    { currencyFilter = { specified = "yes" } }, "currencyFilter" },
  { "transaction.find", "transactionStateFilter.equals is not a code",
    { transactionStateFilter = { equals = "bad state!" } }, "transactionStateFilter" },
  { "transaction.find", "transactionStateFilter has contains, which only string filters have",
    { transactionStateFilter = { contains = "CONF" } }, "transactionStateFilter" },
}

-- Inputs at the edges that must pass validation (and so reach the server).
local good = {
  { "create", "no fields at all", {} },
  { "create", "a description of exactly 1024 bytes", { description = string.rep("y", 1024) } },
  { "create", "multibyte UTF-8 up to 4 bytes",
    { description = "caf\195\169 \226\130\172 \240\159\152\128" } },
  { "create", "an email with plus and subdomains", { email = "ada+vip@mail.example.co.uk" } },
  { "create", "an internationalised domain", { email = "ada@b\195\188cher.de" } },
  -- The schema says only "string": the check is light (one @, no spaces).
  { "create", "an email at a bare host", { email = "ada@localhost" } },
  { "create", "an email at an IP address", { email = "ada@127.0.0.1" } },
  { "create", "an empty description", { description = "" } },
}

describe("endpoint validation", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client()
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  for _, row in ipairs(bad) do
    local name, what, params, field = row[1], row[2], row[3], row[4]
    it("returns a validation error and sends nothing when " .. what .. " (" .. name .. ")", function()
      local before = emu:stats().received
      local result, err = client.customer[name](params)
      assert.is_nil(result)
      assert.are.equal("validation", err.kind)
      assert.are.equal(field, err.field)
      assert.truthy(tostring(err):find("customer." .. name, 1, true))
      assert.are.equal(before, emu:stats().received)
    end)
  end

  for _, row in ipairs(bad_more) do
    local label, what, params, field = row[1], row[2], row[3], row[4]
    it("returns a validation error and sends nothing when " .. what .. " (" .. label .. ")", function()
      local group, name = label:match("^(%w+)%.([%w_]+)$")
      local before = emu:stats().received
      local result, err = client[group][name](params)
      assert.is_nil(result)
      assert.are.equal("validation", err.kind)
      assert.are.equal(field, err.field)
      assert.truthy(tostring(err):find(label, 1, true))
      assert.are.equal(before, emu:stats().received)
    end)
  end

  it("names the member inside a filter", function()
    local _, err = client.transaction.find{ currencyFilter = { ["in"] = { "ETH", 2 } } }
    assert.truthy(err.message:find("currencyFilter.in[2] must be", 1, true), err.message)
  end)

  for _, row in ipairs(good) do
    local name, what, params = row[1], row[2], row[3]
    it("accepts " .. what .. " (" .. name .. ")", function()
      local before = emu:stats().received
      local result, err = client.customer[name](params)
      assert.is_nil(err)
      assert.is_string(result.id)
      assert.are.equal(before + 1, emu:stats().received)
    end)
  end

  it("lets an upper-case UUID through to the server in update", function()
    local created = assert(client.customer.create{ description = "a" })
    local before = emu:stats().received
    local _, err = client.customer.update{ id = created.id:upper(), description = "b" }
    assert.is_true(err == nil or err.kind ~= "validation")
    assert.are.equal(before + 1, emu:stats().received)
  end)

  it("sends only the checked fields, read without metamethods", function()
    local params = setmetatable({ description = "plain" }, {
      __index = function() return "from __index" end,
    })
    assert.is_table(client.customer.create(params))
    local body = emu:stats().last.body
    assert.truthy(body:find('"payload":{"description":"plain"}', 1, true))
  end)

  it("does not change the caller's table", function()
    local params = { email = "ada@example.com" }
    assert.is_table(client.customer.create(params))
    assert.are.same({ email = "ada@example.com" }, params)
  end)
end)
