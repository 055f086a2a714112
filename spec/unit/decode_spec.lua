-- spec/unit/decode_spec.lua: how answers decode (src/decode.c), with no
-- server: integers stay integers, exact_numbers keeps what a double cannot
-- hold as its exact text, and malformed JSON is refused, never guessed at.
local core = require "calypso.core"

local INTEGERS = math.type ~= nil -- Lua 5.3+

local function decode(text, exact)
  return core.decode_object(text, exact)
end

describe("decoding an answer", function()
  -- { JSON value, what it decodes to plainly, and with exact_numbers }
  local numbers = {
    { "3", 3, 3 },
    { "-0.5", -0.5, -0.5 },
    { "10.10", 10.1, 10.1 },
    { "1e-7", 1e-7, 1e-7 },
    { "123456789012345", 123456789012345, 123456789012345 },
    { "0.123456789012345678", 0.123456789012345678, "0.123456789012345678" },
    { "0.000123456789012345678", 0.000123456789012345678, "0.000123456789012345678" },
    { "1234567890.12345678", 1234567890.12345678, "1234567890.12345678" },
    { "123456789012345678901234567890", 1.2345678901234568e29, "123456789012345678901234567890" },
    { "1e400", math.huge, "1e400" },
  }
  for _, c in ipairs(numbers) do
    it("reads " .. c[1] .. " as " .. tostring(c[2]) .. ", or exactly as " .. tostring(c[3]), function()
      assert.are.equal(c[2], decode('{"n":' .. c[1] .. "}").n)
      assert.are.equal(c[3], decode('{"n":' .. c[1] .. "}", true).n)
    end)
  end

  -- json_fuzz found this: a long token was cut to 63 bytes before strtod.
  it("reads a number token of any length whole", function()
    assert.are.equal(1e80, decode('{"n":1' .. ("0"):rep(80) .. "}").n)
    assert.are.equal(1.5e80, decode('{"n":15' .. ("0"):rep(79) .. "}").n)
  end)

  it("keeps an integer an integer where Lua has them, page counters included", function()
    local page = decode('{"page":0,"size":3,"total":7,"big":9007199254740993}')
    if INTEGERS then
      assert.are.equal("integer", math.type(page.size))
      assert.are.equal("3", tostring(page.size))
      assert.are.equal(9007199254740993, page.big) -- past 2^53, still exact
    else
      assert.are.equal(3, page.size)
    end
  end)

  it("gives an integer past 2^53 that Lua cannot hold as its text, with exact_numbers", function()
    local n = decode('{"n":-9223372036854775809}', true).n
    assert.are.equal("-9223372036854775809", n)
  end)

  it("reads numbers with a dot whatever the process locale", function()
    local testsys = require "testsys"
    assert.truthy(testsys.setlocale("de_DE.UTF-8"))
    local ok, t = pcall(decode, '{"n":12.5}')
    testsys.setlocale("C")
    assert.is_true(ok, t)
    assert.are.equal(12.5, t.n)
  end)

  it("turns escapes, surrogate pairs included, into UTF-8", function()
    local t = decode('{"s":"a\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00"}')
    assert.are.equal('a"b\\c/d\n\195\169\240\159\152\128', t.s)
  end)

  it("gives null as calypso.null and marks lists, so an empty one goes back as []", function()
    local calypso = require "calypso"
    local t = decode('{"a":null,"l":[],"o":{}}')
    assert.are.equal(calypso.null, t.a)
    local client = calypso.new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40) }
    local body = client:envelope({ l = t.l, o = t.o }, 1)
    assert.truthy(body:find('"l":[]', 1, true))
    assert.truthy(body:find('"o":{}', 1, true))
  end)

  -- A string's runs of plain bytes are skipped at once (src/decode.c): each
  -- other kind of byte, met before, inside and after such a run.
  -- { what, the string's JSON text, what it decodes to }
  local LONG = ("x"):rep(40)
  local UTF8 = "caf\195\169 cr\195\168me \240\159\146\176" -- 2, 2 and 4 bytes a character
  for _, c in ipairs{
    { "a DEL byte, which JSON allows raw", 'a\127b\127', "a\127b\127" },
    { "UTF-8 between plain runs", UTF8, UTF8 },
    { "escapes after a long plain run", LONG .. [[\"\\\/\n\u00e9]], LONG .. '"\\/\n\195\169' },
    { "an escape first and last", [[\tmid\t]], "\tmid\t" },
    { "nothing at all", "", "" },
  } do
    it("reads a string with " .. c[1], function()
      assert.are.equal(c[3], decode('{"s":"' .. c[2] .. '","after":1}').s)
    end)
  end

  -- { what, JSON }: each must be refused with a message.
  for _, c in ipairs{
    { "a leading zero", '{"n":01}' },
    { "a bare dot", '{"n":1.}' },
    { "NaN", '{"n":NaN}' },
    { "Infinity", '{"n":Infinity}' },
    { "a plus sign", '{"n":+1}' },
    { "a hex number", '{"n":0x10}' },
    { "a trailing comma", '{"n":1,}' },
    { "single quotes", "{'n':1}" },
    { "a lone surrogate", '{"s":"\\ud800"}' },
    { "a bad escape", '{"s":"\\x41"}' },
    { "a raw control byte", '{"s":"a\1b"}' },
    { "bytes that are not UTF-8", '{"s":"\255"}' },
    { "an overlong UTF-8 form", '{"s":"\192\175"}' },
    { "bytes after the value", '{"n":1} {}' },
    { "an unclosed object", '{"n":1' },
    { "an unclosed string", '{"s":"abc' },
    { "an unclosed string after a long plain run", '{"s":"' .. ("x"):rep(40) },
    { "an escape cut off at the end", '{"s":"abc\\' },
    { "a raw control byte after a long plain run", '{"s":"' .. ("x"):rep(40) .. '\31"}' },
    { "a raw tab", '{"s":"a\tb"}' },
    { "a key that is not a string", "{1:2}" },
    { "nesting past 1000 levels", '{"a":' .. ("["):rep(1001) .. ("]"):rep(1001) .. "}" },
  } do
    it("refuses " .. c[1], function()
      local t, why = decode(c[2])
      assert.is_nil(t)
      assert.truthy(why:find(" at byte %d+$"), why)
    end)
  end

  it("gives exact numbers through the judge too, for a client with exact_numbers", function()
    local result = core.outcome{ status = 200, body = '{"amount":0.123456789012345678}', complete = true,
                                 exact = true }
    assert.are.equal("0.123456789012345678", result.amount)
    assert.are.equal(0.123456789012345678, core.outcome{ status = 200, complete = true,
                                                          body = '{"amount":0.123456789012345678}' }.amount)
  end)
end)

describe("decoding what a double cannot hold, with exact_numbers", function()
  -- Below a double's range: an underflow to zero, or a subnormal, whose
  -- digits a double does not keep, is the token's text.
  for _, c in ipairs{
    { '{"n":1e-400}', "1e-400" },
    { '{"n":[123e-10000000]}', "123e-10000000", true },
    { '{"n":123.456e-789}', "123.456e-789" },
    { '{"n":1.23456789012345e-310}', "1.23456789012345e-310" },
  } do
    it("keeps " .. c[1] .. " as its text, not as 0 or other digits", function()
      local n = core.decode_object(c[1], true).n
      if c[3] then n = n[1] end
      assert.are.equal(c[2], n)
    end)
  end

  it("still reads a zero written with an exponent as zero", function()
    assert.are.equal(0, core.decode_object('{"n":0e-400}', true).n)
  end)

  it("keeps the sign of -0, in and out", function()
    for _, exact in ipairs{ true, false } do
      local n = core.decode_object('{"n":-0}', exact).n
      assert.are.equal(0, n)
      assert.are.equal(-math.huge, 1 / n) -- a negative zero, not the integer 0
      assert.are.equal('{"n":-0}', core.encode_object{ n = n })
    end
    assert.are.equal('{"n":0}', core.encode_object{ n = 0 })
  end)
end)

describe("decoding the command line's JSON (numbers as typed)", function()
  it("keeps every number that is no exact integer as its text, sent back byte for byte", function()
    local t = core.decode_object('{"a":0.123456789012345678,"b":1e5,"c":12,"d":-0,"e":[2.50]}',
      { numbers = "tokens" })
    assert.are.equal("0.123456789012345678", tostring(t.a))
    assert.are.equal("1e5", tostring(t.b))
    assert.are.equal(12, t.c)
    assert.are.equal('{"x":[0.123456789012345678,1e5,12,-0,2.50]}',
      core.encode_object{ x = core.array{ t.a, t.b, t.c, t.d, t.e[1] } })
  end)
end)

describe("what one answer may hold", function()
  local limits = core.limits

  -- Members whose keys are 32 bytes that differ only where the string hash
  -- of Lua 5.1 to 5.3 does not look (it reads every other byte of a string
  -- this long): all collide.  The text is made a byte at a time, so that
  -- this spec never makes those strings itself.  first..last, in objects of
  -- per members (nil: one object).
  local function colliding(last, per)
    local letters, out = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", { "{" }
    per = per or last
    for i = 1, last do
      if (i - 1) % per == 0 then
        if i > 1 then out[#out + 1] = "}," end
        if per < last then out[#out + 1] = '"o' .. i .. '":{' end
      else
        out[#out + 1] = ","
      end
      out[#out + 1] = '"'
      local x = i
      for p = 0, 31 do
        if p % 2 == 1 then
          out[#out + 1] = "k"
        else
          local d = x % 52
          x = (x - d) / 52
          out[#out + 1] = letters:sub(d + 1, d + 1)
        end
      end
      out[#out + 1] = '":1'
    end
    out[#out + 1] = per < last and "}}" or "}"
    return table.concat(out)
  end

  it("refuses 28 000 colliding keys in one object (under 1 MiB) at max_object_members", function()
    local body = colliding(28000)
    assert.is_true(#body < 1024 * 1024)
    local t, why = core.decode_object(body)
    assert.is_nil(t)
    assert.truthy(why:find("more than " .. limits.max_object_members .. " members (max_object_members)", 1,
      true), why)
  end)

  it("refuses them spread over objects once they pass max_response_values", function()
    local t, why = core.decode_object(colliding(limits.max_response_values, limits.max_object_members))
    assert.is_nil(t)
    assert.truthy(why:find("more than " .. limits.max_response_values .. " values in all", 1, true), why)
  end)

  it("has lower bounds on PUC Lua 5.1 to 5.3, whose string hash can be flooded", function()
    local weak = _VERSION ~= "Lua 5.4" and rawget(_G, "jit") == nil
    assert.are.equal(weak and 10000 or 100000, limits.max_response_values)
    assert.are.equal(weak and 1000 or 10000, limits.max_object_members)
  end)

  it("takes bounds of its own", function()
    assert.is_nil(core.decode_object('{"a":[1,2]}', { max_values = 3 }))
    assert.is_table(core.decode_object('{"a":[1,2]}', { max_values = 4 }))
    assert.is_nil(core.decode_object('{"a":1,"b":2}', { max_members = 1 }))
  end)

  -- The decoder keeps an object's first members on the stack and makes its
  -- table once it knows how many (src/decode.c, GATHER = 16); past that the
  -- rest go straight in.  Each size around the switch, nested, with a key
  -- repeated before and after it: every member is there, and the last wins.
  it("keeps every member of objects of 0 to 40 members, the last of a repeated key winning", function()
    for n = 0, 40 do
      local parts, want = {}, {}
      for i = 1, n do
        parts[#parts + 1] = ('"k%d":{"i":%d,"inner":{"v":"%d"}}'):format(i, i, i)
        want["k" .. i] = { i = i, inner = { v = tostring(i) } }
      end
      if n >= 3 then -- k3 again at the end, and k1 again in the middle
        parts[#parts + 1] = '"k3":"last"'
        table.insert(parts, math.floor(#parts / 2) + 1, '"k1":"middle"')
        want.k3 = "last"
      end
      local got = assert(decode("{" .. table.concat(parts, ",") .. "}"))
      local count = 0
      for _ in pairs(got) do count = count + 1 end
      assert.are.equal(n, count, n .. " members")
      for i = 4, n do assert.are.same(want["k" .. i], got["k" .. i], n .. " members, k" .. i) end
      if n >= 3 then
        assert.are.equal("last", got.k3, n .. " members")
        assert.are.equal("middle", got.k1, n .. " members: k1 was repeated after its first place")
      end
    end
  end)
end)
