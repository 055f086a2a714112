--- The event-loop transport: one attempt on a lane of the core (a libcurl
-- multi handle of its own: `client:lane()`, src/multi.c), waiting through
-- the host loop's adapter, so that a call made in a cqueues coroutine, a
-- luv coroutine or a Tarantool fiber yields while it waits and never blocks
-- the loop: not name resolution (libcurl's threaded resolver), not the TCP
-- connect, not the TLS handshake, not the exchange.  Retry waits are the
-- adapter's sleep (calypso.client passes it to calypso.retry).  The core
-- builds, stamps and signs the request and judges the answer (outcome.c);
-- this module only waits.
--
-- An adapter is a table of three functions (the README's "Event loops"):
--   wait(fd, "r" | "w" | "rw", timeout_s) -> true | nil, "timeout"
--   sleep(seconds)
--   now() -> seconds on a monotonic clock
-- and may have can_wait() -> true | nil, why: whether a call made here can
-- yield (it raises at the caller's line when it cannot).  calypso.loops.cqueues,
-- .luv and .tarantool are the three Debian has.
--
-- Each call in flight has a lane of its own (kept for the next call after,
-- with its connection), so no two coroutines ever wait on one descriptor.
-- At most M.max_handshakes new lanes connect at once: a TLS handshake costs
-- this machine about 3 ms of CPU (OpenSSL 3 builds a context for each), and
-- twenty of them answered in one turn of the loop would hold it 60 ms.
-- @module calypso.loop
local async = require "calypso.async"

local M = {}

local named = { cqueues = true, luv = true, tarantool = true }

--- The adapter the `loop` option names: "cqueues", "luv", "tarantool", or
-- a table of wait, sleep and now; raises naming a missing library.
-- @local
function M.adapter(loop)
  if type(loop) == "table" then return loop end
  local loaded, adapter = pcall(require, "calypso.loops." .. loop)
  if not loaded then
    error("calypso: option 'loop' = \"" .. loop .. "\" needs its library: " .. tostring(adapter), 0)
  end
  return adapter
end

--- Why the `loop` option's value cannot be used, or nil.
-- @local
function M.problem(loop)
  if type(loop) == "string" then
    if not named[loop] then return 'must be "cqueues", "luv", "tarantool" or an adapter table' end
    return nil
  end
  for _, name in ipairs({ "wait", "sleep", "now" }) do
    if type(loop[name]) ~= "function" then
      return "must be an adapter: a table with the functions wait, sleep and now (missing " .. name .. ")"
    end
  end
  if loop.can_wait ~= nil and type(loop.can_wait) ~= "function" then
    return "has a can_wait that is not a function"
  end
end

local Transport = {}
Transport.__index = Transport

--- A transport for a core client over an adapter; bodies: keep each
-- attempt's envelope and answer for last() (log_bodies); connect_timeout:
-- the client's, after which a handshake no longer counts against the cap;
-- keep: how many idle lanes (each with its connection) to keep for later
-- calls (the client's max_connections); more are closed after their call.
-- @local
function M.new(core_client, adapter, bodies, connect_timeout, keep)
  return setmetatable({ core = core_client, adapter = adapter, bodies = bodies, free = {},
                        keep = keep or 8,
                        -- new lanes connecting: lane -> when it began.  Weak, and
                        -- timed: a lane whose coroutine the loop dropped mid-way
                        -- must not hold a place for ever.
                        connecting = setmetatable({}, { __mode = "k" }),
                        connect_timeout = connect_timeout or 10 }, Transport)
end

-- How many new lanes are connecting now.
local function connecting(self)
  local n, now = 0, self.adapter.now()
  for lane, began in pairs(self.connecting) do
    if now - began > self.connect_timeout then self.connecting[lane] = nil else n = n + 1 end
  end
  return n
end

--- How many new lanes of one client may connect (TLS handshake) at once.
M.max_handshakes = 4

-- Seconds to wait on one descriptor when libcurl watches several (a
-- connect racing IPv6 and IPv4): the adapter waits on one at a time.
local SEVERAL = 0.01

-- Moves the lane's one transfer until it ends: its entry of lane:drive.
-- A new lane (in self.connecting) stops counting once connected.
local function drive(self, lane, slot, fresh)
  local adapter = self.adapter
  while true do
    local ended = lane:drive(0)
    if fresh and (ended[1] or lane:handed(slot)) then
      fresh = false
      self.connecting[lane] = nil
    end
    if ended[1] then return ended[1] end
    local fds, seconds = lane:watch()
    local fd, mode = next(fds)
    if fd == nil then
      adapter.sleep(seconds or 0.001) -- resolving, or libcurl's own timer
    else
      if next(fds, fd) ~= nil then seconds = math.min(seconds or SEVERAL, SEVERAL) end
      adapter.wait(fd, mode, seconds or 1)
    end
  end
end

--- transport:attempt(path, payload, timeout [, route [, on_built]]) -> result | nil, err
-- (as the core client's: on_built is called once the request is built)
function Transport:attempt(path, payload, timeout, route, on_built)
  local free = self.free
  local lane, fresh = free[#free], false
  if lane then
    free[#free] = nil
  else
    fresh = true
    while connecting(self) >= M.max_handshakes do self.adapter.sleep(0.002) end
    lane = self.core:lane()
  end
  -- No pcall here: Lua 5.1 cannot yield across one.  Should the adapter
  -- raise, the lane is never put back, and the collector closes it.
  local result, err = async.attempt(self, lane, path, payload, timeout, route, on_built, function(slot)
    if fresh then self.connecting[lane] = self.adapter.now() end
    return drive(self, lane, slot, fresh)
  end)
  if #free < self.keep then free[#free + 1] = lane else lane:close() end
  return result, err
end

--- transport:last([bodies]) -> status, sent, received [, request_body, response_body]
Transport.last = async.last

return M
