-- spec/webhook_claims_spec.lua: webhook claims shared by two hosts, with
-- the real parts: redis-server on loopback (spec/support/redis.lua), two
-- nginx hosts of 4 workers each (spec/support/claims_host.conf, receiving
-- through calypso.webhook.receive_nginx with claims in Redis), and a load
-- balancer that sends every delivery to both hosts at once
-- (spec/support/claims_lb.conf), all fed by the emulator's deliveries,
-- some sent twice, some replayed.  Each event is handled exactly once; a
-- handler whose worker is killed mid-way is handled once after Calypso's
-- retry; while Redis is down the receiver answers 5xx and nothing is
-- handled, and the event is handled once when Redis is back.
local webhook = require("calypso").webhook
local emulator = require "support.emulator"
local openresty = require "support.openresty"
local redis = require "support.redis"
local shell = require "support.shell"

describe("webhook claims shared by two hosts through Redis", function()
  local emu, r, host_a, host_b, lb, client, secret_file

  local function port_of(server) return server.url:match(":(%d+)$") end

  setup(function()
    emu = emulator.start()
    r = redis.start()
    secret_file = os.tmpname()
    local function host(name)
      return openresty.start(emu, "spec/support/claims_host.conf", {
        env = { CLAIMS_REDIS_PORT = tostring(r.port), CLAIMS_SECRET_FILE = secret_file, CLAIMS_LEASE = "2" },
        vars = { ["@CLAIMS_HOST@"] = name } })
    end
    host_a, host_b = host("a"), host("b")
    lb = openresty.start(emu, "spec/support/claims_lb.conf",
      { vars = { ["@HOST_A_PORT@"] = port_of(host_a), ["@HOST_B_PORT@"] = port_of(host_b) } })
    client = emu:client()
    emu:control("webhooks", { time_scale = 0.01 }) -- Calypso's retry schedule, 100 times faster
    local sub = assert(client.subscription.create{ url = lb.url .. "/webhooks" })
    local f = assert(io.open(secret_file, "wb"))
    f:write(sub.secretKey)
    f:close()
  end)

  teardown(function()
    if client then client:close() end
    for _, server in ipairs{ lb, host_a, host_b } do server:stop() end
    r:remove()
    os.remove(secret_file)
    emu:stop()
  end)

  local function deliveries() return emu:control("deliveries").deliveries end

  -- Waits until every delivery is over; returns them.
  local function settled()
    local list
    shell.until_true(function()
      list = deliveries()
      for _, d in ipairs(list) do
        if d.state ~= "delivered" and d.state ~= "failed" then return false end
      end
      return #list > 0
    end, "every webhook delivery to be over", 60)
    return list
  end

  local function event_of(d) return webhook.decode_delivery(d.body) end
  local function id_of(d) return webhook.id_text(event_of(d)) end

  local function handled(id) return tonumber(r:cli("GET", "handled:" .. id)) or 0 end

  -- The handled list: { { host, pid, id } ... }
  local function handlings()
    local out = {}
    for line in r:cli("LRANGE", "handled", 0, -1):gmatch("[^\n]+") do
      local host, pid, id = line:match("^(%S+) (%d+) (%S+)$")
      out[#out + 1] = { host = host, pid = pid, id = id }
    end
    return out
  end

  local function busy_answers(server)
    local n = 0
    for _ in server:log():gmatch("is being handled by another worker or host") do n = n + 1 end
    return n
  end

  local function invoice(description)
    return assert(client.invoice.create_single{ amount = "10", currency = "USDT", description = description })
  end

  it("handles each event once while every delivery reaches both hosts, some twice or replayed", function()
    emu:control("webhook_faults", { duplicate = 1 }) -- each delivery sent again, the same bytes
    local made = {}
    for i = 1, 12 do made[i] = invoice("order " .. i) end
    for i = 1, 4 do emu:control("pay_invoice", { id = made[i].id, share = "full" }) end
    settled()
    emu:control("webhook_faults", {})
    for _, d in ipairs(deliveries()) do
      if d.id % 5 == 0 then emu:control("redeliver", { id = d.id }) end -- replays of captured deliveries
    end
    local list = settled()

    local ids, events = {}, 0
    for _, d in ipairs(list) do
      assert.are.equal("delivered", d.state)
      local id = id_of(d)
      if not ids[id] then
        ids[id], events = true, events + 1
      end
    end
    assert.is_true(events >= 12 + 4 * 3, "only " .. events .. " events")
    for id in pairs(ids) do assert.are.equal(1, handled(id), "event " .. id) end
    local all = handlings()
    assert.are.equal(events, #all)
    local by_host = { a = 0, b = 0 }
    for _, h in ipairs(all) do by_host[h.host] = by_host[h.host] + 1 end
    -- Both hosts had every delivery: what one did not handle, it found busy or done.
    assert.is_true(by_host.a + busy_answers(host_a) > 0 and by_host.b + busy_answers(host_b) > 0)
    print(("\n  claims: %d events, %d deliveries (duplicates and replays included), handled by a %d,"
      .. " by b %d; busy answers a %d, b %d"):format(events, #list, by_host.a, by_host.b,
      busy_answers(host_a), busy_answers(host_b)))
  end)

  it("hands the event of a worker killed mid-way to Calypso's retry once its lease runs out", function()
    local before = #handlings()
    invoice("crash")
    shell.until_true(function() return r:cli("LLEN", "crashing") == "1" end, "the handler to start", 20)
    local pid = r:cli("LINDEX", "crashing", 0)
    assert(shell.run("kill -KILL " .. pid))
    local crash
    for _, d in ipairs(settled()) do
      if event_of(d).data.description == "crash" then crash = d end
    end
    assert.are.equal("delivered", crash.state)
    assert.is_true(#crash.attempts >= 2, "delivered at the first attempt")
    assert.are_not.equal(200, crash.attempts[1].status)
    local id = id_of(crash)
    assert.are.equal(1, handled(id))
    assert.are.equal(pid, r:cli("GET", "crashed:" .. id))
    local all = handlings()
    assert.are.equal(before + 1, #all)
    assert.are_not.equal(pid, all[#all].pid)
  end)

  it("answers 5xx while Redis is down, handles nothing, and handles the event once Redis is back", function()
    local before = #handlings()
    local made_before = #deliveries()
    r:stop{ save = true } -- its claims are written to disk, and read back on restart
    local inv = invoice("while redis is down")
    local waiting
    shell.until_true(function()
      for _, d in ipairs(deliveries()) do
        if d.id > made_before and #d.attempts >= 2 then waiting = d end
      end
      return waiting ~= nil
    end, "two attempts of the delivery while Redis is down", 30)
    for _, a in ipairs(waiting.attempts) do assert.are.equal(503, a.status) end
    r:restart()
    local list = settled()
    local id
    for _, d in ipairs(list) do
      if d.id > made_before then
        assert.are.equal("delivered", d.state)
        assert.are.equal(inv.idempotencyKey, event_of(d).data.idempotencyKey)
        id = id_of(d)
      end
    end
    assert.are.equal(1, handled(id))
    assert.are.equal(before + 1, #handlings()) -- and nothing handled before was handled again
    for _, d in ipairs(list) do assert.are.equal(1, handled(id_of(d))) end
  end)
end)
