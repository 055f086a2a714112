-- property_spec.lua: random input, many times.  Whatever the parameters, a
-- call never raises or crashes, and an input the client calls invalid never
-- reaches the server.  CALYPSO_SPEC_ITERATIONS lowers the count (the
-- valgrind run does); the default is the full 10 000.
local emulator = require "support.emulator"

local ITERATIONS = tonumber(os.getenv("CALYPSO_SPEC_ITERATIONS")) or 10000
local FIELDS = { "email", "description", "externalId", "id", "name", "blocked", "" }

local random = math.random

local function random_bytes(n)
  local t = {}
  for i = 1, n do t[i] = string.char(random(0, 255)) end
  return table.concat(t)
end

local function random_string()
  local pick = random(10)
  if pick == 1 then return "" end
  if pick == 2 then return "user" .. random(1e6) .. "@example.com" end
  if pick == 3 then
    return string.format("%08x-%04x-4%03x-a%03x-%06x%06x", random(0, 0x7fffffff), random(0, 0xffff),
      random(0, 0xfff), random(0, 0xfff), random(0, 0xffffff), random(0, 0xffffff))
  end
  if pick == 4 then return random_bytes(random(0, 40)) end               -- any bytes: NUL, invalid UTF-8
  if pick == 5 then return string.rep("x", random(1000, 3000)) end       -- around the 1024 limit
  if pick == 6 then return "caf\195\169 \226\130\172 \240\159\152\128" end -- valid multibyte
  if pick == 7 then return "line\nbreak" end
  if pick == 8 then return "\237\160\128" end                            -- a UTF-16 surrogate
  return "text " .. random(1e9)
end

local random_value

local function random_table(depth)
  local t = {}
  for _ = 1, random(0, 3) do
    local key = random(4) == 1 and random_value(depth + 1) or FIELDS[random(#FIELDS)]
    if key ~= nil and key == key then t[key] = random_value(depth + 1) end
  end
  return t
end

function random_value(depth)
  local pick = random(depth > 2 and 8 or 10)
  if pick == 1 then return random(2) == 1 end
  if pick == 2 then return random(-1e6, 1e6) end
  if pick == 3 then return ({ 0 / 0, math.huge, -math.huge, 1 / 3, 2 ^ 60, -0.0 })[random(6)] end
  if pick == 4 then return io.stdout end
  if pick == 5 then return print end
  if pick <= 8 then return random_string() end
  return random_table(depth)
end

local function random_params()
  if random(20) == 1 then return random_value(3) end -- not a table at all
  local params = {}
  for _ = 1, random(0, 4) do
    local key = random(10) == 1 and random_value(2) or FIELDS[random(#FIELDS)]
    local value = random(5) == 1 and random_value(1) or random_string()
    if key ~= nil and key == key then params[key] = value end
  end
  return params
end

describe("random input #property", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client{ max_retries = 0 }
    math.randomseed(20261123) -- fixed: a failure can be replayed
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  it("never crashes a call, and never sends what validation refused", function()
    local before = emu:stats().received
    local refused, sent = 0, 0
    for i = 1, ITERATIONS do
      local params = random_params()
      local call = random(2) == 1 and client.customer.create or client.customer.update
      local ok, result, err = pcall(call, params)
      assert(ok, "iteration " .. i .. " raised: " .. tostring(result))
      if result == nil and err.kind == "validation" then
        assert(err.attempts == 0, "iteration " .. i .. ": a refused input counted an attempt")
        refused = refused + 1
      else
        assert(result ~= nil or err.kind == "api", "iteration " .. i .. ": " .. tostring(err))
        sent = sent + 1
      end
    end
    assert.are.equal(before + sent, emu:stats().received)
    assert.is_true(refused > ITERATIONS / 2 and sent > ITERATIONS / 100, refused .. " / " .. sent)
  end)

  -- An independent oracle where the runtime has one: Lua 5.4's utf8 library
  -- is strict like RFC 3629 (5.3's accepts UTF-16 surrogates; LuaJIT has none).
  local it_with_utf8 = _VERSION == "Lua 5.4" and it or function() end
  it_with_utf8("agrees with Lua's utf8 library on which strings are valid UTF-8", function()
    for i = 1, ITERATIONS do
      local s = random_bytes(random(0, 12))
      local valid = utf8.len(s) ~= nil
      local controls = valid and (s:find("[%z\1-\31\127]") or s:find("\194[\128-\159]"))
      local _, refused = client.customer.create{ description = s }
      local was_refused = refused ~= nil and refused.kind == "validation"
      assert(was_refused == (not valid or controls ~= nil), "iteration " .. i .. ": " .. ("%q"):format(s))
    end
  end)

  it("never crashes the C encoder with random nested payloads", function()
    for i = 1, ITERATIONS do
      local payload = random_table(0)
      local ok, body, err = pcall(client.envelope, client, payload, 1)
      assert(ok, "iteration " .. i .. " raised: " .. tostring(body))
      assert(body ~= nil or err.kind == "validation", "iteration " .. i)
    end
  end)
end)
