-- spec/unit/rows_spec.lua: the endpoint rows (lua/calypso/endpoints.lua) are
-- well formed, and the binder makes every one of them a function on a
-- client and on client.async.  No server: nothing here is sent.
local calypso = require "calypso"
local endpoints = require "calypso.endpoints"
local rules = require "calypso.rules"

local ROW_KEYS = { path = "string", inferred = "boolean", fields = "table", required = "table",
                   one_of = "table", idempotent = "boolean", paged = "boolean" }

local function each_row(f)
  for group, rows in pairs(endpoints) do
    for name, row in pairs(rows) do f(group .. "." .. name, row, group, name) end
  end
end

describe("the endpoint rows", function()
  each_row(function(label, row)
    it(label .. " is a row the binder can use", function()
      for key, value in pairs(row) do
        assert.are.equal(ROW_KEYS[key], type(value), label .. "." .. tostring(key))
      end
      assert.truthy(row.path:find("^/api/v1/[%w/%-]+$"), row.path)
      assert.is_boolean(row.idempotent)
      for field, rule in pairs(row.fields) do
        assert.is_function(rules[rule], label .. "." .. field .. " names no rule " .. tostring(rule))
      end
      for _, list in ipairs{ row.required or {}, row.one_of or {} } do
        for _, field in ipairs(list) do assert.is_string(row.fields[field], label .. ": " .. field) end
      end
    end)
  end)

  it("are bound on a client and on client.async", function()
    local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40) }
    each_row(function(label, row, group, name)
      assert.is_function(client[group][name], label)
      assert.is_function(client.async[group][name], label)
      if row.paged then assert.is_function(client[group].each, label) end
    end)
    client:close()
  end)

  it("refuse an unknown field with no attempt, on a client that reaches nothing", function()
    local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40),
                                base_url = "https://127.0.0.1:1" }
    each_row(function(label, _, group, name)
      local result, err = client[group][name]{ [label] = true }
      assert.is_nil(result)
      assert.are.equal("validation", err.kind, label)
      assert.are.equal(0, err.attempts)
    end)
    client:close()
  end)
end)
