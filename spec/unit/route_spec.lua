-- spec/unit/route_spec.lua: how a row's route shapes what is signed and
-- sent (src/route.c, src/call.c, src/request.c), exact decimals and random
-- keys, with no server: client:envelope and client._core:prepare show the
-- bytes without sending them.
local calypso = require "calypso"
local core = require "calypso.core"

local ACCOUNT = "0x" .. ("a"):rep(40)

describe("core.route()", function()
  local client = calypso.new{ key = "k", secret = "s", account = ACCOUNT }

  -- { envelope, payload, the exact body at timestamp 1 }
  for _, c in ipairs{
    { "full", { a = 1 }, '{"account":"' .. ACCOUNT .. '","timestamp":1,"payload":{"a":1}}' },
    { "account", nil, '{"account":"' .. ACCOUNT .. '","timestamp":1}' },
    { "payload", { a = 1 }, '{"timestamp":1,"payload":{"a":1}}' },
    { "bare", nil, '{"timestamp":1}' },
  } do
    it("signs exactly the " .. c[1] .. " envelope", function()
      local body, sign = client._core:envelope(c[2], 1, core.route{ envelope = c[1] })
      assert.are.equal(c[3], body)
      assert.are.equal(calypso.sign("s", body), sign)
    end)
  end

  it("refuses a payload for an envelope that has none, as a validation error", function()
    local body, err = client._core:envelope({ a = 1 }, 1, core.route{ envelope = "account" })
    assert.is_nil(body)
    assert.are.equal("validation", err.kind)
  end)

  it("writes the method into the request line", function()
    local request = client._core:prepare("/api/v1/subscription/webhook", { requestId = "r" },
      core.route{ method = "DELETE" })
    assert.are.equal("DELETE /api/v1/subscription/webhook HTTP/1.1\r\n", request:match("^[^\n]*\n"))
    assert.truthy(request:find('"payload":{"requestId":"r"}}$'))
  end)

  it("takes an empty 2xx as true only where the route says so", function()
    local _, empty_ok = client._core:prepare("/api/v1/x", {}, core.route{ empty = true })
    empty_ok:feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert.is_true(empty_ok:finish())
    local _, strict = client._core:prepare("/api/v1/x", {})
    strict:feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    local result, err = strict:finish()
    assert.is_nil(result)
    assert.are.equal("decode", err.kind)
  end)

  for _, opts in ipairs{ { method = "PUT" }, { envelope = "huge" }, { verb = "POST" } } do
    local k, v = next(opts)
    it("raises for " .. k .. " = " .. v, function()
      assert.has_error(function() core.route(opts) end)
    end)
  end
end)

describe("core.decimal()", function()
  local client = calypso.new{ key = "k", secret = "s", account = ACCOUNT }

  for _, text in ipairs{ "0.123456789012345678", "10.10", "0", "-3", "123456789012345678901234567890" } do
    it("sends " .. text .. " as exactly that number token", function()
      local body = client:envelope({ amount = core.decimal(text) }, 1)
      assert.are.equal('{"amount":' .. text .. "}", body:match('"payload":(.*)}$'))
    end)
  end

  for _, text in ipairs{ "1e5", "01.5", ".5", "5.", "+5", "1,5", " 1", "0x10", "", ("9"):rep(65) } do
    it("refuses " .. ("%q"):format(text), function()
      local d, problem = core.decimal(text)
      assert.is_nil(d)
      assert.is_string(problem)
    end)
  end
end)

describe("core.uuid4()", function()
  local V4 = "^" .. ("%x"):rep(8) .. "%-" .. ("%x"):rep(4) .. "%-4" .. ("%x"):rep(3) .. "%-[89ab]"
    .. ("%x"):rep(3) .. "%-" .. ("%x"):rep(12) .. "$"

  it("gives version 4, RFC variant UUIDs, never the same twice", function()
    local seen = {}
    for _ = 1, 1000 do
      local id = core.uuid4()
      assert.truthy(id:find(V4), id)
      assert.is_nil(seen[id])
      seen[id] = true
    end
  end)
end)
