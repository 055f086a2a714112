-- openresty_spec.lua: calypso inside nginx (examples/openresty), talking to
-- the emulator.  The emulator holds each answer 200 ms; 20 requests at once to
-- one nginx worker must overlap there (cosockets), where a blocking call
-- would serve them one at a time.  The proof is the emulator's count of
-- requests in flight, not a time.
local cjson = require "cjson"
local emulator = require "support.emulator"
local openresty = require "support.openresty"
local shell = require "support.shell"

describe("calypso in OpenResty", function()
  local emu, server

  setup(function()
    emu = emulator.start()
    server = openresty.start(emu)
  end)

  teardown(function()
    if server then server:stop() end
    emu:stop()
  end)

  -- POSTs body to path n times at once; returns the answers' statuses and
  -- bodies.  Each transfer writes its own file: in parallel, curl's output
  -- would interleave.
  local function post(path, n, body)
    local dir = select(2, shell.run("mktemp -d")):gsub("%s+$", "")
    local cmd = "curl -s --no-progress-meter --parallel --parallel-max " .. n
      .. " -H 'Content-Type: application/json' -d " .. shell.quote(body)
      .. " -w '%{http_code} %{filename_effective}\\n'"
    for i = 1, n do cmd = cmd .. " -o " .. dir .. "/" .. i .. ".json " .. server.url .. path end
    local ok, out = shell.run(cmd)
    assert(ok, out)
    local answers = {}
    for status, file in out:gmatch("(%d%d%d) (%S+)\n") do
      local f = assert(io.open(file))
      answers[#answers + 1] = { status = tonumber(status), body = cjson.decode(f:read("*a")) }
      f:close()
    end
    shell.run("rm -rf " .. dir)
    return answers
  end

  it("serves 20 concurrent creates from one worker without blocking it", function()
    emu:reset()
    emu:fault{ mode = "stall", seconds = 0.2, count = 20 }
    local answers = post("/customers", 20, '{"description":"at the same time"}')
    assert.are.equal(20, #answers)
    local ids = {}
    for _, answer in ipairs(answers) do
      assert.are.equal(201, answer.status, cjson.encode(answer.body))
      ids[answer.body.id] = true
    end
    local distinct = 0
    for _ in pairs(ids) do distinct = distinct + 1 end
    assert.are.equal(20, distinct)
    local stats = emu:stats()
    assert.are.equal(20, stats.created)
    assert.is_true(stats.max_inflight >= 10, "at most " .. stats.max_inflight .. " in flight at once")
  end)

  it("keeps the connection to Calypso in nginx's keep-alive pool", function()
    assert.are.equal(201, post("/customers", 1, "{}")[1].status)
    local first = emu:stats().last.connection
    assert.are.equal(201, post("/customers", 1, "{}")[1].status)
    assert.are.equal(first, emu:stats().last.connection)
  end)

  it("gives up at the client's timeout, and says the server may have acted", function()
    emu:fault{ mode = "stall", seconds = 3 }
    local answers = post("/customers/impatient", 1, "{}")
    assert.are.equal(502, answers[1].status)
    assert.are.equal("timeout", answers[1].body.error)
    assert.is_true(answers[1].body.maybe_applied)
  end)

  -- Ten times: a handshake that fails verification the moment it completes
  -- once tripped an assertion in lua-resty-core (sslhandshake with a nil
  -- session), about one call in two.
  it("verifies the server's certificate: an address it does not name fails as tls", function()
    local before = emu:stats().received
    local answers = post("/customers/by-address", 10, "{}")
    assert.are.equal(10, #answers)
    for _, answer in ipairs(answers) do
      assert.are.equal(502, answer.status)
      assert.are.equal("tls", answer.body.error, answer.body.message)
      assert.is_false(answer.body.maybe_applied)
    end
    assert.are.equal(before, emu:stats().received)
  end)

  it("signs with the same core: the emulator checks every Sign", function()
    emu:reset()
    local answers = post("/customers", 1, '{"email":"ada@example.com"}')
    assert.are.equal(201, answers[1].status)
    local last = emu:stats().last
    assert.are.equal(require("calypso").sign(emulator.secret, last.body), last.sign)
  end)

  it("turns invalid input into a validation error without calling Calypso", function()
    emu:reset()
    local answers = post("/customers", 1, '{"email":"not an address"}')
    assert.are.equal(400, answers[1].status)
    assert.are.equal("validation", answers[1].body.error)
    assert.are.equal(0, emu:stats().received)
  end)

  it("reports Calypso's refusal with its code", function()
    emu:skew_clock(10 * 60 * 1000, false) -- stale timestamps, and a Date that cannot fix them
    local answers = post("/customers", 1, "{}")
    emu:skew_clock(0)
    assert.are.equal(502, answers[1].status)
    assert.are.equal("api", answers[1].body.error)
    assert.are.equal("011", answers[1].body.code)
  end)

  it("works with a client made in init_by_lua, before the fork", function()
    local answers = post("/customers/from-master", 1, '{"description":"from the master"}')
    assert.are.equal(201, answers[1].status)
    assert.is_string(answers[1].body.id)
  end)

  describe("the webhook receiver", function()
    local body = '{"requestId":"r1","id":77,"createdDate":"2025-10-30T14:08:39","level":"INFO",'
      .. '"service":"CUSTOMER_PURSE","eventType":"CUSTOMER_PURSE_EXPIRED",'
      .. '"data":{"customerId":"cust-9","purseId":"p9","address":"0x1","customerBlocked":false}}'

    -- POSTs a delivery with the given Sign; returns the HTTP status.
    local function deliver(raw, sign)
      local ok, out = shell.run("curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json'"
        .. (sign and (" -H " .. shell.quote("Sign: " .. sign)) or "")
        .. " --data-binary " .. shell.quote(raw) .. " " .. server.url .. "/webhooks/calypso")
      assert(ok, out)
      return tonumber(out)
    end

    local sign = require("calypso").sign(openresty.webhook_secret, body)

    it("answers 200 to a signed delivery and handles the event", function()
      assert.are.equal(200, deliver(body, sign))
      local line = "calypso webhook: CUSTOMER_PURSE_EXPIRED event 77 for customer cust-9"
      local logged
      for _ = 1, 100 do -- the event is handled in a timer after the answer
        logged = server:log():find(line, 1, true)
        if logged then break end
        shell.run("sleep 0.05")
      end
      assert.truthy(logged)
    end)

    it("handles an event once when the same delivery comes again and again (claims)", function()
      local replayed = body:gsub('"id":77', '"id":78')
      local replayed_sign = require("calypso").sign(openresty.webhook_secret, replayed)
      assert.are.equal(200, deliver(replayed, replayed_sign))
      -- While the first is handled (in a timer, after its answer) a second is
      -- busy (503: Calypso sends it again); once done, every copy is 200.
      local second = deliver(replayed, replayed_sign)
      assert.is_true(second == 200 or second == 503, "answered " .. second)
      local handled = "CUSTOMER_PURSE_EXPIRED event 78 for customer"
      shell.until_true(function() return server:log():find(handled, 1, true) end, "the event to be handled")
      shell.until_true(function() return deliver(replayed, replayed_sign) == 200 end, "a 200 for a copy")
      assert.are.equal(200, deliver(replayed, replayed_sign)) -- done: answered, so Calypso stops sending it
      local _, times = server:log():gsub(handled:gsub("%p", "%%%0"), "")
      assert.are.equal(1, times)
    end)

    it("answers 400 to a signed body that is not JSON, and handles nothing", function()
      local text = "not json"
      assert.are.equal(400, deliver(text, require("calypso").sign(openresty.webhook_secret, text)))
    end)

    it("verifies a delivery larger than client_body_buffer_size, which nginx keeps in a file", function()
      local big = body:gsub('"address":"0x1"', '"address":"0x1","note":"' .. ("n"):rep(1536 * 1024) .. '"')
      local file = os.tmpname()
      local f = assert(io.open(file, "wb"))
      f:write(big)
      f:close()
      local ok, out = shell.run("curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json'"
        .. " -H " .. shell.quote("Sign: " .. require("calypso").sign(openresty.webhook_secret, big))
        .. " --data-binary @" .. file .. " " .. server.url .. "/webhooks/calypso")
      os.remove(file)
      assert(ok, out)
      assert.are.equal(200, tonumber(out))
      assert.truthy(server:log():find("a client request body is buffered to a temporary file", 1, true))
    end)

    -- { what, body, sign }: each must be refused with 401.
    local refused = {
      { "a wrong signature", body, require("calypso").sign("not-the-secret", body) },
      { "no signature", body, nil },
      { "a truncated body", body:sub(1, -2), sign },
      { "a re-serialised body", require("cjson").encode(require("cjson").decode(body)), sign },
    }
    for _, row in ipairs(refused) do
      it("answers 401 to " .. row[1], function()
        assert.are.equal(401, deliver(row[2], row[3]))
      end)
    end
  end)

  it("makes a blocking call, with a warning in the log, where there are no cosockets", function()
    local before = emu:stats().created
    local answers = post("/customers/blocking", 1, "{}")
    assert.are.equal(201, answers[1].status)
    assert.are.equal(36, #answers[1].body.id)
    assert.are.equal(before + 1, emu:stats().created)
    assert.truthy(server:log():find("the set phase has no cosockets", 1, true))
  end)
end)
