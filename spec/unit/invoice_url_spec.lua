-- spec/unit/invoice_url_spec.lua: where a buyer pays (calypso.invoice_url,
-- client:invoice_url): the documented https://pay.calypso.finance/invoice/
-- {idempotencyKey} (reference/payment-link), or under a client's pay_url
-- (a sandbox's page), or CALYPSO_PAY_URL's; anything but an invoice or its
-- key raises at the caller's line.
local calypso = require "calypso"
local shell = require "support.shell"

describe("invoice_url", function()
  local key = "0b6f1c1e-2d4b-4a79-880f-1e2d3c4b5a69"
  local function client(pay_url)
    return calypso.new{ key = "k", secret = "s", account = "0x" .. ("ab"):rep(20), pay_url = pay_url }
  end

  it("is the documented payment link by default", function()
    local documented = "https://pay.calypso.finance/invoice/" .. key
    assert.are.equal(documented, calypso.invoice_url{ idempotencyKey = key })
    assert.are.equal(documented, calypso.invoice_url(key))
    assert.are.equal(documented, client():invoice_url{ idempotencyKey = key })
  end)

  it("follows the client's pay_url, one slash and all", function()
    local c = client("https://localhost:4443/pay/")
    assert.are.equal("https://localhost:4443/pay/invoice/" .. key, c:invoice_url{ idempotencyKey = key })
    assert.are.equal("https://localhost:4443/pay/invoice/" .. key, calypso.invoice_url(key, c))
  end)

  it("takes CALYPSO_PAY_URL when no client is given", function()
    local ok, out = shell.lua({ CALYPSO_PAY_URL = "https://localhost:1/pay" },
      "-e 'io.write(require(\"calypso\").invoice_url(\"" .. key .. "\"))'")
    assert(ok, out)
    assert.are.equal("https://localhost:1/pay/invoice/" .. key, out)
  end)

  it("refuses anything but an invoice or its key, at the caller's line", function()
    for _, bad in ipairs{ { id = "7" }, "order-7", 7, false } do
      local ok, err = pcall(function()
        local url = calypso.invoice_url(bad)
        return url
      end)
      assert.is_false(ok)
      assert.truthy(tostring(err):find("invoice_url_spec.lua:%d+: calypso.invoice_url: give the invoice a"
        .. " create answered"), tostring(err))
    end
    local ok, err = pcall(function()
      local url = client():invoice_url{ id = "7" } -- not a tail call: Lua 5.1 keeps no line for those
      return url
    end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("invoice_url_spec.lua:%d+: client:invoice_url: give the invoice"), err)
    assert.has_error(function() calypso.new{ key = "k", secret = "s", account = "0x" .. ("ab"):rep(20),
      pay_url = "http://pay.example" } end)
  end)
end)
