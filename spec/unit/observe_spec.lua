-- spec/unit/observe_spec.lua: calypso.observe alone: its logfmt lines, the
-- level filter, a logger or hook that raises, calypso.meta's weak table, and
-- the log options (CALYPSO_LOG for the default client).
local observe = require "calypso.observe"
local options = require "calypso.options"

-- A call table as calypso.client makes it, with what calypso.retry sets.
local function a_call(attempts, began)
  return { method = "POST", path = "/api/v1/x", key = "k-1", attempts = attempts or 1, began = began or 0 }
end

-- A watch whose logger appends "level message" to lines.
local function watched(extra)
  local lines = {}
  local o = { logger = function(level, message) lines[#lines + 1] = level .. " " .. message end }
  for k, v in pairs(extra or {}) do o[k] = v end
  return observe.new(o), lines
end

describe("calypso.observe", function()
  it("writes logfmt in a fixed order, quoting what needs it", function()
    assert.are.equal('calypso=attempt method=POST path=/p attempt=2 status=503 kind=api code=000'
      .. ' elapsed_ms=12.5 message="Internal error: \\"x\\" = y"',
      observe.logfmt("attempt", { message = 'Internal error: "x" = y', code = "000", kind = "api",
        status = 503, attempt = 2, path = "/p", method = "POST", elapsed_ms = 12.5 }))
    assert.are.equal('calypso=retry wait_ms=0.0 message=""',
      observe.logfmt("retry", { wait_ms = 0, message = "" }))
    assert.are.equal('calypso=x message="two\\nlines"', observe.logfmt("x", { message = "two\nlines" }))
  end)

  it("logs only at or above its level", function()
    for level, expected in pairs{ debug = 3, info = 2, warn = 1, off = 0 } do
      local watch, lines = watched{ log_level = level }
      watch:log("debug", "a")
      watch:log("info", "b")
      watch:log("warn", "c")
      assert.are.equal(expected, #lines, level)
    end
    local watch, lines = watched()
    watch:log("info", "quiet by default")
    watch:log("warn", "heard")
    assert.are.same({ "warn heard" }, lines)
  end)

  it("survives a logger that raises", function()
    local watch = observe.new{ log_level = "debug", logger = function() error("disk full") end }
    assert.has_no_error(function() watch:log("warn", "x") end)
  end)

  it("records calypso.meta for a table result, weakly, and leaves other results alone", function()
    local watch = watched()
    local call = a_call(2, 10)
    local result = { id = "a", traceId = "t-9" }
    watch:response(call, 10.5, 10.75, result, nil, 201, 300, 120)
    assert.are.same({ status = 201, attempts = 2, elapsed_ms = 750, trace_id = "t-9",
                      idempotency_key = "k-1" }, observe.meta(result))
    watch:response(call, 10.5, 10.75, true, nil, 200, 300, 0)
    assert.is_nil(observe.meta(true))
    assert.is_nil(observe.meta({}))
    local weak = setmetatable({ result }, { __mode = "v" })
    result = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
  end)

  -- On Lua 5.1 and LuaJIT a weak-keyed table holds its values strongly, so
  -- a meta that held the caller's payload would keep alive a result the
  -- payload points to (record.reply = client:call(path, record)).
  it("lets a result go even when the payload the call sent points to it", function()
    local watch = watched()
    local weak = setmetatable({}, { __mode = "v" })
    for i = 1, 20 do
      local record = { email = "a@example.com" }
      local call = a_call(1, 0)
      call.payload = record
      local result = { id = "r" .. i }
      watch:response(call, 0, 0.01, result, nil, 201, 1, 1)
      record.reply = result
      assert.are.equal(201, observe.meta(result).status)
      weak[i] = result
    end
    collectgarbage()
    collectgarbage()
    assert.is_nil(next(weak))
  end)

  it("marks a read-back result", function()
    local watch = watched()
    local made = { id = "i" }
    watch:response({ method = "POST", path = "/get", attempts = 1, began = 0 }, 0, 0.01, made, nil, 200, 1, 1)
    observe.read_back(made, "key-7")
    assert.are.equal("key-7", observe.meta(made).idempotency_key)
    assert.is_true(observe.meta(made).read_back)
  end)

  it("gives a hook no bodies unless log_bodies is on", function()
    local seen
    local watch = observe.new{ log_level = "off", on_response = function(info) seen = info end }
    watch:response(a_call(), 0, 0.001, { id = "a" }, nil, 200, 10, 10, "sent", "got")
    assert.is_nil(seen.request_body)
    watch = observe.new{ log_level = "off", log_bodies = true, on_response = function(info) seen = info end }
    watch:response(a_call(), 0, 0.001, { id = "a" }, nil, 200, 10, 10, "sent", "got")
    assert.are.same({ "sent", "got" }, { seen.request_body, seen.response_body })
  end)

  it("survives a hook whose error value cannot even be shown", function()
    local watch, lines = watched{ on_request = function()
      error(setmetatable({}, { __tostring = function() error("inner") end }))
    end }
    assert.has_no_error(function() watch:request(a_call(1)) end)
    assert.truthy(lines[1]:find("an error value that cannot be shown", 1, true), lines[1])
  end)

  it("reports a raising hook once, at warn, and goes on", function()
    local calls = 0
    local watch, lines = watched{ on_request = function()
      calls = calls + 1
      error("boom")
    end }
    watch:request(a_call(1))
    watch:request(a_call(2))
    assert.are.equal(2, calls)
    assert.are.equal(1, #lines)
    assert.truthy(lines[1]:find("^warn calypso=hook_failed hook=on_request message=\".*boom"))
  end)
end)

describe("the log options", function()
  local base = { key = "k", secret = "s", account = "0x" .. ("a"):rep(40) }
  local function with(extra)
    local o = {}
    for k, v in pairs(base) do o[k] = v end
    for k, v in pairs(extra) do o[k] = v end
    return o
  end

  it("take a level, a logger, hooks and log_bodies, and refuse wrong ones by name", function()
    assert.is_table(options.check(with{ log_level = "debug", logger = print, on_request = print,
      on_response = print, on_retry = print, log_bodies = true }))
    local _, problem = options.check(with{ log_level = "verbose" })
    assert.are.equal('option \'log_level\' must be "debug", "info", "warn" or "off"', problem)
    _, problem = options.check(with{ on_response = "print" })
    assert.are.equal("option 'on_response' must be a function, got string", problem)
  end)

  it("read CALYPSO_LOG for the default client", function()
    local env = { CALYPSO_API_KEY = "k", CALYPSO_ACCOUNT = base.account, CALYPSO_LOG = "info" }
    local opts = options.from_env(function(name) return env[name] end, function() return true end)
    assert.are.equal("info", opts.log_level)
    env.CALYPSO_LOG = "loud"
    local none, problem = options.from_env(function(name) return env[name] end, function() return true end)
    assert.is_nil(none)
    assert.are.equal('CALYPSO_LOG must be "debug", "info", "warn" or "off"', problem)
  end)
end)
