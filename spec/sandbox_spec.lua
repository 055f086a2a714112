-- sandbox_spec.lua: the sandbox as a user drives it, from outside this
-- repository: calypso.sandbox from Lua, `calypso sandbox` from the shell,
-- and a refusal to half-start when nginx is missing.
local shell = require "support.shell"

describe("the sandbox", function()
  local root = select(2, shell.run("pwd")):gsub("%s+$", "")
  local paths = ("LUA_PATH=%s/lua/?.lua\\;%s/lua/?/init.lua\\;\\; LUA_CPATH=%s/build/?.so\\;\\;"):format(
    root, root, root)

  -- Runs a Lua 5.4 chunk from /tmp with this tree's modules; returns ok, output.
  local function lua_in_tmp(chunk)
    return shell.run("cd /tmp && env " .. paths .. " lua5.4 -e " .. shell.quote(chunk) .. " 2>&1")
  end

  it("starts from Lua, serves a client, takes a simulated payment, and cleans up", function()
    local ok, out = lua_in_tmp([[
      local sandbox = require "calypso.sandbox"
      local sb = sandbox.start()
      local client = sb:client()
      local invoice = assert(client.invoice.create_single{ amount = "10.5", currency = "USDT_TRX",
        description = "sandbox" })
      local paid = assert(sb:pay_invoice(invoice.id, "10.5"))
      local got = assert(client.invoice.get{ id = invoice.id })
      print("states", invoice.state, paid.state, got.state)
      local _, refused = sb:pay_invoice("no-such-invoice", "1")
      print("refusal", refused.kind, refused.message)
      print("dir", sb.dir)
      sb:stop()
      sb:stop() -- idempotent
    ]])
    assert(ok, out)
    assert.truthy(out:find("states%sPENDING_PAYMENT%sCOMPLETED%sCOMPLETED"), out)
    assert.truthy(out:find("refusal%sapi%sno invoice no%-such%-invoice"), out)
    local dir = out:match("dir%s(%S+)")
    assert.truthy(dir:find("^/tmp/calypso%-sandbox%."), dir)
    assert.is_false((shell.run("test -e " .. dir)))
  end)

  it("stops when the sandbox object is collected", function()
    local ok, out = lua_in_tmp([[
      local sandbox = require "calypso.sandbox"
      local dir = sandbox.start().dir
      collectgarbage() collectgarbage()
      print("dir", dir)
    ]])
    assert(ok, out)
    local dir = out:match("dir%s(%S+)")
    assert.is_false((shell.run("test -e " .. dir)))
  end)

  it("runs from the shell: start --env, a call, a payment, status, stop", function()
    local home = os.tmpname()
    os.remove(home)
    local cli = "cd /tmp && env CALYPSO_SANDBOX_DIR=" .. home .. " " .. root .. "/bin/calypso "
    local ok, out = shell.run(cli .. "sandbox start --env")
    assert(ok, out)
    assert.truthy(out:find("export CALYPSO_BASE_URL='https://localhost:%d+'\n"), out)
    -- the CA a client trusts: a public copy, readable by an nginx worker of another user
    local cafile = out:match("export CALYPSO_CAFILE='(/tmp/calypso%-sandbox%-ca%.%w+)'")
    assert.truthy(cafile, out)
    assert.are.equal("644", select(2, shell.run("stat -c %a " .. cafile)):match("%d+"))
    assert.are.equal("700", select(2, shell.run("stat -c %a " .. home)):match("%d+"))
    local script = "eval \"$(" .. cli .. "sandbox start --env 2>/dev/null)\" && " .. cli
    ok, out = shell.run(script .. "customer create --email shell@example.com")
    assert(ok, out)
    assert.truthy(out:find('"email":"shell@example.com"', 1, true), out)
    ok, out = shell.run(script .. "invoice create-single --amount 7 --currency USDT_TRX --description s")
    assert(ok, out)
    local id = out:match('"id":"([^"]+)"')
    ok, out = shell.run(cli .. "sandbox pay " .. id .. " 7 --mempool")
    assert(ok, out)
    assert.truthy(out:find('"state":"MEM_POOL_FOUND"', 1, true), out)
    ok, out = shell.run(cli .. "sandbox pay " .. id) -- no amount: the held payment confirms
    assert(ok, out)
    assert.truthy(out:find('"state":"COMPLETED"', 1, true), out)
    ok, out = shell.run(cli .. "sandbox status")
    assert(ok, out)
    local running = "running in " .. home .. " at https://localhost:%d+: %d+ requests, 1 customers,"
      .. " 1 invoices"
    assert.truthy(out:find(running), out)
    ok, out = shell.run(cli .. "sandbox stop")
    assert(ok, out)
    assert.is_false((shell.run("test -e " .. home)))
    assert.is_false((shell.run("test -e " .. cafile))) -- the public copy goes too
    local _, status = shell.run(cli .. "sandbox status; echo status=$?")
    assert.truthy(status:find("this project's sandbox is not running", 1, true), status)
    assert.truthy(status:find("status=8", 1, true), status)
  end)

  -- Two projects (folders) of one user, each with a sandbox of its own.
  it("keeps one sandbox per project: status lists both, stop stops only its own", function()
    local base = select(2, shell.run("mktemp -d")):gsub("%s+$", "")
    assert(shell.run("mkdir " .. base .. "/home " .. base .. "/shop " .. base .. "/game"))
    local function cli(project)
      return "cd " .. base .. "/" .. project .. " && env -u XDG_RUNTIME_DIR -u CALYPSO_SANDBOX_DIR HOME="
        .. base .. "/home " .. root .. "/bin/calypso "
    end
    local ok, shop = shell.run(cli("shop") .. "sandbox start --env")
    assert(ok, shop)
    local game
    ok, game = shell.run(cli("game") .. "sandbox start --env")
    assert(ok, game)
    local shop_url = shop:match("CALYPSO_BASE_URL='([^']+)'")
    local game_url = game:match("CALYPSO_BASE_URL='([^']+)'")
    assert.are_not.equal(shop_url, game_url)
    local out
    ok, out = shell.run(cli("shop") .. "sandbox status")
    assert(ok, out)
    local mine = out:match("^running in (%S+) at " .. shop_url:gsub("%p", "%%%0") .. ":")
    assert.truthy(mine and mine:find(base .. "/home/.cache/calypso-sandboxes/shop-", 1, true), out)
    assert.truthy(out:find(": running at " .. game_url, 1, true), out)
    assert.truthy(out:match("\n  (game%-%x+): running"), out)
    assert(shell.run(cli("shop") .. "sandbox stop"))
    local _
    _, out = shell.run(cli("shop") .. "sandbox status; echo status=$?")
    assert.truthy(out:find("status=8", 1, true), out)
    ok, out = shell.run(cli("game") .. "sandbox status")
    assert(ok, out) -- the other project's runs on
    -- One --name from two folders is one sandbox.
    ok, out = shell.run(cli("shop") .. "sandbox --name shared start --env")
    assert(ok, out)
    local shared = out:match("CALYPSO_BASE_URL='([^']+)'")
    ok, out = shell.run(cli("game") .. "sandbox --name shared start --env")
    assert(ok, out)
    assert.are.equal(shared, out:match("CALYPSO_BASE_URL='([^']+)'"))
    assert(shell.run(cli("game") .. "sandbox --name shared stop"))
    assert(shell.run(cli("game") .. "sandbox stop"))
    assert(shell.run("rm -rf " .. base))
  end)

  it("refuses a second sandbox in a folder where one runs, and the first's stop stops it", function()
    local ok, out = lua_in_tmp([[
      local sandbox = require "calypso.sandbox"
      local dir = os.tmpname()
      os.remove(dir)
      local first = sandbox.start{ dir = dir }
      local started, err = pcall(sandbox.start, { dir = dir })
      print("second", tostring(started), err)
      first:stop()
      local socket = require "socket"
      print("after", socket.connect("127.0.0.1", first.port) and "answering" or "gone",
        io.open(dir) and "kept" or "removed")
    ]])
    assert(ok, out)
    assert.truthy(out:find("second%sfalse%s[^\n]*a sandbox is already running in"), out)
    assert.truthy(out:find("after%sgone%sremoved"), out) -- no nginx left behind
  end)

  it("decides what it made on the resolved folder: not-yet/../victim is victim", function()
    local base = select(2, shell.run("mktemp -d")):gsub("%s+$", "")
    assert(shell.run("mkdir " .. base .. "/victim && echo keep > " .. base .. "/victim/notes.txt"))
    local cli = "cd /tmp && env CALYPSO_SANDBOX_DIR=" .. base .. "/not-yet/../victim " .. root
      .. "/bin/calypso "
    local _, out = shell.run(cli .. "sandbox start; echo status=$?")
    assert.truthy(out:find(base .. "/victim exists and is not a sandbox folder", 1, true), out)
    assert.truthy(out:find("status=8", 1, true), out)
    assert(shell.run("test -f " .. base .. "/victim/notes.txt"))
    assert.is_false((shell.run("test -e " .. base .. "/not-yet")))
    _, out = shell.run(cli .. "sandbox stop; echo status=$?")
    assert.truthy(out:find("status=8", 1, true), out)
    assert(shell.run("test -f " .. base .. "/victim/notes.txt"))
    assert(shell.run("rm -rf " .. base))
  end)

  it("names the Debian packages it lacks, and starts nothing", function()
    local dir = os.tmpname()
    os.remove(dir)
    local ok, out = shell.run("env PATH=/bin " .. root .. "/emulator/bin/emulator start " .. dir .. " 2>&1")
    assert.is_false(ok)
    assert.truthy(out:find("the emulator needs these Debian packages: apt-get install nginx", 1, true), out)
    assert.is_false((shell.run("test -e " .. dir .. "/nginx.pid")))
    shell.run("rm -rf " .. dir)
  end)

  -- The session the README shows: start the sandbox, subscribe a listener,
  -- create a customer with the command, trigger a deposit, and the listener
  -- prints each verified webhook.
  it("delivers a triggered deposit's webhooks to `calypso webhook listen`", function()
    local home = os.tmpname()
    os.remove(home)
    local cli = "cd /tmp && env CALYPSO_SANDBOX_DIR=" .. home .. " " .. root .. "/bin/calypso "
    local env = "eval \"$(" .. cli .. "sandbox start --env 2>/dev/null)\" && " .. cli
    assert(shell.run(cli .. "sandbox start"))
    local probe = require("socket").bind("127.0.0.1", 0) -- a free port for the listener
    local port = select(2, probe:getsockname())
    probe:close()
    local ok, out = shell.run(env .. "subscription create --url http://127.0.0.1:" .. port .. "/hook")
    assert(ok, out)
    local secret = out:match('"secretKey":"(%x+)"')
    local listener = assert(io.popen(cli .. "webhook listen --port " .. port .. " --secret " .. secret
      .. " --count 4 --wait 20 2>&1"))
    assert(listener:read("*l"):find("listening on http://127.0.0.1:" .. port, 1, true))
    assert(shell.run(cli .. "sandbox time-scale 0.01"))
    ok, out = shell.run(env .. "customer create --email ada@example.com")
    assert(ok, out)
    ok, out = shell.run(cli .. "sandbox deposit " .. out:match('"id":"([^"]+)"') .. " USDT_TRX 12.5")
    assert(ok, out)
    assert.truthy(out:find('"transactionState":"CONFIRMED"', 1, true), out)
    local printed = listener:read("*a")
    listener:close()
    local events = {}
    for event_type in printed:gmatch("verified (%u[%u_]+) event") do events[#events + 1] = event_type end
    assert.are.same({ "CUSTOMER_PURSE_MEM_POOL_FOUND", "CUSTOMER_PURSE_PENDING_COMPLIANCE",
      "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE", "CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED" },
      events, printed)
    ok, out = shell.run(cli .. "sandbox deliveries")
    assert(ok, out)
    local _, delivered = out:gsub('"state":"delivered"', "")
    assert.are.equal(4, delivered, out)
    ok, out = shell.run(cli .. "sandbox trigger payout.completed")
    assert(ok, out)
    assert.truthy(out:find('"state":"COMPLETED"', 1, true), out)
    assert(shell.run(cli .. "sandbox stop"))
  end)

  it("never takes over a folder that is not its own, and restarts after its nginx died", function()
    local home = os.tmpname()
    os.remove(home)
    assert(shell.run("mkdir " .. home .. " && echo keep > " .. home .. "/notes.txt"))
    local cli = "cd /tmp && env CALYPSO_SANDBOX_DIR=" .. home .. " " .. root .. "/bin/calypso "
    local _, out = shell.run(cli .. "sandbox start; echo status=$?")
    assert.truthy(out:find("exists and is not a sandbox folder", 1, true), out)
    assert.truthy(out:find("status=8", 1, true), out)
    assert(shell.run("test -f " .. home .. "/notes.txt"))
    assert(shell.run("rm -rf " .. home))
    local ok
    ok, out = shell.run(cli .. "sandbox start --env")
    assert(ok, out)
    local first = out:match("CALYPSO_BASE_URL='([^']+)'")
    local first_ca = out:match("CALYPSO_CAFILE='([^']+)'")
    -- nginx gone, its pid file left behind with a pid no process has
    assert(shell.run("nginx -p " .. home .. " -c " .. home .. "/nginx.conf -s stop"))
    for _ = 1, 100 do
      if not shell.run("test -e " .. home .. "/nginx.pid") then break end
      shell.run("sleep 0.05")
    end
    assert(shell.run("echo 4194303 > " .. home .. "/nginx.pid"))
    _, out = shell.run(cli .. "sandbox status; echo status=$?")
    assert.truthy(out:find("is not running", 1, true), out)
    ok, out = shell.run(cli .. "sandbox start --env")
    assert(ok, out)
    assert.is_string(out:match("CALYPSO_BASE_URL='([^']+)'"), out)
    assert.is_false((shell.run("test -e " .. first_ca))) -- the dead one's public CA does not linger
    assert(shell.run(cli .. "sandbox status"))
    assert(shell.run(cli .. "sandbox stop"))
    assert.is_false((shell.run("test -e " .. home)))
    assert.is_string(first)
  end)

  it("waits for a delivery by type and match, and filters the deliveries", function()
    local ok, out = lua_in_tmp([[
      local sb = require("calypso.sandbox").start()
      local client = sb:client()
      assert(client.subscription.create{ url = "http://127.0.0.1:9/closed" })
      local a = assert(client.invoice.create_single{ amount = "10", currency = "ETH", description = "a" })
      local b = assert(client.invoice.create_single{ amount = "10", currency = "ETH", description = "b" })
      assert(sb:pay_invoice(b.id, "10"))
      local paid = assert(sb:wait_for("INVOICE_PAID", { idempotencyKey = b.idempotencyKey }))
      print("paid", paid.data.idempotencyKey == b.idempotencyKey, paid.delivery.eventType)
      local none, err = sb:wait_for("INVOICE_PAID", { idempotencyKey = a.idempotencyKey }, 0.3)
      print("none", tostring(none), err.kind)
      local again = sb:wait_for("INVOICE_PAID", 0.3) -- b's was returned already
      print("again", tostring(again))
      print("created", #assert(sb:deliveries{ eventType = "INVOICE_CREATE_INVOICE" }))
      local of_a = function(e) return e.data.idempotencyKey == a.idempotencyKey end
      print("of a", #assert(sb:deliveries{ match = of_a }))
      print("by data", #assert(sb:deliveries{ match = { description = "b" } }))
      sb:stop()
    ]])
    assert(ok, out)
    assert.truthy(out:find("paid%strue%sINVOICE_PAID"), out)
    assert.truthy(out:find("none%snil%stimeout"), out)
    assert.truthy(out:find("again%snil"), out)
    assert.truthy(out:find("created%s2"), out)
    assert.truthy(out:find("of a%s1\n"), out) -- its creation only: a was never paid
    assert.truthy(out:find("by data%s6\n"), out) -- b's creation and the five steps of its payment
  end)

  it("credits a deposit, refuses amounts JSON cannot carry, and expires invoices on time", function()
    local ok, out = lua_in_tmp([[
      local sb = require("calypso.sandbox").start()
      local client = sb:client()
      local customer = assert(client.customer.create{})
      assert(sb:deposit(customer.id, "USDT_TRX", "12.5"))
      local account = assert(client.account.get())
      print("balances", require("cjson").encode(account.balances))
      local _, bad = sb:deposit(customer.id, "USDT_TRX", ".5")
      print("refused", bad.message)
      assert(client.subscription.create{ url = "http://127.0.0.1:1/nobody" })
      local soon = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 2)
      assert(client.invoice.create_single{ amount = "1", currency = "ETH", description = "soon",
        expiration = soon })
      local seen
      local core = require("calypso.core")
      local give_up = core.monotonic() + 15 -- a deadline, not a count: under ASan a poll is slow
      repeat -- nothing reads the invoice: the expiry goes out by itself
        for _, d in ipairs(assert(sb:deliveries())) do
          if d.eventType == "INVOICE_EXPIRED" then seen = true end
        end
        if not seen then core.sleep(0.05) end
      until seen or core.monotonic() > give_up
      print("expired", tostring(seen))
      sb:stop()
    ]])
    assert(ok, out)
    assert.truthy(out:find('"currency":"USDT_TRX"', 1, true), out)
    assert.truthy(out:find("12.5", 1, true), out)
    assert.truthy(out:find("refused%samount must be a positive plain decimal"), out)
    assert.truthy(out:find("expired%strue"), out)
  end)
end)

