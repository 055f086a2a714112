-- spec/support/emulator.lua: start, steer and stop a real emulator (nginx
-- with a throwaway CA) from a spec.  Control goes through a client
-- independent of the one under test: LuaSocket on the emulator's plain-HTTP
-- control port (loopback; the API itself is TLS only), else the curl command.
--   local emu = emulator.start()     -- in setup()
--   emu:client{ timeout = 1 }        -- a calypso client that trusts emu's CA
--   emu:fault{ mode = "stall", seconds = 3 }
--   emu:stats().received             -- API requests the emulator has seen
--   emu:wait_for("created", n)       -- until the emulator has made n customers
--   emu:stop()                       -- in teardown()
-- Under scripts/with-emulator (make test) every file gets the run's one
-- emulator (CALYPSO_SPEC_EMULATOR), reset by start() and by stop(), which
-- leaves it running for the next file.
local cjson = require "cjson"
local calypso = require "calypso"
local shell = require "support.shell"

local config = dofile("emulator/lua/emulator/config.lua")

local M = { key = config.key, secret = config.secret, account = config.account,
            NONE = setmetatable({}, { __tostring = function() return "emulator.NONE" end }) }

local Emulator = {}
Emulator.__index = Emulator

local quote, run = shell.quote, shell.run

function M.start()
  local out, ok = os.getenv("CALYPSO_SPEC_EMULATOR"), true
  local shared = out ~= nil and out ~= ""
  if not shared then ok, out = run("emulator/bin/emulator start") end
  assert(ok, "the emulator did not start:\n" .. out)
  local self = setmetatable({ shared = shared }, Emulator)
  for name, value in out:gmatch("([%w_]+)=([^\n]+)") do self[name] = value end
  self.other_cafile = self.dir .. "/other-ca.pem"
  if shared then self:reset() end
  return self
end

function Emulator:stop()
  if self.shared then
    self:reset()
    return
  end
  assert(run("emulator/bin/emulator stop " .. quote(self.dir)))
end

-- One control request on the emulator's plain-HTTP control port (LuaSocket,
-- in this process: no curl process, no handshake); ok, text.
local function plain_control(url, body)
  local http, ltn12 = require "socket.http", require "ltn12"
  local chunks, text = {}, body and cjson.encode(body)
  local request = { url = url, method = body and "POST" or "GET", sink = ltn12.sink.table(chunks) }
  if text then
    request.source = ltn12.source.string(text)
    request.headers = { ["Content-Type"] = "application/json", ["Content-Length"] = tostring(#text) }
  end
  local ok, status = http.request(request)
  local answer = table.concat(chunks)
  return ok ~= nil and status == 200, ok and answer or tostring(status)
end

-- POSTs (or GETs, without body) /__emulator/<name>; returns the decoded answer.
function Emulator:control(name, body)
  if self.control_url then
    local ok, out = plain_control(self.control_url .. name, body)
    assert(ok, "emulator control " .. name .. " failed: " .. out)
    return cjson.decode(out)
  end
  local cmd = "curl -sS --fail --cacert " .. quote(self.cafile)
  if body then
    cmd = cmd .. " -H 'Content-Type: application/json' --data-binary " .. quote(cjson.encode(body))
  end
  local ok, out = run(cmd .. " " .. quote(self.base_url .. "/__emulator/" .. name))
  assert(ok, "emulator control " .. name .. " failed: " .. out)
  return cjson.decode(out)
end

function Emulator:stats() return self:control("stats") end

-- Polls stats until stats[field] reaches at least value (a readiness check,
-- for work the emulator finishes after the client has given up); returns
-- the stats, or fails after `seconds` (default 10).
function Emulator:wait_for(field, value, seconds)
  local core = require "calypso.core"
  local stop_at = core.monotonic() + (seconds or 10)
  while true do
    local stats = self:stats()
    if stats[field] >= value then return stats end
    assert(core.monotonic() < stop_at, "emulator " .. field .. " stayed below " .. value)
    core.sleep(0.05)
  end
end

function Emulator:reset() return self:control("reset", {}) end

function Emulator:fault(f) return self:control("fault", f) end

-- Makes count transactions for a customer; returns their ids.
function Emulator:seed(customer_id, count)
  return self:control("seed", { customerId = customer_id, count = count }).ids
end

-- Shifts the emulator's clock by ms; its Date header follows unless date is false.
function Emulator:skew_clock(ms, date)
  return self:control("clock", { skew_ms = ms, date = date })
end

-- Options for calypso.new that reach this emulator; overrides win, and an
-- override of M.NONE removes the option.
function Emulator:options(overrides)
  local opts = {
    key = config.key,
    secret = config.secret,
    account = config.account,
    base_url = self.base_url,
    cafile = self.cafile,
  }
  for k, v in pairs(overrides or {}) do
    if v == M.NONE then opts[k] = nil else opts[k] = v end
  end
  return opts
end

function Emulator:client(overrides)
  return calypso.new(self:options(overrides))
end

return M
