-- spec/unit/every_rule_spec.lua: every field of every endpoint row, held to
-- its type.  The cases are made from the rows themselves: for each field a
-- value its type must refuse, for each required field its absence, for each
-- closed body a field it lacks; each must be a validation error that names
-- the field, with nothing sent.  And the smallest valid call of each row
-- passes validation and is tried (the client points at a closed port, so
-- trying shows as a network error).  The hand-written cases in
-- merchant_validation_spec.lua and validation_spec.lua say why a rule
-- exists; this one proves no field of any row escapes its rule.
local calypso = require "calypso"
local endpoints = require "calypso.endpoints"

local UUID = "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f"

-- A value each kind of type takes, and one it must refuse.
local good, bad
good = {
  text = function() return "x" end,
  email = function() return "ada@example.com" end,
  uuid = function() return UUID end,
  code = function() return "BTC" end,
  currency = function() return "BTC" end,
  enum = function(t) return t.values[1] end,
  boolean = function() return true end,
  integer = function() return 1 end,
  decimal = function() return "1.5" end,
  datetime = function() return "2030-01-01T00:00:00Z" end,
  url = function() return "https://shop.example/x" end,
  uri = function() return "myshop://paid" end,
  id = function() return 1346 end,
  currency_ref = function() return { name = "BTC" } end,
  json = function() return 1 end,
  array = function(t) return { good[t.item.name](t.item) } end,
  object = function(t)
    local out = {}
    for _, name in ipairs(t.required) do out[name] = good[t.fields[name].name](t.fields[name]) end
    if t.one_of then out[t.one_of[1]] = good[t.fields[t.one_of[1]].name](t.fields[t.one_of[1]]) end
    return out
  end,
  string_filter = function() return { equals = "x" } end,
  enum_filter = function() return { equals = "PAID" } end,
}
bad = {
  text = "caf\233", email = "ada", uuid = "not-a-uuid", code = "B T C", currency = "B T C",
  enum = "NOT AN ENUM", boolean = "yes", integer = 1.5, decimal = "1e5", datetime = "tomorrow",
  url = "ftp://x", uri = "https://shop.example/a b", id = 1.5, currency_ref = { name = "B T C" },
  json = print, array = "not a list", object = 5, string_filter = 5, enum_filter = 5,
}

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

-- The smallest valid params of a row: its path parameters and required fields.
local function minimal(row)
  local params = row.body and good.object(row.body) or {}
  for name, t in pairs(row.params or {}) do params[name] = good[t.name](t) end
  return params
end

-- Every row, sorted, as { label, row }.
local function all_rows()
  local out = {}
  for group, rows in pairs(endpoints) do
    for name, row in pairs(rows) do out[#out + 1] = { group .. "." .. name, row } end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- { what, params, the field the error must name } for one row.
local function cases(row)
  local out, base = {}, minimal(row)
  for name, t in pairs(row.params or {}) do
    local p = copy(base)
    p[name] = bad[t.name]
    out[#out + 1] = { "path parameter " .. name .. " is not " .. t.name, p, name }
    p = copy(base)
    p[name] = nil
    out[#out + 1] = { "path parameter " .. name .. " is missing", p, name }
  end
  local body = row.body
  if not body then
    local p = copy(base)
    p.extra = "x"
    out[#out + 1] = { "it takes no params but is given one", p, "extra" }
    return out
  end
  for name, t in pairs(body.fields) do
    local p = copy(base)
    p[name] = bad[t.name]
    out[#out + 1] = { name .. " is not " .. t.name, p, name }
  end
  for _, name in ipairs(body.required) do
    if name ~= row.key then -- a missing key the client fills in
      local p = copy(base)
      p[name] = nil
      out[#out + 1] = { "required " .. name .. " is missing", p, name }
    end
  end
  if not body.open then
    local p = copy(base)
    p.notAField = "x"
    out[#out + 1] = { "a field is unknown", p, "notAField" }
  end
  return out
end

describe("every rule of every row", function()
  local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40),
                              base_url = "https://127.0.0.1:1", max_retries = 0, timeout = 2 }
  teardown(function() client:close() end)

  local rows = all_rows()
  it("covers every row", function()
    assert.is_true(#rows >= 59)
  end)

  for _, entry in ipairs(rows) do
    local label, row = entry[1], entry[2]
    local group, name = label:match("^(.-)%.(.+)$")
    for _, c in ipairs(cases(row)) do
      it("refuses " .. label .. " when " .. c[1] .. ", and tries nothing", function()
        local result, err = client[group][name](c[2])
        assert.is_nil(result)
        assert.are.equal("validation", err.kind, tostring(err))
        assert.are.equal(c[3], err.field, tostring(err))
        assert.are.equal(0, err.attempts)
      end)
    end

    it("tries " .. label .. " with its smallest valid params", function()
      local result, err = client[group][name](minimal(row))
      assert.is_nil(result)
      assert.are.equal("network", err.kind, tostring(err))
      assert.are.equal(1, err.attempts)
    end)
  end
end)
