-- webhook_listen_spec.lua: `calypso webhook sign | verify | listen` keep the
-- secretKey out of the process list (--secret-env, --secret-file), and the
-- listener is a receiver a test can lean on: it refuses a replayed event,
-- and no sender can make it hold an unbounded head or wait on a slow
-- client (it then goes on to the next delivery).
local calypso = require "calypso"
local shell = require "support.shell"
local socket = require "socket"

describe("calypso webhook", function()
  local root = select(2, shell.run("pwd")):gsub("%s+$", "")
  local SECRET = "whsec-0123456789abcdef"
  local body, headers = calypso.webhook.delivery({ eventType = "INVOICE_PAID", service = "INVOICE",
    data = { amount = 1 }, requestId = "0b0e3b1c-1d2e-4f5a-8b6c-9d0e1f2a3b4c", id = 41 }, { secret = SECRET })

  local function cli(args, stdin)
    local input = os.tmpname()
    local f = assert(io.open(input, "wb"))
    f:write(stdin or "")
    f:close()
    local ok, out = shell.run("cd /tmp && env WHSEC=" .. SECRET .. " " .. root .. "/bin/calypso " .. args
      .. " <" .. input .. " 2>&1")
    os.remove(input)
    return ok, out
  end

  it("signs and verifies with the secret from an environment variable or a file", function()
    local file = os.tmpname()
    local f = assert(io.open(file, "wb"))
    f:write(SECRET, "\n")
    f:close()
    for _, source in ipairs{ "--secret-env WHSEC", "--secret-file " .. file } do
      local ok, out = cli("webhook sign " .. source, body)
      assert(ok, out)
      assert.are.equal(headers.Sign .. "\n", out)
      ok, out = cli("webhook verify " .. source .. " --sign " .. headers.Sign, body)
      assert(ok, out)
    end
    os.remove(file)
    local ok, out = cli("webhook sign --secret-env WHSEC --secret " .. SECRET, body)
    assert.is_false(ok)
    assert.truthy(out:find("give the secretKey once", 1, true), out)
  end)

  describe("listen", function()
    local port, listener, pid

    -- Starts the listener for count deliveries; returns once it listens.
    local function start(count, extra)
      local probe = assert(socket.bind("127.0.0.1", 0))
      port = select(2, probe:getsockname())
      probe:close()
      listener = assert(io.popen("cd /tmp && env WHSEC=" .. SECRET .. " sh -c 'echo $$; exec " .. root
        .. "/bin/calypso webhook listen --port " .. port .. " --secret-env WHSEC --count " .. count
        .. " --wait 20 " .. (extra or "") .. "' 2>&1"))
      pid = listener:read("*l")
      assert.truthy(listener:read("*l"):find("listening on", 1, true))
    end

    -- One delivery, as Calypso sends it; the status line answered.
    local function deliver(raw)
      local conn = assert(socket.connect("127.0.0.1", port))
      conn:send("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nSign: " .. headers.Sign
        .. "\r\nContent-Length: " .. #raw .. "\r\n\r\n" .. raw)
      local line = conn:receive("*l")
      conn:close()
      return line
    end

    it("keeps the secret out of its command line, and refuses a replayed event", function()
      start(2)
      local cmdline = assert(io.open("/proc/" .. pid .. "/cmdline", "rb")):read("*a")
      assert.truthy(cmdline:find("--secret-env", 1, true), cmdline)
      assert.is_nil(cmdline:find(SECRET, 1, true))
      assert.are.equal("HTTP/1.1 200 ok", deliver(body))
      assert.are.equal("HTTP/1.1 200 ok", deliver(body)) -- answered, so that the sender stops
      local printed = listener:read("*a")
      listener:close()
      assert.truthy(printed:find("verified INVOICE_PAID event 41", 1, true), printed)
      assert.truthy(printed:find("replayed: calypso.webhook.verify: event 41 was handled before", 1, true),
        printed)
    end)

    it("refuses a head larger than 64 KiB, and takes the next delivery", function()
      start(1)
      local conn = assert(socket.connect("127.0.0.1", port))
      conn:settimeout(10)
      conn:send("POST /hook HTTP/1.1\r\nX-Huge: ")
      local sent = 0
      for _ = 1, 64 do -- 1 MiB of one header line, unless the listener gives up first
        if not conn:send(("x"):rep(16384)) then break end
        sent = sent + 16384
      end
      local line = conn:receive("*l")
      conn:close()
      assert.are.equal("HTTP/1.1 400 bad request", line)
      assert.are.equal("HTTP/1.1 200 ok", deliver(body))
      local printed = listener:read("*a")
      listener:close()
      assert.truthy(printed:find("bad request: the head: more than 65536 bytes", 1, true), printed)
      assert.truthy(printed:find("verified INVOICE_PAID", 1, true), printed)
      assert.is_true(sent > 0)
    end)

    it("drops a sender slower than --client-timeout, and takes the next delivery", function()
      start(1, "--client-timeout 1")
      local slow = assert(socket.connect("127.0.0.1", port))
      slow:send("POST /hook HTTP/1.1\r\n")
      local dropped
      for _ = 1, 40 do -- a header line every 0.1 s, never the end of the head: 4 s at most
        socket.sleep(0.1)
        if not slow:send("X-Slow: 1\r\n") then dropped = true break end
        slow:settimeout(0)
        local _, err = slow:receive(1)
        if err == "closed" then dropped = true break end
      end
      slow:close()
      assert.is_true(dropped)
      assert.are.equal("HTTP/1.1 200 ok", deliver(body))
      local printed = listener:read("*a")
      listener:close()
      assert.truthy(printed:find("bad request: the head: too slow", 1, true), printed)
    end)
  end)
end)
