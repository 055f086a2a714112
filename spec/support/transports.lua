-- spec/support/transports.lua: the same calls through each of the client's
-- three transports, so that a spec holds them to one verdict:
--   blocking  client:call in this process (src/conn.c)
--   async     client.async.call(...):wait() in this process, HTTP/1.1
--             (src/link.c: libcurl connects, the core writes and reads)
--   cosocket  client:call inside nginx (lua/calypso/cosocket.lua), through
--             the probe server of spec/support/probe.conf
--   cqueues   client:call in a cq:wrap function, loop = "cqueues"
--   luv       client:call in a coroutine under uv.run(), loop = "luv"
--   tarantool client:call in a Tarantool fiber, loop = "tarantool"
--             (spec/support/tarantool_run.lua, in a tarantool process)
--   (the three loops: lua/calypso/loop.lua, each call on a lane of its own)
--   local t = transports.start(emu)
--   t:run("cosocket", { timeout = 1 }, { { path = ..., payload = {}, pad = n, opts = {} }, ... }
--         [, location])
--     (pad: payload.description becomes n bytes, made where the call is made;
--     opts: client:call's, such as method = "DELETE"; unencodable = true: the
--     payload gets a function, which the core refuses to encode; or
--     { row = "invoice.create_single", params = {...}, opts = {...} }: the
--     endpoint function, client.async's on the async transport)
--     -> { { result = ... } | { err = { kind, status, code, ... } }, ... }
--   (location: the probe's, for cosocket; "/call" unless given)
--   options.record (spec/support/recorder.lua): each answer also has
--   `events`, what the hooks and logger saw, and `meta`, calypso.meta(result)
--   t:stop()
local calypso = require "calypso"
local cjson = require "cjson"
local openresty = require "support.openresty"
local recorder = require "support.recorder"
local shell = require "support.shell"

local M = { names = { "blocking", "async", "cosocket", "cqueues", "luv", "tarantool" },
            loops = { "cqueues", "luv", "tarantool" } }

local Transports = {}
Transports.__index = Transports

function M.start(emu)
  return setmetatable({ emu = emu, probe = openresty.start(emu, "spec/support/probe.conf") }, Transports)
end

function Transports:stop()
  self.probe:stop()
end

local function in_process(client, take, calls, async)
  local answers = {}
  for i, call in ipairs(calls) do
    if call.before then call.before() end -- in this process only: a function has no JSON
    local payload = call.payload or {}
    if call.pad then payload.description = ("x"):rep(call.pad) end
    if call.unencodable then payload.callback = print end -- no JSON for a function
    local result, err
    local group, name = (call.row or ""):match("^(.-)%.(.+)$")
    if group and async then
      local req
      req, err = client.async[group][name](call.params, call.opts)
      if req then result, err = req:wait() end
    elseif group then
      result, err = client[group][name](call.params, call.opts)
    elseif async then
      local req
      req, err = client.async.call(call.path, payload, call.opts)
      if req then result, err = req:wait() end
    else
      result, err = client:call(call.path, payload, call.opts)
    end
    answers[i] = result ~= nil and { result = result } or { err = err }
    answers[i].events = take()
    answers[i].meta = result ~= nil and calypso.meta(result) or nil
  end
  client:close()
  return answers
end

--- transports.in_loop(kind, body): runs body() in a coroutine of a
-- cqueues controller or of luv's default loop (kind), until the loop is
-- idle; an error in body is raised here.
function M.in_loop(kind, body)
  local failure
  local function guarded()
    local ran, problem = pcall(body)
    if not ran then failure = problem end
  end
  if kind == "cqueues" then
    local cq = require("cqueues").new()
    cq:wrap(guarded)
    assert(cq:loop())
  else
    coroutine.wrap(guarded)()
    require("luv").run()
  end
  if failure then error(failure, 0) end
end

--- transports.tarantool(request [, mode]) -> the answer: runs
-- spec/support/tarantool_run.lua on request ({ options = ..., calls = ... },
-- the options with the emulator's credentials) in a tarantool process and
-- decodes the JSON it printed last: the calls' answers, as the probe gives
-- them, or with mode "twenty" event_loops_spec's figures.
function M.tarantool(request, mode)
  local input = os.tmpname()
  local f = assert(io.open(input, "wb"))
  f:write(cjson.encode(request))
  f:close()
  local ok, out = shell.run("tarantool spec/support/tarantool_run.lua " .. shell.quote(input)
    .. (mode and " " .. mode or ""))
  os.remove(input)
  assert(ok, "the tarantool run failed: " .. out)
  local json = out:match(mode == "twenty" and "TWENTY (%b{})" or "ANSWERS (%b[])")
  return cjson.decode((assert(json, out)))
end

function Transports:run(name, options, calls, location)
  if name == "cqueues" or name == "luv" then
    local o, take = recorder.wrap(options)
    if o.http2 == nil then o.http2 = false end -- the emulator's raw answers are HTTP/1.1 bytes
    o.loop = name
    local answers
    M.in_loop(name, function() answers = in_process(self.emu:client(o), take, calls, false) end)
    return answers
  end
  if name == "tarantool" then
    local o = {}
    for k, v in pairs(options or {}) do o[k] = v end
    if o.http2 == nil then o.http2 = false end
    return M.tarantool({ options = self.emu:options(o), calls = calls })
  end
  if name == "blocking" then
    local o, take = recorder.wrap(options)
    return in_process(self.emu:client(o), take, calls, false)
  end
  if name == "async" then
    local o, take = recorder.wrap(options)
    if o.http2 == nil then o.http2 = false end -- the emulator's raw answers are HTTP/1.1 bytes
    return in_process(self.emu:client(o), take, calls, true)
  end
  assert(name == "cosocket", "no transport " .. tostring(name))
  local body = cjson.encode({ options = options or {}, calls = calls })
  local ok, out = shell.run("curl -sS --fail -H 'Content-Type: application/json' --data-binary "
    .. shell.quote(body) .. " " .. self.probe.url .. (location or "/call"))
  assert(ok, "the probe failed: " .. out .. "\n" .. self.probe:log():sub(-2000))
  return cjson.decode(out)
end

return M
