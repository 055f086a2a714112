-- webhook_spec.lua: calypso.webhook.verify against deliveries signed the way
-- Calypso signs them: HMAC-SHA512 of the raw body with the subscription's
-- secretKey, in hex (here by the openssl command, an independent signer).
local calypso = require "calypso"
local shell = require "support.shell"

local SECRET = "webhook-secret-key"

local BODY = '{"requestId":"5f0a3a2e-0d5c-4c3e-9a59-8e1f3c0b7d11","id":1331293,'
  .. '"createdDate":"2025-10-30T14:08:39.96068","level":"INFO","service":"CUSTOMER_PURSE",'
  .. '"eventType":"CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE","data":{"customerId":"c1",'
  .. '"customerBlocked":false,"purseId":"p1","address":"0xabc","transactionId":"t1",'
  .. '"amount":12.5,"somethingNew":{"nested":[1,2]}}}'

local function openssl_sign(secret, body)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(body)
  f:close()
  local ok, out = shell.run("openssl dgst -sha512 -hmac " .. shell.quote(secret) .. " < " .. path)
  os.remove(path)
  assert(ok, out)
  return out:match("(%x+)%s*$")
end

describe("calypso.webhook.verify()", function()
  local sign = openssl_sign(SECRET, BODY)
  local off_by_one = sign:sub(1, -2) .. (sign:sub(-1) == "0" and "1" or "0")

  it("returns the event, unknown fields and types kept, for the right signature", function()
    local event, err = calypso.webhook.verify(BODY, sign, SECRET)
    assert.is_nil(err)
    assert.are.equal("CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE", event.eventType)
    assert.are.equal("p1", event.data.purseId)
    assert.are.same({ 1, 2 }, event.data.somethingNew.nested)
  end)

  it("accepts the signature in upper-case hex", function()
    assert.is_table(calypso.webhook.verify(BODY, sign:upper(), SECRET))
  end)

  -- { what, body, sign, field the error names }
  local refused = {
    { "a wrong signature", BODY, openssl_sign("another-secret", BODY), "sign" },
    { "a signature one hex digit off", BODY, off_by_one, "sign" },
    { "a truncated signature", BODY, sign:sub(1, 127), "sign" },
    { "no signature", BODY, nil, "sign" },
    { "a truncated body", BODY:sub(1, -2), sign, "sign" },
    { "the body decoded and encoded again", require("cjson").encode(require("cjson").decode(BODY)),
      sign, "sign" },
    { "a signed body that is a JSON array", "[1,2]", openssl_sign(SECRET, "[1,2]"), "body" },
    { "a signed body that is not JSON", "{not json", openssl_sign(SECRET, "{not json"), "body" },
  }
  for _, row in ipairs(refused) do
    it("refuses " .. row[1], function()
      local event, err = calypso.webhook.verify(row[2], row[3], SECRET)
      assert.is_nil(event)
      assert.are.equal("validation", err.kind)
      assert.are.equal(row[4], err.field)
      assert.is_nil(tostring(err):find(SECRET, 1, true))
    end)
  end

  it("raises for a body or secret that is not a string", function()
    assert.has_error(function() calypso.webhook.verify(nil, sign, SECRET) end)
    assert.has_error(function() calypso.webhook.verify(BODY, sign, nil) end)
    assert.has_error(function() calypso.webhook.verify(BODY, sign, "") end)
  end)
end)

describe("calypso.webhook.sign(), delivery() and the seen option", function()
  it("signs as Calypso does (openssl agrees)", function()
    assert.are.equal(openssl_sign(SECRET, BODY), calypso.webhook.sign(BODY, SECRET))
  end)

  it("builds a whole delivery that verify() accepts, with the envelope filled in", function()
    local body, headers = calypso.webhook.delivery({ eventType = "CUSTOMER_PURSE_EXPIRED",
      service = "CUSTOMER_PURSE", data = { customerId = "c9" } }, { secret = SECRET, key = "pub-1" })
    assert.are.equal("pub-1", headers.Key)
    assert.are.equal(openssl_sign(SECRET, body), headers.Sign)
    local event = assert(calypso.webhook.verify(body, headers.Sign, SECRET))
    assert.are.equal("CUSTOMER_PURSE_EXPIRED", event.eventType)
    assert.are.equal("c9", event.data.customerId)
    assert.are.equal("INFO", event.level)
    assert.are.equal(36, #event.requestId)
    assert.truthy(event.createdDate:find("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$"), event.createdDate)
    local again = calypso.webhook.delivery({ eventType = "X", service = "Y", data = {} }, { secret = SECRET })
    local next_event = calypso.webhook.verify(again, calypso.webhook.sign(again, SECRET), SECRET)
    assert.are.equal(event.id + 1, next_event.id)
  end)

  it("refuses an event that seen() says was handled, after the signature checks out", function()
    local handled = {}
    local function seen(event)
      if handled[event.id] then return true end
      handled[event.id] = true
      return false
    end
    local sign = calypso.webhook.sign(BODY, SECRET)
    assert.is_table(calypso.webhook.verify(BODY, sign, SECRET, { seen = seen }))
    local event, err = calypso.webhook.verify(BODY, sign, SECRET, { seen = seen })
    assert.is_nil(event)
    assert.are.equal("id", err.field)
    assert.truthy(err.message:find("event 1331293 was handled before", 1, true), err.message)
    local called = false
    local _, bad = calypso.webhook.verify(BODY, ("0"):rep(128), SECRET,
      { seen = function() called = true end })
    assert.are.equal("sign", bad.field)
    assert.is_false(called) -- an unsigned body never reaches seen()
  end)

  it("raises for a mistyped option or a delivery without its fields", function()
    assert.has_error(function() calypso.webhook.verify(BODY, "x", SECRET, { seen = true }) end,
      "calypso.webhook.verify: option 'seen' must be a function")
    assert.has_error(function()
      calypso.webhook.delivery({ service = "S", data = {} }, { secret = SECRET })
    end, "calypso.webhook.delivery: event.eventType must be a string")
    assert.has_error(function()
      calypso.webhook.delivery({ eventType = "E", service = "S", data = {} }, {})
    end, "calypso.webhook.delivery: keys.secret must be a non-empty string")
  end)
end)


describe("calypso.webhook.verify's hint when the Sign does not match", function()
  local webhook = require "calypso.webhook"
  local body = '{"requestId":"r","id":1,"eventType":"INVOICE_PAID","service":"INVOICE","data":{}}'
  local sign = webhook.sign(body, "whsec")

  -- { what was done to the delivery, body verified, secret used, words the hint must hold }
  for _, c in ipairs{
    { "a newline added at its end", body .. "\n", "whsec", "gained a newline at its end" },
    { "a CR LF added at its end", body .. "\r\n", "whsec", "gained a newline at its end" },
    { "the API secret used instead of the secretKey", body, "the-api-secret",
      "the API secret used instead of the subscription's secretKey" },
    { "the body parsed and encoded again", '{"id":1,"requestId":"r","eventType":"INVOICE_PAID",'
      .. '"service":"INVOICE","data":{}}', "whsec", "a body parsed and encoded again" },
  } do
    it("says what usually causes it, for " .. c[1], function()
      local event, err = webhook.verify(c[2], sign, c[3])
      assert.is_nil(event)
      assert.are.equal("sign", err.field)
      assert.truthy(err.hint:find(c[4], 1, true), err.hint)
      assert.truthy(tostring(err):find(c[4], 1, true)) -- tostring shows the hint
    end)
  end

  it("says the body lost its final newline when Calypso signed one", function()
    local with_newline = body .. "\n"
    local _, err = webhook.verify(body, webhook.sign(with_newline, "whsec"), "whsec")
    assert.truthy(err.hint:find("lost the newline at its end", 1, true), err.hint)
  end)
end)
