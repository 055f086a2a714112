-- listen_forward_spec.lua: `calypso listen --forward-to URL` against a
-- sandbox, with `calypso webhook listen` as the app: it subscribes itself,
-- prints the secretKey once, forwards each verified delivery's exact bytes
-- with Key and Sign (the app verifies them), answers the sender as the app
-- did (a failing app is retried), forwards replays marked as such, never
-- a forged delivery, keeps to --events, verifies an https app's
-- certificate and name, and removes its subscription when it exits, on
-- Ctrl-C too.
local sandbox = require "calypso.sandbox"
local shell = require "support.shell"
local socket = require "socket"

describe("calypso listen --forward-to", function()
  local root = select(2, shell.run("pwd")):gsub("%s+$", "")
  local sb, client

  setup(function()
    sb = sandbox.start()
    client = sb:client()
  end)

  teardown(function()
    client:close()
    sb:stop()
  end)

  before_each(function()
    assert(sb:control("reset", {}))
    assert(sb:time_scale(0.01))
  end)

  -- A port the app can bind later: one below Linux's ephemeral range
  -- (32768-60999), free now.  A port bind(0) handed out and the probe closed
  -- could meanwhile go to any socket's bind(0) or connect(), the
  -- forwarder's own included, and the app would fail to listen.
  local function free_port()
    for _ = 1, 50 do
      local port = 20000 + math.random(0, 12000)
      local probe = socket.bind("127.0.0.1", port)
      if probe then
        probe:close()
        return port
      end
    end
    error("no free port below the ephemeral range")
  end

  local until_true = shell.until_true

  -- Waits until a background command (shell.background's handle) says it
  -- is listening; fails at once, with its output, if it exits before.
  local function until_listening(handle, what)
    until_true(function()
      local text = handle.text()
      if text:find("exit:%d+") then error(what .. " exited before it listened:\n" .. text, 0) end
      return text:find("listening on", 1, true)
    end, what)
  end

  -- A calypso command in the background with the sandbox's folder: its
  -- handle (shell.background's).
  local function background(args, env)
    return shell.background(("cd /tmp && exec env -u CALYPSO_API_KEY CALYPSO_SANDBOX_DIR=%s %s %s/bin/calypso"
      .. " %s"):format(sb.dir, env or "", root, args))
  end

  -- A forwarder to an app on app_port, ready: its handle and the secretKey it printed.
  local function forwarder(app_port, extra)
    local fw = background("listen --forward-to http://127.0.0.1:" .. app_port .. "/hook --wait 20 "
      .. (extra or ""))
    until_listening(fw, "the forwarder")
    return fw, fw.text():match("%(shown once%): (%x+)")
  end

  -- The app: `calypso webhook listen` with that secretKey, ready.
  local function app(port, secret, extra)
    local a = background("webhook listen --port " .. port .. " --secret-env WHSEC --wait 20 "
      .. (extra or ""), "WHSEC=" .. secret)
    until_listening(a, "the app")
    return a
  end

  local function subscriptions() return assert(client.subscription.list()).subscriptions end

  it("forwards each delivery's exact bytes with Key and Sign, says what the app answered, and cleans up",
    function()
      local port = free_port()
      local fw, secret = forwarder(port, "--count 2")
      assert.truthy(secret, fw.text())
      local subs = subscriptions()
      assert.are.equal(1, #subs)
      assert.are.equal(secret, subs[1].secretKey)
      assert.truthy(fw.text():find("subscription " .. subs[1].requestId .. " (made): " .. subs[1].url, 1,
        true))
      local a = app(port, secret, "--count 2 --body")
      assert(sb:trigger("invoice.expired"))
      assert.are.equal(0, fw.wait(), fw.text())
      assert.are.equal(0, a.wait(), a.text())
      local text = fw.text()
      assert.truthy(text:find("\nINVOICE_CREATE_INVOICE event 1 for " .. subs[1].requestId:gsub("%-", "%%-")
        .. ": the app answered 200 %(%d+%.%d ms%): ok\n"), text)
      assert.truthy(text:find("\nINVOICE_EXPIRED event 2 for [^\n]*: the app answered 200"), text)
      assert.truthy(text:find("removed subscription " .. subs[1].requestId, 1, true), text)
      -- the app verified the Sign with the secretKey, over the bytes the sandbox sent
      assert.truthy(a.text():find("verified INVOICE_CREATE_INVOICE event 1", 1, true), a.text())
      assert.truthy(a.text():find("verified INVOICE_EXPIRED event 2", 1, true), a.text())
      local sent = assert(sb:deliveries())
      assert.truthy(a.text():find(sent[1].body, 1, true))
      assert.truthy(a.text():find(sent[2].body, 1, true))
      assert.are.same({}, subscriptions())
    end)

  it("answers the sender as the app did, so a failing app gets the retry", function()
    local port = free_port()
    local fw, secret = forwarder(port, "--count 2")
    local a = app(port, secret, "--count 2 --fail-first 1")
    assert(sb:emit("INVOICE", "INVOICE_EXPIRED", { message = "x" }))
    assert.are.equal(0, fw.wait(), fw.text())
    a.wait()
    local text = fw.text()
    assert.truthy(text:find("INVOICE_EXPIRED event 1 for [^\n]*: the app answered 500[^\n]*\n"
      .. "INVOICE_EXPIRED event 1 for [^\n]*: the app answered 200"), text)
    local statuses = {}
    for _, attempt in ipairs(assert(sb:deliveries())[1].attempts) do
      statuses[#statuses + 1] = attempt.status
    end
    assert.are.same({ 500, 200 }, statuses)
  end)

  it("forwards a replay marked as one, and never a delivery whose Sign is wrong", function()
    local port = free_port()
    local fw, secret = forwarder(port, "--count 3")
    local a = app(port, secret, "--count 2")
    assert(sb:emit("INVOICE", "INVOICE_EXPIRED", { message = "x" }))
    until_true(function() return fw.text():find("event 1 for", 1, true) end, "the first delivery")
    assert(sb:redeliver(1))
    until_true(function() return fw.text():find("replayed INVOICE_EXPIRED event 1", 1, true) end,
      "the replay")
    -- a forgery straight to the forwarder
    local body = assert(sb:deliveries())[1].body
    local sent_to = assert(subscriptions()[1].url):match("^http://127%.0%.0%.1:(%d+)/")
    local conn = assert(socket.connect("127.0.0.1", tonumber(sent_to)))
    conn:send(("POST / HTTP/1.1\r\nHost: x\r\nKey: k\r\nSign: %s\r\nContent-Length: %d\r\n\r\n%s"):format(
      ("0"):rep(128), #body, body))
    local status_line = conn:receive("*l")
    conn:close()
    assert.truthy(status_line:find("^HTTP/1.1 401"), status_line)
    assert.are.equal(0, fw.wait(), fw.text())
    assert.are.equal(0, a.wait(), a.text())
    assert.truthy(fw.text():find("refused: ", 1, true), fw.text())
    -- the delivery and its replay (which the app knows for one), not the forgery
    local _, verified = a.text():gsub("\nverified INVOICE_EXPIRED event 1 for", "")
    local _, replayed = a.text():gsub("\nreplayed: [^\n]*event 1 was handled before", "")
    assert.are.same({ 1, 1 }, { verified, replayed }, a.text())
    assert.is_nil(a.text():find("refused", 1, true))
  end)

  it("keeps to --events", function()
    local port = free_port()
    local fw, secret = forwarder(port, "--count 1 --events INVOICE_EXPIRED")
    local a = app(port, secret, "--count 1")
    assert.are.same({ "INVOICE_EXPIRED" }, subscriptions()[1].notificationEventTypes)
    assert(sb:trigger("invoice.expired"))
    assert.are.equal(0, fw.wait(), fw.text())
    a.wait()
    assert.truthy(fw.text():find("\nINVOICE_EXPIRED event", 1, true), fw.text())
    assert.is_nil(fw.text():find("INVOICE_CREATE_INVOICE", 1, true))
  end)

  it("removes its subscription on Ctrl-C", function()
    local fw = forwarder(free_port())
    assert.are.equal(1, #subscriptions())
    assert(os.execute("kill -INT " .. fw.pid))
    assert.are.equal(130, fw.wait(), fw.text())
    assert.truthy(fw.text():find("removed subscription", 1, true), fw.text())
    assert.are.same({}, subscriptions())
  end)

  it("reuses a subscription made for the same URL, with its secretKey", function()
    local port, app_port = free_port(), free_port()
    local made = assert(client.subscription.create{ url = "http://127.0.0.1:" .. port .. "/" })
    local fw = background("listen --forward-to http://127.0.0.1:" .. app_port .. "/ --port " .. port
      .. " --wait 0.5")
    assert.are.equal(1, fw.wait(), fw.text()) -- no delivery within --wait
    assert.truthy(fw.text():find("subscription " .. made.requestId .. " (reused)", 1, true), fw.text())
    assert.truthy(fw.text():find("(shown once): " .. made.secretKey, 1, true), fw.text())
    assert.are.same({}, subscriptions())
  end)

  it("verifies an https app's certificate and name", function()
    local function forward_once(url, cafile)
      assert(sb:control("reset", {}))
      local fw = background("listen --count 1 --wait 20 " .. (cafile and "--cafile " .. cafile .. " " or "")
        .. "--forward-to " .. url)
      until_listening(fw, "the forwarder")
      assert(sb:emit("INVOICE", "INVOICE_EXPIRED", { message = "x" }))
      assert.are.equal(0, fw.wait(), fw.text())
      return fw.text()
    end
    -- the app: the sandbox's own https control route, which answers any POST
    local https_port = sb.base_url:match(":(%d+)$")
    local to = "https://localhost:" .. https_port .. "/__emulator/health"
    local text = forward_once(to, sb.cafile)
    assert.truthy(text:find("the app answered 200", 1, true), text)
    text = forward_once(to) -- the system's CAs do not know the sandbox's
    assert.truthy(text:find("the app was not reached: [^\n]*certificate"), text)
    -- the sandbox's port + 1 serves a certificate of the same CA for wrong.invalid
    text = forward_once("https://localhost:" .. (https_port + 1) .. "/", sb.cafile)
    assert.truthy(text:find("the app was not reached: [^\n]*subject name"), text)
  end)

  it("refuses a URL that is not http(s), making nothing", function()
    local fw = background("listen --forward-to ftp://127.0.0.1/hook")
    assert.are.equal(2, fw.wait())
    assert.truthy(fw.text():find("--forward-to takes an http:// or https:// URL", 1, true), fw.text())
    assert.are.same({}, subscriptions())
  end)
end)
