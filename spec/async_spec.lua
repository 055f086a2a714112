-- async_spec.lua: client.async, the non-blocking API on curl multi, against
-- the emulator.  Overlap is proved by the emulator's own count of requests in
-- flight at once, not by a speed figure.
local calypso = require "calypso"
local emulator = require "support.emulator"
local testsys = require "testsys"
local relay = require "support.relay"
local core = require "calypso.core"

describe("client.async", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)
  before_each(function() emu:reset() end)

  -- Starts n creates; returns the requests.
  local function creates(client, n, label)
    local reqs = {}
    for i = 1, n do
      reqs[i] = assert(client.async.customer.create{ description = label .. " " .. i })
    end
    return reqs
  end

  local function results(reqs)
    local out, ids = {}, {}
    for i, req in ipairs(reqs) do
      assert.is_true(req:done())
      local value, err = req:result()
      assert.is_table(value, err and err.message)
      out[i] = value
      ids[value.id] = true
    end
    return out, ids
  end

  -- A client that speaks HTTP/1.1 only (emu:client drops options set to false).
  local function http1_client(overrides)
    local opts = emu:options(overrides)
    opts.http2 = false
    return calypso.new(opts)
  end

  local function count(t)
    local n = 0
    for _ in pairs(t) do n = n + 1 end
    return n
  end

  -- How many connections the emulator's recent requests came on.
  local function connections_of(stats)
    local connections = {}
    for _, r in ipairs(stats.recent) do connections[r.connection] = true end
    return count(connections)
  end

  describe("overlap", function()
    it("keeps 20 creates in flight at once over HTTP/2, while each answer takes 200 ms", function()
      local client = emu:client{ http2 = true }
      emu:fault{ mode = "stall", seconds = 0.2, count = 20 }
      local reqs = creates(client, 20, "overlap")
      assert.are.equal(20, client:poll(0)) -- nothing can be done yet
      client:wait()
      local made, ids = results(reqs)
      assert.are.equal(20, count(ids))
      assert.are.equal("overlap 7", made[7].description)
      local stats = emu:stats()
      assert.are.equal(20, stats.created)
      assert.are.equal(20, stats.max_inflight) -- all twenty were in the server at once
      -- HTTP/2: one connection carried them all.
      assert.are.equal(1, connections_of(stats))
      client:close()
    end)

    it("opens max_connections HTTP/1.1 connections; a queued request is stamped as it leaves", function()
      local client = http1_client{ max_connections = 4 }
      emu:fault{ mode = "stall", seconds = 0.2, count = 20 }
      local reqs = creates(client, 20, "queued")
      client:wait()
      results(reqs)
      local stats = emu:stats()
      assert.are.equal(4, stats.max_inflight)
      local connections = {}
      for _, r in ipairs(stats.recent) do
        connections[r.connection] = true
        -- The last requests waited about 0.8 s for a connection; each was
        -- stamped when it left, so its timestamp is close to its arrival.
        local ts = tonumber(r.body:match('"timestamp":(%d+)'))
        assert.is_true(math.abs(r.at_ms - ts) < 150, "stamped " .. (r.at_ms - ts) .. " ms before arrival")
      end
      assert.are.equal(4, count(connections))
      client:close()
    end)

    it("ends a request still waiting for a connection at its timeout, never sent", function()
      local client = http1_client{ max_connections = 1 }
      emu:fault{ mode = "stall", seconds = 1, count = 1 }
      local first = assert(client.async.customer.create{ description = "holds the connection" })
      local second = assert(client.async.customer.create({ description = "waits" },
                                                         { timeout = 0.3, max_retries = 0 }))
      local _, err = second:wait()
      assert.are.equal("timeout", err.kind)
      assert.is_false(err.request_sent) -- it never left the queue
      assert.is_false(err.maybe_applied)
      assert.is_false(first:done()) -- the first still holds the only connection
      assert.are.equal("holds the connection", assert(first:wait()).description)
      assert.are.equal(1, emu:stats().received)
      -- The connection is free again, and still the only one.
      assert(client.async.customer.create{ description = "after" }:wait())
      assert.are.equal(1, connections_of(emu:stats()))
      client:close()
    end)
  end)

  describe("results and errors", function()
    it("returns a validation error at once, and sends nothing", function()
      local client = emu:client()
      local req, err = client.async.customer.create{ email = "not an email" }
      assert.is_nil(req)
      assert.are.equal("validation", err.kind)
      assert.are.equal("email", err.field)
      local req2, err2 = client.async.call("/api/v1/customer-purse/customer/create", { f = print })
      assert.is_nil(req2)
      assert.are.equal("validation", err2.kind)
      assert.are.equal(0, err2.attempts)
      assert.are.equal(0, client:poll(0))
      assert.are.equal(0, emu:stats().received)
      client:close()
    end)

    it("has every endpoint row, and the generic call", function()
      local client = emu:client()
      local customer = assert(client.async.customer.create{ description = "rows" }:wait())
      local updated = assert(client.async.customer.update{ id = customer.id, description = "rows 2" }:wait())
      assert.are.equal("rows 2", updated.description)
      local purse = assert(client.async.purse.get{ customerId = customer.id, currency = "USDT" }:wait())
      assert.is_string(purse.address)
      local again = assert(client.async.call("/api/v1/customer-purse/purse/get",
        { customerId = customer.id, currency = "USDT" }, { idempotent = true }):wait())
      assert.are.equal(purse.address, again.address)
      assert.is_function(client.async.transaction.find)
      -- the page walk is blocking only
      assert.has_error(function() return client.async.transaction.each end,
        "calypso: client.async.transaction has no each; its calls: find, get")
      client:close()
    end)

    it("raises when a result is asked for before the request is done", function()
      local client = emu:client()
      emu:fault{ mode = "stall", seconds = 0.3 }
      local req = assert(client.async.customer.create{})
      assert.is_false(req:done())
      assert.has_error(function() req:result() end,
        "calypso: the request has not finished; call client:poll() or client:wait() first")
      assert.truthy(tostring(req):find("running", 1, true))
      client:wait()
      assert.truthy(tostring(req):find("done", 1, true))
      assert.has_error(function() client:poll(-1) end)
      client:close()
    end)

    it("gives an api error its status, code and maybe_applied, and does not retry a create", function()
      local client = emu:client()
      emu:fault{ mode = "status", status = 500 }
      local _, err = client.async.customer.create{}:wait()
      assert.are.equal("api", err.kind)
      assert.are.equal(500, err.status)
      assert.are.equal(1, err.attempts)
      assert.is_true(err.maybe_applied)
      assert.are.equal(1, emu:stats().received)
      client:close()
    end)

    it("schedules a retry without blocking, honouring Retry-After", function()
      local client = emu:client()
      local customer = assert(client.customer.create{})
      emu:fault{ mode = "status", status = 503, retry_after = 1 }
      local req = assert(client.async.customer.update{ id = customer.id, description = "later" })
      while not tostring(req):find("waiting to retry", 1, true) do
        assert.is_false(req:done())
        client:poll(0.05)
      end
      -- The first attempt was refused; the retry waits its turn in the engine
      -- and a host loop is told to come back in about a second.
      assert.are.equal(2, emu:stats().received)
      local _, timeout = client:fds()
      assert.is_true(timeout > 0.5 and timeout <= 1, "timeout " .. timeout)
      local value = assert(req:wait())
      assert.are.equal("later", value.description)
      assert.are.equal(3, emu:stats().received)
      client:close()
    end)

    it("times out an attempt, and does not retry a create after a timeout", function()
      local client = emu:client{ timeout = 0.5 }
      emu:fault{ mode = "stall", seconds = 2 }
      local _, err = client.async.customer.create{}:wait()
      assert.are.equal("timeout", err.kind)
      assert.are.equal(1, err.attempts)
      assert.is_true(err.maybe_applied)
      -- The server goes on and makes it: the reason a create is not retried.
      -- (Waiting for it also keeps it from landing in the next test.)
      emu:wait_for("created", 1)
      assert.are.equal(1, emu:stats().received)
      client:close()
    end)

    it("corrects the clock from Date after code 011, as the blocking API does", function()
      local client = emu:client()
      emu:skew_clock(10 * 60 * 1000)
      local value, err = client.async.customer.create{ description = "skewed" }:wait()
      assert.is_table(value, err and err.message)
      assert.is_true(client:clock_offset() > 9 * 60 * 1000)
      assert.are.equal(2, emu:stats().received)
      client:close()
    end)

    it("refuses a certificate from another CA, and a server that is not there", function()
      local other = emu:client{ cafile = emu.other_cafile }
      local _, err = other.async.customer.create{}:wait()
      assert.are.equal("tls", err.kind)
      assert.is_false(err.maybe_applied)
      assert.are.equal(0, emu:stats().received)
      other:close()
      local refused = emu:client{ base_url = "https://127.0.0.1:1", max_retries = 0 }
      local _, err2 = refused.async.customer.create{}:wait()
      assert.are.equal("network", err2.kind)
      assert.is_false(err2.request_sent)
      refused:close()
    end)

    it("fails each queued request in turn when no connection can be made", function()
      -- Two connections at most, five requests: each failed connect ends the
      -- request it was opened for, and the next in the queue gets a new try.
      for _, case in ipairs{ { { base_url = "https://127.0.0.1:1" }, "network" },
                             { { cafile = emu.other_cafile }, "tls" } } do
        local opts = case[1]
        opts.max_connections, opts.max_retries = 2, 0
        local client = emu:client(opts)
        local reqs = creates(client, 5, "unreachable")
        client:wait()
        for _, req in ipairs(reqs) do
          local value, err = req:result()
          assert.is_nil(value)
          assert.are.equal(case[2], err.kind)
          assert.is_false(err.request_sent)
        end
        client:close()
      end
      assert.are.equal(0, emu:stats().received)
    end)

    it("caps the response body", function()
      local client = emu:client{ max_response_bytes = 64 }
      local _, err = client.async.customer.create{}:wait()
      assert.are.equal("decode", err.kind)
      assert.are.equal(200, err.status)
      client:close()
    end)
  end)

  describe("sending twice", function()
    it("never lets libcurl resend a create the server processed on a reused connection", function()
      local client = http1_client{ max_connections = 1 }
      assert(client.async.customer.create{ description = "opens the connection" }:wait())
      emu:fault{ mode = "drop_reply" }
      local _, err = client.async.customer.create{ description = "dropped" }:wait()
      assert.are.equal("network", err.kind)
      assert.is_true(err.maybe_applied)
      assert.are.equal(1, err.attempts)
      local stats = emu:stats()
      assert.are.equal(2, stats.created) -- one each, not a third from a resend
      assert.are.equal(2, stats.received)
      client:close()
    end)
  end)

  describe("a host loop", function()
    it("can wait on client:fds() with poll(2) and call client:poll(0) when woken", function()
      local client = emu:client()
      emu:fault{ mode = "stall", seconds = 0.1, count = 5 }
      local reqs = creates(client, 5, "loop")
      local rounds, woken = 0, 0
      while client:poll(0) > 0 do
        local fds, timeout = client:fds()
        assert.is_number(timeout)
        for fd, what in pairs(fds) do
          assert.is_true(fd >= 0)
          assert.truthy(what == "r" or what == "w" or what == "rw")
        end
        if testsys.poll(fds, timeout) > 0 then woken = woken + 1 end
        rounds = rounds + 1
        assert.is_true(rounds < 10000, "the loop spins")
      end
      results(reqs)
      assert.is_true(woken > 0) -- the descriptors were the live ones
      local _, timeout = client:fds()
      assert.is_nil(timeout) -- nothing left to wait for
      client:close()
    end)
  end)

  describe("lifecycle", function()
    it("raises on poll after close, and keeps the secret out of every error", function()
      local client = emu:client()
      local req = assert(client.async.customer.create{})
      client:close()
      assert.has_error(function() client:poll(0) end, "calypso: the client is closed")
      assert.is_false(req:done())
      local bad = emu:client{ cafile = emu.other_cafile }
      local _, err = bad.async.customer.create{}:wait()
      assert.is_nil(tostring(err):find(emulator.secret, 1, true))
      assert.is_nil(err.message:find(emulator.secret, 1, true))
      bad:close()
    end)

    it("gives a child process its own transfers; the parent's in-flight request finishes", function()
      local client = emu:client()
      emu:fault{ mode = "stall", seconds = 0.3 }
      local req = assert(client.async.customer.create{ description = "parent" })
      client:poll(0) -- on its way
      local pid = testsys.fork()
      if pid == 0 then
        local ok, good = pcall(function()
          local _, err = req:wait()
          local mine = client.async.customer.create{ description = "child" }:wait()
          return err.kind == "network" and err.message:find("forked", 1, true) ~= nil and mine ~= nil
        end)
        testsys.exit(ok and good and 0 or 1)
      end
      assert.are.equal(0, testsys.wait(pid))
      local value = assert(req:wait())
      assert.are.equal("parent", value.description)
      local stats, sent = emu:stats(), {}
      for _, r in ipairs(stats.recent) do sent[#sent + 1] = r.body:match('"description":"(%w+)"') end
      assert.are.equal(2, stats.created, table.concat(sent, ", "))
      client:close()
    end)
  end)

  -- The core's multi transport itself (client._core: submit, start, drive,
  -- watch, release), in orders client.async never makes but a host may.
  describe("the multi transport, driven by hand", function()
    local CREATE = "/api/v1/customer-purse/customer/create"

    -- drive(0) until one attempt ends: its entry.
    local function ended_one(multi)
      for _ = 1, 2000 do
        local ended = multi:drive(0.01)
        if ended[1] then return ended[1] end
      end
      error("no attempt ended")
    end

    -- A core with one kept, idle connection.
    local function warm_core(client)
      local multi = client._core
      local slot = assert(multi:submit(CREATE, { description = "warm" }))
      multi:start(slot, 5)
      assert.is_table(ended_one(multi)[2])
      multi:release(slot)
      return multi
    end

    -- An attempt on a warm core that ends at once and waits for drive to
    -- report it: a 12-digit timestamp where its body has 13 ("stamp").
    local function ended_at_once(description)
      local client = http1_client()
      local multi = warm_core(client)
      local slot = assert(multi:submit(CREATE, { description = description }))
      multi:clock_offset(-1e12)
      multi:start(slot, 5)
      multi:clock_offset(0)
      return client, multi, slot
    end

    -- entry: slot's attempt, ended as a timeout before a byte of it left.
    local function ended_unsent(multi, slot, entry)
      assert.are.equal("timeout", entry[3].kind)
      assert.is_false(entry[3].request_sent)
      assert.are.equal(0, entry[5]) -- no byte of it written
      multi:release(slot)
      assert.are.equal(0, emu:stats().received)
    end

    it("never writes a request whose deadline passed while its connection was made", function()
      local client = http1_client()
      local multi = client._core
      local slot = assert(multi:submit(CREATE, { description = "late" }))
      multi:start(slot, 0.05)
      -- Busy past the deadline before the first drive: libcurl's own clock
      -- for the connect starts only then.  The attempt ends unsent however
      -- far the handshake has come.
      core.sleep(0.1)
      local entry = ended_one(multi)
      ended_unsent(multi, slot, entry)
      client:close()
    end)

    it("never writes a request whose deadline passed while the server's handshake was held", function()
      -- The server's last handshake flight reaches the client only after the
      -- attempt's deadline (2 s), and libcurl's own connect clock (started at
      -- the first drive, a second late) has not run out: the drive that
      -- finishes the handshake must end the attempt unsent, not write it.
      local r = relay.new(emu.port)
      local client = http1_client{ base_url = "https://127.0.0.1:" .. r.port }
      local multi = client._core
      local slot = assert(multi:submit(CREATE, { description = "held" }))
      local t0 = core.monotonic()
      multi:start(slot, 2)
      while core.monotonic() < t0 + 1 do core.sleep(0.01) end
      for _ = 1, 500 do -- the handshake, up to the server's last flight
        assert.are.same({}, multi:drive(0.01))
        r:pump{ hold = "final" }
        if r.final then break end
      end
      assert.is_true(r.final, "the server's last handshake flight never came")
      while core.monotonic() < t0 + 2.05 do core.sleep(0.01) end
      local entry
      for _ = 1, 500 do
        r:pump{ hold = false }
        entry = multi:drive(0.01)[1]
        if entry then break end
      end
      assert.is_table(entry, "the attempt never ended")
      ended_unsent(multi, slot, entry)
      client:close()
      r:close()
    end)

    it("refuses to start an attempt again before drive has reported the last one", function()
      local client, multi, slot = ended_at_once("twice")
      assert.has_error(function() multi:start(slot, 5) end,
        "bad argument #1 to 'start' (the request's last attempt is not reported yet)")
      local entry = ended_one(multi)
      assert.are.equal("validation", entry[3].kind)
      multi:start(slot, 5) -- reported: now it may go again
      assert.is_table(ended_one(multi)[2])
      multi:release(slot)
      client:close()
    end)

    it("reports to a child process an attempt that had ended, unreported, before the fork", function()
      local client, multi, slot = ended_at_once("forked")
      local pid = testsys.fork()
      if pid == 0 then
        local ok, kind = pcall(function() return ended_one(multi)[3].kind end)
        testsys.exit(ok and kind == "network" and 0 or 1) -- the child's copy: "forked"
      end
      assert.are.equal(0, testsys.wait(pid))
      assert.are.equal("validation", ended_one(multi)[3].kind) -- the parent's own
      multi:release(slot)
      client:close()
    end)
  end)
end)
