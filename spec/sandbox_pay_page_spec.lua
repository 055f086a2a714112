-- sandbox_pay_page_spec.lua: the sandbox's pay page (emulator/lua/emulator/
-- pay_page.lua) without a browser: a sandbox client's invoice_url leads to
-- it; it shows what the invoice holds, escaped; its buttons drive the same
-- simulation as the control routes (the same events, amounts to the
-- digit); an action it cannot take is refused with the reason, and an
-- unknown link is a 404.  The browser's view: spec/shop_browser_spec.lua.
local sandbox = require "calypso.sandbox"
local shell = require "support.shell"
local triggers = require "calypso.triggers"

describe("the sandbox's pay page", function()
  local sb, client

  setup(function()
    sb = sandbox.start()
    client = sb:client()
  end)

  teardown(function()
    client:close()
    sb:stop()
  end)

  before_each(function() assert(sb:control("reset", {})) end)

  -- GET (or POST action) url: status, body.
  local function fetch(url, action)
    local ok, out = shell.run(("curl -sS --cacert %s -w '\\nstatus=%%{http_code}' %s %s"):format(sb.cafile,
      action and "-d action=" .. action or "", shell.quote(url)))
    assert(ok, out)
    return tonumber(out:match("status=(%d+)$")), out
  end

  local function field(body, id) return body:match('id="' .. id .. '">([^<]*)<') end

  it("is where a sandbox client's invoice_url leads, showing the invoice escaped", function()
    local invoice = assert(client.invoice.create_single{ amount = "0.123456789012345679", currency = "ETH",
      description = "<script>alert(1)</script> & co" })
    local url = client:invoice_url(invoice)
    assert.are.equal(sb.base_url .. "/pay/invoice/" .. invoice.idempotencyKey, url)
    local status, body = fetch(url)
    assert.are.equal(200, status)
    assert.are.equal("0.123456789012345679", field(body, "amount"))
    assert.are.equal("ETH", field(body, "currency"))
    assert.are.equal(invoice.invoiceAddress, field(body, "address"))
    assert.are.equal("PENDING_PAYMENT", field(body, "state"))
    assert.are.equal("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co", field(body, "description"))
    assert.is_nil(body:find("<script>", 1, true))
    for _, button in ipairs{ "full", "half", "double", "expire" } do
      assert.truthy(body:find('value="' .. button .. '"', 1, true), button)
    end
  end)

  it("pays as the simulation does: the same events as the trigger, the half to the digit", function()
    local invoice = assert(client.invoice.create_single{ amount = "0.123456789012345679", currency = "ETH",
      description = "x" })
    local _, mark = assert(sb:events())
    local status, body = fetch(client:invoice_url(invoice), "half")
    assert.are.equal(303, status, body)
    _, body = fetch(client:invoice_url(invoice))
    assert.are.equal("PENDING_INTERVENTION", field(body, "state"))
    assert.are.equal("UNDERPAY", field(body, "intervention"))
    assert.are.equal("0.0617283945061728395", field(body, "paid"))
    assert.is_nil(body:find('value="full"', 1, true)) -- no more buttons
    local made = {}
    for _, e in ipairs(assert(sb:events(mark))) do made[#made + 1] = triggers.label(e) end
    local listed = {}
    for i = 2, #triggers.all["invoice.underpaid"].events do -- the trigger's, less the create
      listed[#listed + 1] = triggers.all["invoice.underpaid"].events[i]
    end
    assert.are.same(listed, made)
  end)

  it("refuses what it cannot do, saying why, and knows no other link", function()
    local invoice = assert(client.invoice.create_single{ amount = "1", currency = "ETH", description = "x",
      returnUrl = "https://shop.example/orders/1" })
    assert.are.equal(303, (fetch(client:invoice_url(invoice), "full")))
    local status, body = fetch(client:invoice_url(invoice), "expire")
    assert.are.equal(409, status)
    assert.truthy(field(body, "message"):find("is COMPLETED", 1, true), body)
    assert.truthy(body:find('href="https://shop.example/orders/1"', 1, true)) -- back to the shop
    status = fetch(client:invoice_url(invoice), "steal")
    assert.are.equal(409, status)
    status = fetch(sb.base_url .. "/pay/invoice/00000000-0000-4000-8000-000000000000")
    assert.are.equal(404, status)
  end)
end)
