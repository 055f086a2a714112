-- emulator_spec.lua: the emulator is as strict as the docs say the API is.
-- The client never sends a bad request on purpose, so these requests are made
-- by hand with the curl command; each must be refused with the right code.
local cjson = require "cjson"
local calypso = require "calypso"
local emulator = require "support.emulator"
local shell = require "support.shell"

local CREATE = "/api/v1/customer-purse/customer/create"

describe("the emulator", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)

  local function envelope(overrides)
    local e = { account = emulator.account, timestamp = os.time() * 1000, payload = {} }
    for k, v in pairs(overrides or {}) do e[k] = v end
    return cjson.encode(e)
  end

  -- Sends body with the given headers (default: a correct request for body);
  -- returns the HTTP status and the decoded answer.
  local function post(body, headers, path, method)
    headers = headers or {}
    local h = {
      ["Content-Type"] = "application/json",
      Key = emulator.key,
      Sign = calypso.sign(emulator.secret, body),
    }
    for k, v in pairs(headers) do h[k] = v or nil end -- false removes a header
    local cmd = "curl -sS --cacert " .. shell.quote(emu.cafile) .. " -w '\\n%{http_code}' -X "
      .. (method or "POST") .. " --data-binary " .. shell.quote(body)
    for k, v in pairs(h) do cmd = cmd .. " -H " .. shell.quote(k .. ": " .. v) end
    local ok, out = shell.run(cmd .. " " .. shell.quote(emu.base_url .. (path or CREATE)))
    assert(ok, out)
    local answer, status = out:match("^(.*)\n(%d+)$")
    return tonumber(status), cjson.decode(answer)
  end

  it("accepts a correct hand-made request", function()
    local status, answer = post(envelope{ payload = { email = "ada@example.com" } })
    assert.are.equal(200, status)
    assert.are.equal("ada@example.com", answer.email)
  end)

  local body = envelope()
  -- { what, body, header overrides (false removes), expected errorCode }
  local refused = {
    { "a missing Key", envelope(), { Key = false }, "002" },
    { "a wrong Key", envelope(), { Key = "nope" }, "002" },
    { "a missing Sign", envelope(), { Sign = false }, "003" },
    { "the right Sign in upper case", body, { Sign = calypso.sign(emulator.secret, body):upper() }, "003" },
    { "a text/plain body", envelope(), { ["Content-Type"] = "text/plain" }, "001" },
    { "a body that is not JSON", "{not json", {}, "001" },
    { "an account of the wrong shape", envelope{ account = "0x1234" }, {}, "001" },
    { "another merchant's account", envelope{ account = "0x" .. ("0"):rep(40) }, {}, "001" },
    { "a timestamp in seconds", envelope{ timestamp = os.time() }, {}, "011" },
    { "a timestamp 4 minutes old", envelope{ timestamp = (os.time() - 240) * 1000 }, {}, "011" },
    { "a timestamp 4 minutes ahead", envelope{ timestamp = (os.time() + 240) * 1000 }, {}, "011" },
    { "a fractional timestamp", envelope{ timestamp = 1.5 }, {}, "011" },
    { "an unknown payload field", envelope{ payload = { name = "Ada" } }, {}, "001" },
  }

  for _, row in ipairs(refused) do
    local what, sent, headers, code = row[1], row[2], row[3], row[4]
    it("refuses " .. what .. " with code " .. code, function()
      local status, answer = post(sent, headers)
      assert.are.equal(400, status)
      assert.are.equal(code, answer.errorCode)
      assert.is_string(answer.message)
      assert.is_string(answer.traceId)
    end)
  end

  it("checks the Sign over the raw bytes: a re-spaced body fails", function()
    local status, answer = post(body:gsub(":", ": ", 1), { Sign = calypso.sign(emulator.secret, body) })
    assert.are.equal(400, status)
    assert.are.equal("003", answer.errorCode)
  end)

  it("answers 404 for an unknown path and 405 for GET", function()
    assert.are.equal(404, (post(envelope(), {}, "/api/v1/nothing")))
    assert.are.equal(405, (post(envelope(), {}, CREATE, "GET")))
  end)

  -- One emulator serves a whole `make test` (scripts/with-emulator): a
  -- request still stalled when a spec file ends must not make a customer in
  -- the next file's run.
  it("drops a stalled request that outlives a reset, with no effect", function()
    emu:reset()
    emu:fault{ mode = "stall", seconds = 2 }
    -- timeout: long enough for the request to reach the emulator even under
    -- valgrind (0.1 s was not: the call timed out before it was sent)
    local impatient = emu:client{ timeout = 0.8, max_retries = 0 }
    local _, err = impatient.customer.create{}
    impatient:close()
    assert.are.equal("timeout", err.kind)
    assert.are.equal(1, emu:stats().received) -- it arrived, and is stalled
    emu:reset() -- the stall is still sleeping in the emulator
    local stats = emu:wait_for("dropped_after_reset", 1) -- until the stall has ended
    assert.are.equal(0, stats.created)
    assert.are.equal(0, stats.received) -- a new run: nothing of the old one is counted
  end)

  it("says how to stop it when no directory is given, with no shell error", function()
    local ok, out = shell.run("emulator/bin/emulator stop 2>&1")
    assert.is_false(ok)
    assert.are.equal("emulator: usage: emulator stop DIR (the dir= that emulator start printed)\n", out)
  end)
end)
