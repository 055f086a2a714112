-- spec/unit/rows_spec.lua: the endpoint rows (lua/calypso/endpoints.lua) are
-- well formed, a malformed row fails when the rows load, and the binder
-- makes every row a function on a client and on client.async.  No server:
-- nothing here is sent.
local calypso = require "calypso"
local endpoints = require "calypso.endpoints"
local rows = require "calypso.rows"
local T = require "calypso.types"

local function each_row(f)
  for group, group_rows in pairs(endpoints) do
    for name, row in pairs(group_rows) do f(group .. "." .. name, row, group, name) end
  end
end

local BODY = T.object{ a = T.text }
local NONE = {}

-- A good row, changed: NONE removes a key.
local function good_row(changes)
  local r = { path = "/api/v1/x", idempotent = true, source = "REF", body = BODY }
  for k, v in pairs(changes) do
    if v == NONE then r[k] = nil else r[k] = v end
  end
  return r
end

-- { what, row }: each must fail rows.check_all at once.
local malformed = {
  { "an unknown key", good_row{ bogus = 1 } },
  { "no path", good_row{ path = NONE } },
  { "a path outside /api/v1", good_row{ path = "/x" } },
  { "no idempotency said", good_row{ idempotent = NONE } },
  { "no evidence", good_row{ source = NONE } },
  { "a body that is not a type", good_row{ body = {} } },
  { "a payload envelope without a body", good_row{ body = NONE } },
  { "a body on an envelope without payload", good_row{ envelope = "account" } },
  { "an unknown envelope", good_row{ envelope = "big" } },
  { "an unknown method", good_row{ method = "PUT" } },
  { "a path parameter without a type", good_row{ path = "/api/v1/{type}/x" } },
  { "a key that is not a body field", good_row{ key = "k" } },
  { "a fetch without a key", good_row{ fetch = "g.x" } },
  { "a fetch of a row that is not there",
    good_row{ body = T.object{ k = T.uuid }, key = "k", fetch = "g.nothing" } },
}

describe("the endpoint rows", function()
  each_row(function(label, row)
    it(label .. " has its route, evidence and types", function()
      assert.are.equal("userdata", type(row.route))
      assert.truthy(row.path:find("^/api/v1/"), row.path)
      assert.is_string(row.source)
      if row.body then assert.is_true(T.is(row.body)) end
    end)
  end)

  for _, c in ipairs(malformed) do
    it("fail to load with " .. c[1], function()
      assert.has_error(function() rows.check_all{ g = { x = c[2] } } end)
    end)
  end

  it("fail to load with a typo in a type's name", function()
    assert.has_error(function() return T.uuuid end)
  end)

  it("are bound on a client and on client.async", function()
    local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40) }
    each_row(function(label, row, group, name)
      assert.is_function(client[group][name], label)
      assert.is_function(client.async[group][name], label)
      if row.paged then assert.is_function(client[group][row.each or "each"], label) end
    end)
    client:close()
  end)

  -- A field the row does not know (an open body passes unknown fields
  -- through, but not a function, which JSON cannot carry).
  it("refuse a bad field with no attempt, on a client that reaches nothing", function()
    local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40),
                                base_url = "https://127.0.0.1:1" }
    each_row(function(label, _, group, name)
      local result, err = client[group][name]{ [label] = print }
      assert.is_nil(result)
      assert.are.equal("validation", err.kind, label)
      assert.are.equal(0, err.attempts)
    end)
    client:close()
  end)
end)
