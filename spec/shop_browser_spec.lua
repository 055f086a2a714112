-- shop_browser_spec.lua: a buyer in a real headless Chromium.  The example
-- shop (examples/openresty, started by `scripts/shop start` as `make shop`
-- does) makes an invoice and redirects to calypso.invoice_url, which for a
-- sandbox client is the sandbox's pay page; the buyer pays there by
-- clicking (in full, half, twice, or lets it expire), goes back to the
-- shop, and sees the order the shop's webhook endpoint moved on.  The
-- browser trusts the sandbox's throwaway CA; TLS is verified throughout.
local browser = require "support.browser"
local sandbox = require "calypso.sandbox"
local shell = require "support.shell"
local socket = require "socket"

local function client_subscriptions(sb)
  local client = sb:client()
  local listed, err = client.subscription.list()
  client:close()
  if not listed then return nil, err end
  return listed.subscriptions
end

describe("a buyer in a browser", function()
  local dir, shop_url, sb, b

  setup(function()
    dir = select(2, shell.run("mktemp -d /tmp/calypso-shop.XXXXXX")):gsub("%s+$", "")
    local ok, out = shell.run("scripts/shop start " .. dir .. "/run 2>/dev/null")
    assert(ok, out)
    shop_url = out:match("shop_url=(%S+)")
    sb = assert(sandbox.attach(out:match("sandbox_dir=(%S+)")))
    b = browser.start{ trust = { sb.cafile } }
  end)

  teardown(function()
    if b then b:stop() end
    shell.run("scripts/shop stop " .. dir .. "/run")
    shell.run("rm -rf " .. dir)
  end)

  -- Reloads the page until css's text is want (the webhooks come after the
  -- click, and the shop works on them after answering): a readiness check.
  local function until_text(css, want)
    local stop_at, got = socket.gettime() + 20
    repeat
      b:go(b:url())
      got = b:text(css)
      if got == want then return got end
      socket.sleep(0.05)
    until socket.gettime() > stop_at
    return got
  end

  -- Buys, follows the redirect, and checks the pay page; returns its URL.
  local function buy()
    b:go(shop_url)
    assert.are.equal("Calypso example shop", b:title())
    b:click("#buy")
    local pay = b:url()
    assert.truthy(pay:find("^" .. (sb.base_url .. "/pay/invoice/"):gsub("%p", "%%%0") .. "%x+%-"), pay)
    assert.are.equal("10.5", b:text("#amount"))
    assert.are.equal("USDT_TRX", b:text("#currency"))
    assert.are.equal("PENDING_PAYMENT", b:text("#state"))
    assert.truthy(b:text("#address"):find("^0x%x+$"))
    return pay
  end

  it("pays in full on the sandbox's page, and the shop's webhook endpoint marks the order paid", function()
    local pay = buy()
    b:click("#full")
    assert.are.equal(pay, b:url()) -- 303 back to the page
    assert.are.equal("COMPLETED", b:text("#state"))
    b:click("#return")
    assert.truthy(b:url():find("^" .. shop_url:gsub("%p", "%%%0") .. "orders/%d+$"), b:url())
    assert.are.equal("paid", until_text("#state", "paid"))
    assert.truthy(b:text("#events"):find("INVOICE_PAID", 1, true), b:text("#events"))
    -- the shop's endpoint took every event the payment made, each answered 200
    local delivered = assert(sb:deliveries{ url = shop_url .. "webhooks/calypso" })
    local paid = 0
    for _, d in ipairs(delivered) do
      if d.eventType == "INVOICE_PAID" and d.state == "delivered" then paid = paid + 1 end
    end
    assert.is_true(paid >= 1)
  end)

  it("underpays by half to the digit, and the order waits for an intervention", function()
    buy()
    b:click("#half")
    assert.are.equal("PENDING_INTERVENTION", b:text("#state"))
    assert.are.equal("UNDERPAY", b:text("#intervention"))
    assert.are.equal("5.25", b:text("#paid"))
    b:click("#return")
    assert.are.equal("paid the wrong amount: waiting for an intervention",
      until_text("#state", "paid the wrong amount: waiting for an intervention"))
  end)

  it("overpays twice over", function()
    buy()
    b:click("#double")
    assert.are.equal("OVERPAY", b:text("#intervention"))
    assert.are.equal("21", b:text("#paid"))
  end)

  it("lets the invoice expire, and the order says so", function()
    buy()
    b:click("#expire")
    assert.are.equal("ARCHIVED", b:text("#state"))
    b:click("#return")
    assert.are.equal("expired", until_text("#state", "expired"))
  end)

  it("shows the balance the payments made", function()
    b:go(shop_url .. "balance")
    assert.truthy(b:text("#balances"):find("USDT_TRX", 1, true), b:text("#balances"))
  end)
end)

-- The session of issue 19's note: `calypso listen --forward-to` in front of
-- the shop's webhook endpoint, the shop verifying with the secretKey it
-- printed, while the browser pays.
describe("a buyer in a browser, the shop's webhooks through calypso listen --forward-to", function()
  local root = select(2, shell.run("pwd")):gsub("%s+$", "")
  local dir, sb, b

  setup(function()
    dir = select(2, shell.run("mktemp -d /tmp/calypso-shop.XXXXXX")):gsub("%s+$", "")
    sb = sandbox.start()
    b = browser.start{ trust = { sb.cafile } }
  end)

  teardown(function()
    if b then b:stop() end
    shell.run("env CALYPSO_SANDBOX_DIR=" .. sb.dir .. " scripts/shop stop " .. dir .. "/run")
    sb:stop()
    shell.run("rm -rf " .. dir)
  end)

  it("forwards each verified delivery to the shop, which takes it, while the buyer pays", function()
    local probe = assert(socket.bind("127.0.0.1", 0))
    local port = select(2, probe:getsockname())
    probe:close()
    local fw = shell.background(("cd /tmp && exec env -u CALYPSO_API_KEY CALYPSO_SANDBOX_DIR=%s"
      .. " %s/bin/calypso listen --forward-to http://127.0.0.1:%d/webhooks/calypso --count 6 --wait 30")
      :format(sb.dir, root, port))
    shell.until_true(function() return fw.text():find("listening on", 1, true) end, "the forwarder")
    local secret = fw.text():match("%(shown once%): (%x+)")
    local secret_file = dir .. "/whsec" -- the secretKey reaches the shop by a file, out of every argv
    local f = assert(io.open(secret_file, "w"))
    f:write(secret)
    f:close()
    local ok, out = shell.run(("CALYPSO_SANDBOX_DIR=%s CALYPSO_WEBHOOK_SECRET=$(cat %s) scripts/shop start"
      .. " %s/run --port %d 2>/dev/null"):format(sb.dir, secret_file, dir, port))
    assert(ok, out)
    assert.are.equal(1, #assert(client_subscriptions(sb))) -- the forwarder's only
    b:go(out:match("shop_url=(%S+)"))
    b:click("#buy")
    assert.are.equal("PENDING_PAYMENT", b:text("#state"))
    b:click("#full")
    assert.are.equal("COMPLETED", b:text("#state"))
    b:click("#return")
    shell.until_true(function()
      b:go(b:url())
      return b:text("#state") == "paid"
    end, "the order paid")
    assert.are.equal(0, fw.wait(), fw.text())
    local text = fw.text()
    local _, answered = text:gsub(": the app answered 200", "")
    assert.are.equal(6, answered, text)
    assert.truthy(text:find("\nINVOICE_PAID event %d+ for [^\n]*: the app answered 200"), text)
    assert.truthy(text:find("removed subscription", 1, true), text)
  end)
end)
