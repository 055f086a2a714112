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
