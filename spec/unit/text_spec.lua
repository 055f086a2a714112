-- spec/unit/text_spec.lua: the core's two text checks (src/text.c) accept
-- exactly what the Lua patterns they replace accepted, byte for byte, on
-- every single byte and on random strings built around the bytes that
-- matter (@, the spaces, the printable range's edges, UTF-8).
local core = require "calypso.core"
local text = require "calypso.text"

local function pattern_printable(s) return s:find("^[\32-\126]*$") ~= nil end
local function pattern_email(s) return s:find("^[^@%s]+@[^@%s]+$") ~= nil end

local PIECES = { "@", " ", "\t", "\n", "\v", "\f", "\r", "\31", "\32", "\126", "\127", "\128", "\255",
                 "a", "Z", "0", ".", "ada", "example.com", "\195\169", "\0" }

local function random_string(rng)
  local out = {}
  for i = 1, rng(0, 6) do out[i] = PIECES[rng(1, #PIECES)] end
  return table.concat(out)
end

describe("the core's text checks", function()
  it("agree with the Lua patterns on every single byte and every pair of bytes", function()
    for a = 0, 255 do
      local s = string.char(a)
      assert.are.equal(pattern_printable(s), core.printable(s), "byte " .. a)
      assert.are.equal(pattern_email(s), core.is_email(s), "byte " .. a)
      for b = 0, 255, 3 do
        local pair = s .. string.char(b) .. "@x" .. string.char(b)
        assert.are.equal(pattern_printable(pair), core.printable(pair), ("bytes %d %d"):format(a, b))
        assert.are.equal(pattern_email(pair), core.is_email(pair), ("bytes %d %d"):format(a, b))
      end
    end
  end)

  it("agree with them on 50 000 random strings", function()
    local seed = os.time()
    math.randomseed(seed)
    for _ = 1, 50000 do
      local s = random_string(math.random)
      assert.are.equal(pattern_printable(s), core.printable(s), ("%q (seed %d)"):format(s, seed))
      assert.are.equal(pattern_email(s), core.is_email(s), ("%q (seed %d)"):format(s, seed))
    end
  end)

  it("take only strings, within the bound given", function()
    assert.is_false(core.printable(5))
    assert.is_false(core.printable(nil))
    assert.is_false(core.printable({}))
    assert.is_true(core.printable("abc", 3))
    assert.is_false(core.printable("abc", 2))
    assert.is_true(core.printable(""))
  end)

  it("decide text.problem and text.is_email as before", function()
    assert.are.equal("must be a string, got number", text.problem(5))
    assert.are.equal("must be a string, got nil", text.problem(nil))
    assert.are.equal("must be at most 1024 bytes", text.problem(("a"):rep(1025)))
    assert.is_nil(text.problem(("a"):rep(1024)))
    assert.are.equal("must be at most 1024 bytes", text.problem(("\1"):rep(1025)))
    assert.is_nil(text.problem("ada@example.com"))
    assert.is_nil(text.problem(""))
    assert.are.equal("must not contain control characters", text.problem("a\tb"))
    assert.is_nil(text.problem("caf\195\169"))
    assert.are.equal("must be valid UTF-8", text.problem("caf\233"))
    assert.is_true(text.is_email("ada@example.com"))
    assert.is_false(text.is_email("ada@@example.com"))
    assert.is_false(text.is_email("@example.com"))
    assert.is_false(text.is_email("ada@"))
    assert.is_false(text.is_email("ada @example.com"))
    assert.is_true(text.is_email("\195\169@\195\169"))
  end)
end)
