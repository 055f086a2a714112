-- observe_spec.lua: what the hooks, the logger and calypso.meta show, the
-- same on each of the three transports (spec/support/transports.lua), for a
-- call that succeeds, one retried after a 503, one whose clock is
-- corrected, with bodies asked for, and with hooks that raise; and that
-- nothing they are given holds the secret or a Sign.
local emulator = require "support.emulator"
local transports = require "support.transports"

local CREATE = "/api/v1/customer-purse/customer/create"

describe("hooks, logger and calypso.meta", function()
  local emu, t, secret

  setup(function()
    emu = emulator.start()
    t = transports.start(emu)
    secret = emu:options().secret
  end)

  teardown(function()
    t:stop()
    emu:stop()
  end)

  before_each(function()
    emu:skew_clock(0)
  end)

  -- The events of one answer that came from `hook` ("log": the log lines).
  local function only(answer, hook)
    local found = {}
    for _, event in ipairs(answer.events) do
      if event.hook == hook then found[#found + 1] = event end
    end
    return found
  end

  -- No event may hold the secret, or anything shaped like a Sign.
  local function assert_clean(answer)
    for _, event in ipairs(answer.events) do
      for k, v in pairs(event) do
        local text = tostring(v)
        assert.is_nil(text:find(secret, 1, true), k .. " holds the secret")
        assert.is_nil(text:find(("%x"):rep(128)), k .. " holds a Sign")
        assert.is_nil(text:lower():find("sign:", 1, true), k .. " holds a Sign header")
      end
    end
  end

  for _, name in ipairs(transports.names) do
    describe("on the " .. name .. " transport", function()
      it("reports one attempt: request, response, a debug line, and the meta", function()
        local answer = t:run(name, { record = true }, { { path = CREATE, payload = {} } })[1]
        assert.is_table(answer.result)
        local kinds = {}
        for i, event in ipairs(answer.events) do kinds[i] = event.hook end
        assert.are.same({ "on_request", "log", "on_response" }, kinds)
        local request, response, line = answer.events[1], answer.events[3], answer.events[2]
        assert.are.same({ hook = "on_request", method = "POST", path = CREATE, attempt = 1,
                          account = emulator.account }, request)
        assert.are.equal(200, response.status)
        assert.are.equal(1, response.attempt)
        assert.are.equal(CREATE, response.path)
        assert.is_nil(response.kind)
        assert.is_true(response.elapsed_ms >= 0 and response.elapsed_ms < 10000)
        assert.is_true(response.bytes_sent > 200, "sent " .. response.bytes_sent)
        assert.is_true(response.bytes_received > #answer.result.id, "got " .. response.bytes_received)
        assert.is_nil(response.request_body)
        assert.are.equal("debug", line.level)
        assert.truthy(line.message:find("^calypso=attempt method=POST path=" .. CREATE:gsub("%-", "%%-")
          .. " attempt=1 status=200 elapsed_ms=%d+%.%d bytes_sent=%d+ bytes_received=%d+ account="
          .. emulator.account .. "$"), line.message)
        assert.are.equal(emulator.account, response.account)
        assert.are.equal(emulator.account, answer.meta.account)
        assert.are.equal(200, answer.meta.status)
        assert.are.equal(1, answer.meta.attempts)
        assert.is_true(answer.meta.elapsed_ms >= response.elapsed_ms)
        assert_clean(answer)
      end)

      it("reports a retry after a 503, with its rule and wait, at info", function()
        emu:fault{ mode = "status", status = 503, retry_after = 0 }
        local answer = t:run(name, { record = true, max_retries = 1 },
          { { path = CREATE, payload = {}, opts = { idempotent = true } } })[1]
        assert.is_table(answer.result)
        local responses, retries = only(answer, "on_response"), only(answer, "on_retry")
        assert.are.equal(2, #responses)
        assert.are.same({ 503, 200 }, { responses[1].status, responses[2].status })
        assert.are.equal("api", responses[1].kind)
        assert.are.equal(1, #retries)
        assert.are.equal("overloaded", retries[1].rule)
        assert.are.equal(0, retries[1].wait_ms)
        assert.are.equal(1, retries[1].attempt)
        assert.are.equal(503, retries[1].status)
        local infos = {}
        for _, line in ipairs(only(answer, "log")) do
          if line.level == "info" then infos[#infos + 1] = line.message end
        end
        assert.are.same({ "calypso=retry method=POST path=" .. CREATE
          .. " attempt=1 status=503 kind=api code=000 rule=overloaded wait_ms=0.0"
          .. " account=" .. emulator.account }, infos)
        assert.are.equal(emulator.account, retries[1].account)
        assert.are.equal(2, answer.meta.attempts)
        assert_clean(answer)
      end)

      it("reports a clock correction after 011, with the offset", function()
        emu:skew_clock(10 * 60 * 1000)
        local answer = t:run(name, { record = true }, { { path = CREATE, payload = {} } })[1]
        assert.is_table(answer.result)
        local retries = only(answer, "on_retry")
        assert.are.equal(1, #retries)
        assert.are.equal("clock", retries[1].rule)
        assert.are.equal("011", retries[1].code)
        assert.is_true(math.abs(retries[1].clock_offset_ms - 600000) < 3000)
        local lines = only(answer, "log")
        local found
        for _, line in ipairs(lines) do
          if line.message:find("^calypso=clock_correction ") then found = line end
        end
        assert.are.equal("info", found.level)
        assert_clean(answer)
      end)

      it("announces nothing for a payload the core refuses: it never left", function()
        local answer = t:run(name, { record = true },
          { { path = CREATE, payload = {}, unencodable = true } })[1]
        assert.are.equal("validation", answer.err.kind)
        assert.are.equal(0, answer.err.attempts)
        assert.are.same({}, answer.events)
      end)

      it("gives the bodies to on_response only when log_bodies is on", function()
        local answer = t:run(name, { record = true, log_bodies = true },
          { { path = CREATE, payload = { description = "seen" } } })[1]
        local response = only(answer, "on_response")[1]
        assert.truthy(response.request_body:find('^{"account":"0x%x+","timestamp":%d+,"payload":{'))
        assert.truthy(response.request_body:find('"description":"seen"', 1, true))
        assert.truthy(response.response_body:find('"id":"' .. answer.result.id .. '"', 1, true))
        for _, line in ipairs(only(answer, "log")) do
          assert.is_nil(line.message:find("seen", 1, true), "a log line holds the body")
        end
        assert_clean(answer)
      end)

      it("goes on when a hook raises, and logs each hook's first error once", function()
        local answers = t:run(name, { record = "raise" },
          { { path = CREATE, payload = {} }, { path = CREATE, payload = {} } })
        assert.is_table(answers[1].result)
        assert.is_table(answers[2].result)
        local warned = {}
        for _, answer in ipairs(answers) do
          for _, line in ipairs(only(answer, "log")) do
            if line.level == "warn" then warned[#warned + 1] = line.message end
          end
        end
        assert.are.equal(2, #warned) -- on_request's and on_response's, on the first call only
        assert.truthy(warned[1]:find(
          "^calypso=hook_failed hook=on_request message=\".*the on_request hook broke"), warned[1])
        assert.truthy(warned[2]:find("hook=on_response", 1, true))
      end)
    end)
  end

  it("logs to stderr by default, at CALYPSO_LOG's level for the default client", function()
    local shell = require "support.shell"
    local env = { CALYPSO_API_KEY = emulator.key, CALYPSO_API_SECRET = secret,
                  CALYPSO_ACCOUNT = emulator.account, CALYPSO_BASE_URL = emu.base_url,
                  CALYPSO_CAFILE = emu.cafile, CALYPSO_LOG = "debug" }
    local ok, out = shell.lua(env, "-e 'assert(require(\"calypso\").customer.create{}) print(\"made\")' 2>&1")
    assert(ok, out)
    assert.truthy(out:find("level=debug calypso=attempt method=POST path=" .. CREATE:gsub("%-", "%%-")
      .. " attempt=1 status=200 ", 1), out)
    assert.is_nil(out:find(secret, 1, true))
    env.CALYPSO_LOG = nil
    ok, out = shell.lua(env, "-e 'assert(require(\"calypso\").customer.create{}) print(\"made\")' 2>&1")
    assert(ok, out)
    assert.are.equal("made\n", out) -- "warn" by default: nothing to say
  end)
end)
