-- envelope_spec.lua: the exact bytes the client signs and sends.
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

  it("escapes quotes, backslashes and slashes, and keeps UTF-8 as is", function()
    local body = client:envelope({ description = 'a"b\\c/d caf\195\169' }, 1)
    assert.truthy(body:find('"payload":{"description":"a\\"b\\\\c\\/d caf\195\169"}', 1, true))
  end)

  it("returns the sign of exactly the body", function()
    local body, sign = client:envelope({ description = "x" }, 42)
    assert.are.equal(calypso.sign(emulator.secret, body), sign)
  end)

  it("stamps the current time in milliseconds by default", function()
    local before = os.time() * 1000
    local body = client:envelope({})
    local stamp = tonumber(body:match('"timestamp":(%d+),'))
    assert.is_true(stamp >= before - 1000 and stamp <= os.time() * 1000 + 1000)
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

  -- lua-cjson 2.1.0 writes at most 14 significant digits: a number it would
  -- round must be refused, not silently changed and then signed.
  local rounded = {
    { "a 15-digit integer", 123456789012345 },
    { "a third", 1 / 3 },
    { "2^53", 2 ^ 53 },
  }
  if math.type then -- Lua 5.3+: integers beyond 2^53 that a double cannot hold
    rounded[#rounded + 1] = { "the integer 10^17 + 1", math.tointeger(10 ^ 17) + 1 }
  end
  for _, row in ipairs(rounded) do
    it("refuses " .. row[1] .. ", which JSON encoding would round", function()
      local body, err = client:envelope({ amount = row[2] }, 1)
      assert.is_nil(body)
      assert.are.equal("validation", err.kind)
      assert.truthy(err.message:find("send it as a string", 1, true))
      assert.is_nil(client:envelope({ outer = { inner = { row[2] } } }, 1))
    end)
  end

  for _, n in ipairs({ 12345678901234, 0.1, 1.5, -5, 1e15, 0 }) do
    it("writes " .. tostring(n) .. " so that it reads back exactly", function()
      local body = assert(client:envelope({ n = n }, 1))
      assert.are.equal(n, tonumber(body:match('"n":([^}]+)}')))
    end)
  end

  it("raises for a timestamp that is not a whole number", function()
    assert.has_error(function() client:envelope({}, 1.5) end)
    assert.has_error(function() client:envelope({}, -1) end)
  end)
end)

describe("what reaches the server", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client()
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  it("is one envelope whose Sign header matches its raw bytes", function()
    assert.is_table(client.customer.create{ email = "ada@example.com", description = "VIP" })
    local last = emu:stats().last
    assert.are.equal("/api/v1/customer-purse/customer/create", last.path)
    assert.are.equal(calypso.sign(emulator.secret, last.body), last.sign)
    assert.are.equal(emulator.key, last.key)
    assert.are.equal("application/json", last.content_type)
    assert.are.equal("application/json", last.accept)
    local prefix = '{"account":"' .. emulator.account .. '","timestamp":'
    assert.are.equal(prefix, last.body:sub(1, #prefix))
    local payload = last.body:match('^.-,"payload":(.*)}$')
    assert.truthy(payload == '{"email":"ada@example.com","description":"VIP"}'
      or payload == '{"description":"VIP","email":"ada@example.com"}')
  end)
end)
