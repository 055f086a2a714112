-- spec/unit/uuid_spec.lua: calypso.uuid5 (RFC 9562 name-based, SHA-1) and
-- calypso.uuid4.  uuid5 is held to the RFC's own example and to an
-- implementation nobody here wrote (Python's uuid module) on names with
-- every kind of byte; uuid4 to its version and variant bits.
local calypso = require "calypso"
local shell = require "support.shell"

-- Python's uuid.uuid5(namespace, name) for each name, the name passed as hex
-- so that any byte goes through the shell unharmed.
local function python_uuid5(namespace, names)
  local hexed = {}
  for i, name in ipairs(names) do
    hexed[i] = (name:gsub(".", function(c) return string.format("%02x", c:byte()) end))
  end
  local ok, out = shell.run("python3 -c " .. shell.quote(
    "import sys, uuid\n"
    .. "ns = uuid.UUID(sys.argv[1])\n"
    .. "for h in sys.argv[2:]:\n"
    .. "    n = bytes.fromhex(h[1:])\n"
    .. "    print(uuid.UUID(bytes=__import__('hashlib').sha1(ns.bytes + n).digest()[:16], version=5))\n")
    .. " " .. namespace .. " x" .. table.concat(hexed, " x"))
  assert(ok, out)
  local answers = {}
  for line in out:gmatch("[^\n]+") do answers[#answers + 1] = line end
  return answers
end

describe("calypso.uuid5()", function()
  local DNS = calypso.uuid_namespaces.DNS

  it("gives the RFC 9562 example: DNS namespace and www.example.com", function()
    assert.are.equal("6ba7b810-9dad-11d1-80b4-00c04fd430c8", DNS)
    assert.are.equal("2ed6657d-e927-568b-95e1-2665a8aea6a2", calypso.uuid5(DNS, "www.example.com"))
  end)

  it("agrees with Python's uuid module on every kind of name and namespace", function()
    local names = { "", "order:7", "order:7 ", "Order:7", ("x"):rep(1000), "\0", "caf\195\169", "\255\254\n" }
    for _, namespace in ipairs{ DNS, calypso.uuid_namespaces.URL, calypso.uuid_namespaces.OID,
                                calypso.uuid_namespaces.X500, calypso.uuid4() } do
      local expected = python_uuid5(namespace, names)
      assert.are.equal(#names, #expected)
      for i, name in ipairs(names) do
        assert.are.equal(expected[i], calypso.uuid5(namespace, name), ("name %q"):format(name))
      end
    end
  end)

  it("reads the namespace in either case and gives the same key in every process", function()
    local key = calypso.uuid5(DNS, "order:7")
    assert.are.equal(key, calypso.uuid5(DNS:upper(), "order:7"))
    local ok, out = shell.lua({}, "-e " .. shell.quote(
      "io.write(require('calypso').uuid5('" .. DNS .. "', 'order:7'))"))
    assert(ok, out)
    assert.are.equal(key, out)
    assert.are_not.equal(key, calypso.uuid5(DNS, "order:8"))
    assert.are_not.equal(key, calypso.uuid5(calypso.uuid_namespaces.URL, "order:7"))
  end)

  it("is a lowercase version-5 UUID with the RFC variant, which an idempotencyKey field takes", function()
    local key = calypso.uuid5(calypso.uuid4(), "order:7")
    assert.is_truthy(key:find("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-5%x%x%x%-[89ab]%x%x%x%-%x+$"))
    assert.are.equal(36, #key)
    assert.are.equal(key:lower(), key)
    local value, problem = require("calypso.types").uuid(key)
    assert.are.equal(key, value, problem)
  end)

  for _, c in ipairs{
    { "a namespace that is not a string", 42, "order:7", "namespace must be a UUID" },
    { "one digit short", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "order:7", "namespace must be a UUID" },
    { "a namespace with a brace", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "x", "namespace must be a UUID" },
    { "a name that is a number", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", 7, "name must be a string" },
    { "no name at all", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", nil, "name must be a string" },
  } do
    it("raises at the caller's line on " .. c[1], function()
      local line = debug.getinfo(1, "l").currentline + 1
      local ok, err = pcall(function() local key = calypso.uuid5(c[2], c[3]); return key end)
      assert.is_false(ok)
      assert.is_truthy(err:find(c[4], 1, true), err)
      assert.is_truthy(err:find("uuid_spec.lua:" .. line .. ":", 1, true), err)
    end)
  end

  it("is refused by the core itself when handed a namespace that is not a UUID", function()
    local core = require "calypso.core"
    assert.has_error(function() core.uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8-", "x") end)
    assert.has_error(function() core.uuid5("6ba7b810-9dad-11d1-80b4x00c04fd430c8", "x") end)
    assert.has_error(function() core.uuid5("6ba7b8100-dad-11d1-80b4-00c04fd430c8", "x") end)
  end)
end)

describe("calypso.uuid4()", function()
  it("is a lowercase version-4 UUID with the RFC variant, a new one each time", function()
    local seen = {}
    for _ = 1, 200 do
      local key = calypso.uuid4()
      assert.is_truthy(key:find("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x+$"), key)
      assert.is_nil(seen[key])
      seen[key] = true
    end
  end)
end)
