--- The non-blocking API: many requests in flight at once, in one Lua state,
-- moved along by the caller's own loop (a game frame, an event loop).
--
--    local req, err = client.async.customer.create{ email = "ada@example.com" }
--    client:poll(0)              -- move every request along; never blocks
--    if req:done() then local customer, err = req:result() end
--    client:wait()               -- block until none is left (scripts, tests)
--
-- A validation error comes back at once, and nothing is sent.  Otherwise the
-- request goes to the core's multi transport, which stamps and signs each
-- attempt as it leaves.  Failed attempts follow the blocking API's retry
-- policy, with the same error model; a retry waits its turn without
-- blocking.  The per-call options and the hooks work here as on the
-- blocking calls.  For a host loop that waits on sockets itself,
-- `client:fds()` says which descriptors to watch and for how long; the
-- README shows it with poll(2).
-- @module calypso.async
local retry = require "calypso.retry"

local M = {}

local Request = {}
Request.__index = Request

--- req:done() -> true once the request has its result or its final error.
function Request:done()
  return self._done
end

--- req:result() -> result | nil, err.  Raises if the request is not done:
-- drive it with client:poll() or client:wait() first.
function Request:result()
  if not self._done then
    error("calypso: the request has not finished; call client:poll() or client:wait() first", 2)
  end
  if self._err ~= nil then return nil, self._err end
  return self._value
end

--- req:wait() -> result | nil, err: drives the client until this request is done.
function Request:wait()
  while not self._done do self._engine:poll(60) end
  return self:result()
end

function Request.__tostring(self)
  local state = self._done and (self._err and "failed" or "done")
    or self._at and "waiting to retry" or "running"
  return "calypso.Request (" .. self.path .. ", " .. state .. ")"
end

local Engine = {}
Engine.__index = Engine

--- A new engine for a core client; env is calypso.retry's, watch calypso.observe's.
-- @local
function M.new(core_client, env, watch)
  return setmetatable({
    core = core_client,
    env = env,
    watch = watch,
    running = {}, -- slot -> request, its attempt with libcurl
    inflight = 0, -- entries in running
    waiting = {}, -- requests waiting to retry, each with its _at
    count = 0,    -- requests not yet done
  }, Engine)
end

--- Starts the request's next attempt.
-- @local
function Engine:start(req)
  local state = req._retry
  req._at = nil
  state.attempts = state.attempts + 1
  self.watch:request(req._call, state)
  req._began = self.env.monotonic()
  self.core:start(req._slot, retry.timeout(state, self.env))
  self.running[req._slot] = req
  self.inflight = self.inflight + 1
end

--- engine:send(call) -> request | nil, err; call as calypso.retry.run's.
-- @local
function Engine:send(call)
  local slot, err = self.core:submit(call.path, call.payload, call.route)
  if not slot then
    err.attempts, err.retryable, err.maybe_applied = 0, false, false
    return nil, err
  end
  local req = setmetatable({
    path = call.path, _engine = self, _slot = slot, _call = call,
    _retry = retry.begin(self.env, call), _done = false,
  }, Request)
  self.count = self.count + 1
  self:start(req)
  return req
end

-- The request's last attempt ended with value or err.  A request may carry
-- _after(value, err) -> value, err [, follow, combine] (client.lua's, for
-- keyed creates): its verdict is the request's; or, with a follow-up
-- request, the request waits for that one and ends with
-- combine(follow's value, follow's err).  Returns true if a request is done.
local function settle(self, req, value, err)
  req._done, req._value, req._err = true, value, err
  self.count = self.count - 1
  local parent = req._parent
  if parent then
    req._parent = nil
    settle(self, parent, parent._combine(value, err))
  end
  return true
end

local function finish(self, req, value, err)
  self.core:release(req._slot)
  req._slot = nil
  local after = req._after
  if after then
    req._after = nil
    local follow, combine
    value, err, follow, combine = after(value, err)
    if follow then
      follow._parent, req._combine = req, combine
      return false
    end
  end
  return settle(self, req, value, err)
end

-- An attempt ended (an entry of core:drive's list, { slot, result, err,
-- status, sent, received }): the request is done (true), or waits to retry.
local function ended(self, entry)
  local slot, value, err = entry[1], entry[2], entry[3]
  local req = self.running[slot]
  local watch, state, call = self.watch, req._retry, req._call
  self.running[slot] = nil
  self.inflight = self.inflight - 1
  local req_body, resp_body
  if watch.bodies then req_body, resp_body = self.core:bodies(slot) end
  watch:response(call, state, req._began, self.env.monotonic(), value, err, entry[4], entry[5],
                 entry[6], req_body, resp_body)
  if value ~= nil then return finish(self, req, value) end
  local wait, rule = retry.after(state, err, call.idempotent, self.env)
  if wait == nil then return finish(self, req, nil, err) end
  watch:retry(call, state, err, wait, rule)
  req._at = self.env.monotonic() + wait
  self.waiting[#self.waiting + 1] = req
  return false
end

-- Starts the retries that are due; returns the seconds until the next, or nil.
local function due(self, now)
  local waiting, next_in, i = self.waiting, nil, 1
  while i <= #waiting do
    local req = waiting[i]
    if req._at <= now then
      table.remove(waiting, i)
      self:start(req)
    else
      next_in = math.min(next_in or math.huge, req._at - now)
      i = i + 1
    end
  end
  return next_in
end

--- engine:poll([timeout]) -> running: moves every request along for at most
-- timeout seconds (default 0), returning early once one is done.
-- @local
function Engine:poll(timeout)
  local monotonic = self.env.monotonic
  local stop = monotonic() + (timeout or 0)
  while self.count > 0 do
    local now = monotonic()
    local wait = math.max(0, stop - now)
    local retry_in = due(self, now)
    if retry_in and retry_in < wait then wait = retry_in end
    local finished = false
    if self.inflight > 0 then
      local done = self.core:drive(wait)
      for i = 1, #done do finished = ended(self, done[i]) or finished end
    elseif wait > 0 then
      self.env.sleep(wait) -- only retries are waiting
    end
    if finished or monotonic() >= stop then break end
  end
  return self.count
end

--- engine:wait(): polls until no request is left.
-- @local
function Engine:wait()
  while self.count > 0 do self:poll(60) end
end

--- engine:fds() -> { [fd] = "r" | "w" | "rw" }, timeout | nil: what to wait on
-- before the next poll(0), and the most seconds to wait (nil: no request).
-- @local
function Engine:fds()
  local fds, timeout = self.core:watch()
  if self.count == 0 then return fds, nil end
  local now = self.env.monotonic()
  for _, req in ipairs(self.waiting) do
    timeout = math.min(timeout or math.huge, math.max(0, req._at - now))
  end
  if timeout == nil and next(fds) == nil then timeout = 0 end -- never wait on nothing
  return fds, timeout
end

return M
