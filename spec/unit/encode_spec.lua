-- spec/unit/encode_spec.lua: the exact bytes a client signs and would send
-- (src/encode.c through client:envelope), with no server: numbers, arrays,
-- escapes, UTF-8, the process locale, the 64 MiB limit.
local calypso = require "calypso"
local emulator = require "support.emulator"

describe("client:envelope()", function()
  local client = calypso.new{ key = emulator.key, secret = emulator.secret, account = emulator.account }

  it("writes account, timestamp, payload in that order with no spaces", function()
    local body = client:envelope({ email = "ada@example.com" }, 1718000000000)
    assert.are.equal('{"account":"' .. emulator.account .. '","timestamp":1718000000000,'
      .. '"payload":{"email":"ada@example.com"}}', body)
  end)

  it("writes an empty payload as an object", function()
    local body = client:envelope({}, 1)
    assert.are.equal('{"account":"' .. emulator.account .. '","timestamp":1,"payload":{}}', body)
  end)

  it("escapes quotes, backslashes and control bytes, and keeps UTF-8 as is", function()
    local body = client:envelope({ description = 'a"b\\c/d caf\195\169 \n\0\31' }, 1)
    local expected = '"payload":{"description":"a\\"b\\\\c/d caf\195\169 \\n\\u0000\\u001f"}'
    assert.truthy(body:find(expected, 1, true))
  end)

  it("returns the sign of exactly the body", function()
    local body, sign = client:envelope({ description = "x" }, 42)
    assert.are.equal(calypso.sign(emulator.secret, body), sign)
  end)

  it("stamps the current time in milliseconds by default", function()
    local before = os.time() * 1000
    local body = client:envelope({})
    local stamp = tonumber(body:match('"timestamp":(%d+),'))
    local after = os.time() * 1000
    assert.is_true(stamp >= before - 1000 and stamp <= after + 1000,
      ("stamp %s, clock %s to %s"):format(tostring(stamp), before, after))
  end)

  it("is not changed by settings made on the shared cjson module", function()
    local cjson = require "cjson"
    local before = client:envelope({ n = 3.14159265 }, 1)
    cjson.encode_number_precision(3)
    local after = client:envelope({ n = 3.14159265 }, 1)
    cjson.encode_number_precision(14)
    assert.are.equal(before, after)
    assert.truthy(after:find("3.14159265", 1, true))
  end)

  it("returns a validation error for a payload that is not a JSON object", function()
    for _, payload in ipairs({ { 1, 2 }, { f = print }, { n = 0 / 0 } }) do
      local body, err = client:envelope(payload, 1)
      assert.is_nil(body)
      assert.are.equal("validation", err.kind)
    end
  end)

  -- Numbers go out exactly: integers digit for digit, other numbers in the
  -- fewest digits that read back as the same double.
  local exact = {
    { "a 15-digit integer", 123456789012345, "123456789012345" },
    { "a third", 1 / 3, "0.3333333333333333" },
    { "2^53", 2 ^ 53, "9007199254740992" },
    { "0.1", 0.1, "0.1" },
    { "-2.5", -2.5, "-2.5" },
    { "1e300", 1e300, "1e+300" },
  }
  if math.type then -- Lua 5.3+: integers beyond 2^53 that a double cannot hold
    exact[#exact + 1] = { "the integer 10^17 + 1", math.tointeger(10 ^ 17) + 1, "100000000000000001" }
    exact[#exact + 1] = { "math.mininteger", math.mininteger, "-9223372036854775808" }
  end
  for _, row in ipairs(exact) do
    it("writes " .. row[1] .. " exactly, as " .. row[3], function()
      local body = assert(client:envelope({ n = row[2] }, 1))
      assert.are.equal(row[3], body:match('"n":([^}]+)}'))
      assert.are.equal(row[2], tonumber(row[3]))
    end)
  end

  it("writes a table marked with calypso.array as an array, even when empty", function()
    local body = client:envelope({ a = calypso.array({}), b = calypso.array({ "x" }), c = {} }, 1)
    assert.truthy(body:find('"a":[]', 1, true))
    assert.truthy(body:find('"b":["x"]', 1, true))
    assert.truthy(body:find('"c":{}', 1, true))
  end)

  it("writes calypso.null as null, and booleans as themselves", function()
    local body = client:envelope({ a = calypso.null, b = true, c = false }, 1)
    assert.truthy(body:find('"a":null', 1, true))
    assert.truthy(body:find('"b":true', 1, true))
    assert.truthy(body:find('"c":false', 1, true))
  end)

  -- { what, payload }: each must be a validation error, with nothing written.
  local unsendable = {
    { "a table with holes", { x = { 1, nil, 3 } } },
    { "a table mixing array and object keys", { x = { 1, y = 2 } } },
    { "a marked array with other keys", { x = calypso.array({ 1, y = 2 }) } },
    { "a key that is not a string", { [true] = 1 } },
    { "a function", { x = print } },
    { "NaN", { x = 0 / 0 } },
    { "infinity", { x = math.huge } },
    { "an array as the payload", { 1, 2 } },
  }
  for _, row in ipairs(unsendable) do
    it("refuses " .. row[1], function()
      local body, err = client:envelope(row[2], 1)
      assert.is_nil(body)
      assert.are.equal("validation", err.kind)
    end)
  end

  it("refuses nesting past 100 levels without overflowing the C stack", function()
    local deep = {}
    for _ = 1, 200 do deep = { deep } end
    local body, err = client:envelope({ x = deep }, 1)
    assert.is_nil(body)
    assert.truthy(err.message:find("nested too deeply", 1, true))
  end)

  it("writes numbers with a dot whatever the process locale", function()
    local testsys = require "testsys"
    assert.truthy(testsys.setlocale("de_DE.UTF-8"), "no de_DE.UTF-8 locale (scripts/deps makes it)")
    local ok, body = pcall(client.envelope, client, { amount = 12.5, list = { 0.5, 2 } }, 1)
    testsys.setlocale("C")
    assert.is_true(ok, body)
    assert.truthy(body:find('"amount":12.5', 1, true), body)
    assert.truthy(body:find('"list":[0.5,2]', 1, true), body)
  end)

  -- { what, payload }: bytes that are not UTF-8, in a value or a key.
  for _, row in ipairs{
    { "a lone continuation byte", { d = "a\128b" } },
    { "a truncated sequence", { d = "caf\195" } },
    { "an overlong encoding", { d = "\192\175" } },
    { "a surrogate", { d = "\237\160\128" } },
    { "a code point past U+10FFFF", { d = "\244\144\128\128" } },
    { "a byte that never appears in UTF-8", { d = "\255" } },
    { "a key", { ["k\255"] = 1 } },
    { "a nested value", { list = { "ok", { "\254" } } } },
  } do
    it("refuses invalid UTF-8: " .. row[1], function()
      local body, err = client:envelope(row[2], 1)
      assert.is_nil(body)
      assert.are.equal("validation", err.kind)
    end)
  end

  it("accepts UTF-8 of every length", function()
    local text = "a\194\169\226\130\172\240\159\152\128" -- a, (c), euro, an emoji
    local body = assert(client:envelope({ d = text }, 1))
    assert.truthy(body:find(text, 1, true))
  end)

  it("returns a validation error, not a raise, for a payload just under 64 MiB", function()
    local big = ("x"):rep(64 * 1024 * 1024 - 64)
    for _, payload in ipairs{ { d = big }, { d = big .. ("y"):rep(100) } } do
      local ok, body, err = pcall(client.envelope, client, payload, 1)
      assert.is_true(ok, body)
      assert.is_nil(body)
      assert.are.equal("validation", err.kind)
    end
  end)

  it("raises for a timestamp that is not a whole number", function()
    assert.has_error(function() client:envelope({}, 1.5) end)
    assert.has_error(function() client:envelope({}, -1) end)
  end)
end)

describe("core.object_table", function()
  local core = require "calypso.core"

  it("gives a fresh empty table, whatever room it is asked for", function()
    for _, n in ipairs{ 0, 1, 3, 63, 64, 100000, -1 } do
      local t = core.object_table(n)
      assert.are.equal("table", type(t))
      assert.is_nil(next(t))
      assert.is_nil(getmetatable(t)) -- no array marker: encoded as an object
      t.a, t.b = 1, 2
      assert.are.same({ a = 1, b = 2 }, t)
    end
    assert.are_not.equal(core.object_table(2), core.object_table(2))
  end)

  it("refuses a room that is not a whole number", function()
    assert.has_error(function() core.object_table("many") end)
    assert.has_error(function() core.object_table(nil) end)
  end)
end)
