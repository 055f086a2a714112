-- envelope_spec.lua: what reaches the server, byte for byte (the envelope
-- itself, with no server: spec/unit/encode_spec.lua).
local calypso = require "calypso"
local emulator = require "support.emulator"

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

  it("is never sent by client:call when a value is not UTF-8", function()
    local before = emu:stats().received
    local result, err = client:call("/api/v1/customer-purse/customer/create", { description = "caf\233" })
    assert.is_nil(result)
    assert.are.equal("validation", err.kind)
    assert.are.equal(0, err.attempts)
    assert.are.equal(before, emu:stats().received)
  end)

  -- The envelope of { description = x } with x of n bytes, at a 13-digit timestamp.
  local function envelope_bytes(n)
    return #assert(client:envelope({ description = "" }, 1e12)) + n
  end

  it("sends, without raising, a request whose body is exactly 64 MiB", function()
    local n = 64 * 1024 * 1024 - envelope_bytes(0)
    local ok, result, err = pcall(client.call, client, "/api/v1/customer-purse/customer/create",
      { description = ("x"):rep(n) })
    assert.is_true(ok, result)
    assert.is_nil(result) -- the emulator takes at most 1 MiB
    assert.are_not.equal("validation", err.kind)
    assert.is_true(err.request_sent)
  end)

  it("refuses, without raising or sending, a body one byte over 64 MiB", function()
    local before = emu:stats().received
    local n = 64 * 1024 * 1024 - envelope_bytes(0) + 1
    local ok, result, err = pcall(client.call, client, "/api/v1/customer-purse/customer/create",
      { description = ("x"):rep(n) })
    assert.is_true(ok, result)
    assert.is_nil(result)
    assert.are.equal("validation", err.kind)
    assert.are.equal(0, err.attempts)
    assert.are.equal(before, emu:stats().received)
  end)
end)
