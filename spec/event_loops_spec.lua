-- event_loops_spec.lua: calypso inside an event loop (loop = "cqueues",
-- "luv", "tarantool", or an adapter table; lua/calypso/loop.lua).  Twenty
-- creates from twenty coroutines (fibers) against twenty 200 ms stalls end
-- together, in well under the 4 s they take one after another, with twenty
-- distinct and correct customers, while a 10 ms timer of the same loop
-- never waits more than 50 ms, the first connections and handshakes
-- included.  A call made where the loop cannot wait raises at the caller's
-- line; a retry waits with the adapter's sleep.  The retry, deadline,
-- hook and exactly-once specs run on these loops too (support/transports.lua).
local calypso = require "calypso"
local core = require "calypso.core"
local emulator = require "support.emulator"
local shell = require "support.shell"
local transports = require "support.transports"

local TWENTY, STALL = 20, 0.2

-- The twenty creates and the ticking timer, in one loop in this process.
local function twenty_in(kind, client)
  local results, left, max_gap, ticks = {}, TWENTY, 0, 0
  local last = core.monotonic()
  local function tick()
    local now = core.monotonic()
    max_gap, last, ticks = math.max(max_gap, now - last), now, ticks + 1
  end
  local function create(i)
    return function()
      local customer, err = client.customer.create{ email = "c" .. i .. "@example.com" }
      results[i] = customer or { error = tostring(err) }
      left = left - 1
    end
  end
  local began = core.monotonic()
  if kind == "cqueues" then
    local cqueues = require "cqueues"
    local cq = cqueues.new()
    cq:wrap(function()
      while left > 0 do
        cqueues.sleep(0.01)
        tick()
      end
    end)
    for i = 1, TWENTY do cq:wrap(create(i)) end
    assert(cq:loop())
  else
    local uv = require "luv"
    local timer = uv.new_timer()
    timer:start(10, 10, function()
      tick()
      if left == 0 then timer:close() end
    end)
    for i = 1, TWENTY do coroutine.wrap(create(i))() end
    uv.run()
  end
  return { elapsed = core.monotonic() - began, max_gap = max_gap, ticks = ticks, results = results }
end


describe("calypso in an event loop", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)
  before_each(function() emu:reset() end)

  for _, kind in ipairs({ "cqueues", "luv", "tarantool" }) do
    -- #timing: left out under valgrind and ASan, which slow every step
    it(kind .. ": twenty creates at once end together, and the loop's timer keeps ticking #timing", function()
      emu:fault{ mode = "stall", seconds = STALL, count = TWENTY }
      local run
      if kind == "tarantool" then
        run = transports.tarantool({ options = emu:options() }, "twenty")
      else
        local client = emu:client{ loop = kind }
        run = twenty_in(kind, client)
        client:close()
      end
      local ids = {}
      for i = 1, TWENTY do
        local customer = run.results[i]
        assert.is_nil(customer.error, customer.error)
        assert.are.equal("c" .. i .. "@example.com", customer.email)
        assert.is_nil(ids[customer.id], "two fibers got customer " .. tostring(customer.id))
        ids[customer.id] = true
      end
      assert.are.equal(TWENTY, emu:stats().created)
      -- one after another they take 20 x 0.2 = 4 s
      assert.is_true(run.elapsed < 1.5 / 2, ("twenty creates took %.3f s"):format(run.elapsed))
      assert.is_true(run.elapsed >= STALL, ("%.3f s is less than one stall"):format(run.elapsed))
      assert.is_true(run.ticks >= 10, "the timer ticked " .. run.ticks .. " times")
      assert.is_true(run.max_gap <= 0.05, ("the timer waited %.0f ms"):format(run.max_gap * 1000))
    end)
  end

  for _, kind in ipairs({ "cqueues", "luv", "tarantool" }) do
    it("runs examples/loops/" .. kind .. ".lua: three customers at once", function()
      local env = "CALYPSO_API_KEY=" .. shell.quote(emulator.key) .. " CALYPSO_API_SECRET="
        .. shell.quote(emulator.secret) .. " CALYPSO_ACCOUNT=" .. shell.quote(emulator.account)
        .. " CALYPSO_BASE_URL=" .. shell.quote(emu.base_url) .. " CALYPSO_CAFILE=" .. shell.quote(emu.cafile)
      local runtime = kind == "tarantool" and "LUA_CPATH='build/luajit/?.so;;' tarantool"
        or "LUA_CPATH='build/?.so;;' lua5.4"
      local ok, out = shell.run("env " .. env .. " LUA_PATH='lua/?.lua;lua/?/init.lua;;' " .. runtime
        .. " examples/loops/" .. kind .. ".lua")
      assert.is_true(ok, out)
      for i = 1, 3 do
        assert.truthy(out:find("created %x+%-[%x-]+ loop" .. i .. "@example%.com\n"), out)
      end
      assert.are.equal(3, emu:stats().created)
      assert.is_nil(out:find(emulator.secret, 1, true))
    end)
  end

  for kind, advice in pairs({ cqueues = "cq:wrap", luv = "inside a coroutine" }) do
    it(kind .. ": a call where the loop cannot wait raises at the caller's line, sends nothing", function()
      local client = emu:client{ loop = kind }
      local line = debug.getinfo(1, "l").currentline + 2
      local ok, problem = pcall(function()
        local r = client.customer.create{ email = "a@example.com" } return r end)
      assert.is_false(ok)
      assert.truthy(problem:find("event_loops_spec.lua:" .. line .. ": calypso: this call cannot wait here",
        1, true), problem)
      assert.truthy(problem:find(advice, 1, true), problem)
      line = debug.getinfo(1, "l").currentline + 1
      ok, problem = pcall(function() local r = client:call("/api/v1/customer/create", {}) return r end)
      assert.is_false(ok)
      assert.truthy(problem:find("event_loops_spec.lua:" .. line .. ":", 1, true), problem)
      assert.are.equal(0, emu:stats().received)
      client:close()
    end)
  end

  it("takes an adapter table: every wait and every retry's sleep go through it", function()
    local cqueues = require "cqueues"
    local cqueues_adapter = require "calypso.loops.cqueues"
    local waits, sleeps = 0, {}
    local adapter = {
      wait = function(fd, mode, seconds)
        waits = waits + 1
        return cqueues_adapter.wait(fd, mode, seconds)
      end,
      sleep = function(seconds)
        sleeps[#sleeps + 1] = seconds
        cqueues.sleep(seconds)
      end,
      now = cqueues.monotime,
    }
    local client = emu:client{ loop = adapter, max_retries = 1 }
    emu:fault{ mode = "status", status = 503, retry_after = 1 }
    local customer, err
    local cq = cqueues.new()
    cq:wrap(function()
      customer, err = client.customer.update{ id = "0b6f1c1e-2d4b-4a79-880f-1e2d3c4b5a69", description = "d" }
    end)
    assert(cq:loop())
    client:close()
    assert.is_nil(customer)
    assert.are.equal("api", err.kind) -- no such customer: the emulator's own error, after the 503
    assert.are.equal(2, err.attempts)
    assert.is_true(waits > 0)
    assert.are.same({ 1 }, sleeps) -- Retry-After: 1, waited in the loop
  end)

  it("does not let calls whose coroutines died mid-handshake hold the handshake places", function()
    local cqueues = require "cqueues"
    local cqueues_adapter = require "calypso.loops.cqueues"
    local doomed, sleeps = 4, 0
    local adapter = {
      wait = function(fd, mode, seconds)
        if doomed > 0 then -- the loop drops this coroutine here, mid-connect
          doomed = doomed - 1
          error("the loop is shutting this coroutine down", 0)
        end
        return cqueues_adapter.wait(fd, mode, seconds)
      end,
      sleep = function(seconds)
        sleeps = sleeps + 1
        if sleeps > 2000 then error("starved: every handshake place is still held", 0) end
        cqueues.sleep(seconds)
      end,
      now = cqueues.monotime,
    }
    local client = emu:client{ loop = adapter, connect_timeout = 0.2, max_retries = 0 }
    local cq = cqueues.new()
    for i = 1, 4 do cq:wrap(function() client.customer.create{ email = "d" .. i .. "@example.com" } end) end
    for _ = 1, 4 do cq:loop() end -- each dropped coroutine ends one loop with its error
    local customer, err
    cq:wrap(function() customer, err = client.customer.create{ email = "after@example.com" } end)
    assert(cq:loop())
    client:close()
    assert.is_nil(err, tostring(err))
    assert.are.equal("after@example.com", customer.email)
  end)

  it("keeps at most max_connections idle connections after a burst of calls", function()
    local cqueues = require "cqueues"
    -- this process's TCP sockets to the emulator's port, from /proc/net/tcp and /proc/self/fd
    local function connections_to(port)
      local inodes, n = {}, 0
      for line in io.lines("/proc/net/tcp") do
        local f = {}
        for field in line:gmatch("%S+") do f[#f + 1] = field end
        local remote = f[3] and f[3]:match(":(%x+)$")
        if remote and tonumber(remote, 16) == port and f[4] == "01" then inodes[f[10]] = true end
      end
      local stat = assert(io.open("/proc/self/stat"))
      local pid = stat:read("*l"):match("^%d+")
      stat:close()
      local pipe = assert(io.popen("ls -l /proc/" .. pid .. "/fd/"))
      for inode in pipe:read("*a"):gmatch("socket:%[(%d+)%]") do
        if inodes[inode] then n, inodes[inode] = n + 1, nil end
      end
      pipe:close()
      return n
    end
    local port = tonumber(emu.base_url:match(":(%d+)$"))
    -- Clients of earlier tests that nobody holds close their connections when
    -- collected (LuaJIT's collector may not have yet): collect them now, and
    -- count from what is left.
    collectgarbage()
    collectgarbage()
    local before = connections_to(port)
    local client = emu:client{ loop = "cqueues", max_connections = 2 }
    emu:fault{ mode = "stall", seconds = 0.1, count = 6 } -- six at once, so six lanes
    local cq, made = cqueues.new(), 0
    for i = 1, 6 do
      cq:wrap(function()
        if client.customer.create{ email = "k" .. i .. "@example.com" } then made = made + 1 end
      end)
    end
    assert(cq:loop())
    assert.are.equal(6, made)
    assert.are.equal(before + 2, connections_to(port))
    client:close()
    assert.are.equal(before, connections_to(port))
  end)

  it("refuses an adapter without wait, sleep and now, and an unknown loop name", function()
    local ok, problem = pcall(calypso.new, emu:options{ loop = { wait = print, sleep = print } })
    assert.is_false(ok)
    assert.truthy(problem:find("option 'loop' must be an adapter: a table with the functions wait, sleep"
      .. " and now (missing now)", 1, true), problem)
    ok, problem = pcall(calypso.new, emu:options{ loop = "libev" })
    assert.is_false(ok)
    assert.truthy(problem:find("option 'loop' must be \"cqueues\", \"luv\", \"tarantool\" or an adapter",
      1, true), problem)
    ok, problem = pcall(calypso.new, emu:options{ loop = 7 })
    assert.is_false(ok)
    assert.truthy(problem:find("option 'loop' must be a string or table, got number", 1, true), problem)
  end)

  it("closing the client closes its lanes: a call after it raises, in the loop too", function()
    local cqueues = require "cqueues"
    local client = emu:client{ loop = "cqueues" }
    local first, after
    local cq = cqueues.new()
    cq:wrap(function()
      first = client.customer.create{ email = "a@example.com" }
      client:close()
      after = select(2, pcall(client.customer.create, { email = "b@example.com" }))
    end)
    assert(cq:loop())
    assert.are.equal("a@example.com", first.email)
    assert.truthy(tostring(after):find("calypso: the client is closed", 1, true), tostring(after))
    assert.are.equal(1, emu:stats().created)
  end)
end)
