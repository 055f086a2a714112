--- The non-blocking API: many requests in flight at once, in one Lua state,
-- moved along by the caller's own loop (a game frame, an event loop).
--
--    local req, err = client.async.customer.create{ email = "ada@example.com" }
--    client:poll(0)              -- move every request along; never blocks
--    if req:done() then local customer, err = req:result() end
--    client:wait()               -- block until none is left (scripts, tests)
--
-- A validation error comes back at once, and nothing is sent.  Otherwise the
-- request runs the same driver as a blocking call (calypso.retry.run, the
-- keyed read-back, the hooks), as a coroutine of its own: where a blocking
-- call would wait for the network or sleep before a retry, the request's
-- coroutine yields to this engine, which moves every attempt on the core's
-- multi transport (src/multi.c, which stamps and signs each attempt as it
-- leaves) and resumes each request when its attempt ends or its wait is
-- over.  For a host loop that waits on sockets itself, `client:fds()` says
-- which descriptors to watch and for how long; the README shows it with
-- poll(2).
-- @module calypso.async
local core = require "calypso.core"

local M = {}

local ATTEMPT, SLEEP = {}, {} -- what a request's coroutine yields for

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

--- A new engine for a core client; monotonic: the clock its retries' waits
-- are kept on.
-- @local
function M.new(core_client, monotonic)
  return setmetatable({
    core = core_client,
    monotonic = monotonic,
    running = {}, -- slot -> request whose attempt the core's multi transport has
    inflight = 0, -- entries in running
    waiting = {}, -- requests waiting to retry, each with its _at
    count = 0,    -- requests not yet done
  }, Engine)
end

--- sleep(seconds): a retry's wait, from inside a request's coroutine
-- (calypso.retry's env.sleep): the engine resumes it when it is due.
-- @local
function M.sleep(seconds)
  coroutine.yield(SLEEP, seconds)
end

local Transport = {}
Transport.__index = Transport

--- One attempt on a multi handle (the client's, or a lane: calypso.loop),
-- for the transports built on it: submit (the envelope, stamped and signed
-- as it leaves), on_built(), start, then await(slot) -> the slot's entry of
-- drive() (the transport's way to wait for it); what moved is kept on
-- record for last(), and the slot released.  -> result | nil, err
-- @local
function M.attempt(record, multi, path, payload, timeout, route, on_built, await)
  local slot, problem = multi:submit(path, payload, route)
  if not slot then
    record.status, record.sent, record.received, record.request_body, record.response_body = 0, 0, 0, nil, nil
    return nil, problem
  end
  if on_built then on_built() end
  multi:start(slot, timeout)
  local entry = await(slot)
  -- Kept for last(), which calypso.retry asks before anything can yield.
  record.status, record.sent, record.received = entry[4], entry[5], entry[6]
  if record.bodies then record.request_body, record.response_body = multi:bodies(slot) end
  multi:release(slot)
  return entry[2], entry[3]
end

--- record:last([bodies]) -> status, sent, received [, request_body,
-- response_body]: what the last M.attempt moved (a transport's last()).
-- @local
function M.last(record, bodies)
  if not bodies then return record.status or 0, record.sent or 0, record.received or 0 end
  return record.status or 0, record.sent or 0, record.received or 0, record.request_body, record.response_body
end

--- The transport calypso.retry.run drives inside a request's coroutine:
-- one attempt on the core's multi handle, yielding until it ends.
-- bodies: keep each attempt's envelope and answer for last() (log_bodies).
-- @local
function M.transport(core_client, bodies)
  return setmetatable({ core = core_client, bodies = bodies }, Transport)
end

local function await_engine(slot) return coroutine.yield(ATTEMPT, slot) end

--- transport:attempt(path, payload, timeout [, route [, on_built]]) -> result | nil, err
function Transport:attempt(path, payload, timeout, route, on_built)
  return M.attempt(self, self.core, path, payload, timeout, route, on_built, await_engine)
end

Transport.last = M.last

-- Resumes req's coroutine with ...; files it under what it yields for
-- (an attempt's slot, a wait), or settles it when the driver returned.
-- Returns true when the request is done.  A raise inside is raised here.
local function resume(self, req, ...)
  local ran, what, a = coroutine.resume(req._co, ...)
  if not ran then
    req._done = true
    self.count = self.count - 1
    error(what, 0)
  end
  if what == ATTEMPT then
    req._at = nil
    self.running[a] = req
    self.inflight = self.inflight + 1
    return false
  end
  if what == SLEEP then
    req._at = self.monotonic() + a
    self.waiting[#self.waiting + 1] = req
    return false
  end
  req._done, req._value, req._err = true, what, a -- the driver's result, err
  self.count = self.count - 1
  return true
end

--- engine:spawn(run, path, key) -> request | nil, err: runs run() (the
-- driver, returning result | nil, err) as a request; it goes as far as its
-- first attempt now.  A call the core refused to build (nothing sent)
-- comes back as nil, err at once.
-- @local
function Engine:spawn(run, path, key)
  local req = setmetatable({ path = path, idempotency_key = key, _engine = self, _done = false,
                             _co = coroutine.create(run) }, Request)
  self.count = self.count + 1
  if resume(self, req) and req._err and req._err.kind == "validation" and req._err.attempts == 0 then
    return nil, req._err
  end
  return req
end

-- Starts the retries that are due; returns the seconds until the next, or nil.
local function due(self, now)
  local waiting, next_in, i = self.waiting, nil, 1
  while i <= #waiting do
    local req = waiting[i]
    if req._at <= now then
      table.remove(waiting, i)
      req._at = nil
      resume(self, req)
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
  local monotonic = self.monotonic
  local stop = monotonic() + (timeout or 0)
  while self.count > 0 do
    local now = monotonic()
    local wait = math.max(0, stop - now)
    local retry_in = due(self, now)
    if retry_in and retry_in < wait then wait = retry_in end
    local finished = false
    if self.inflight > 0 then
      local ended = self.core:drive(wait)
      for i = 1, #ended do
        local entry = ended[i]
        local req = self.running[entry[1]]
        self.running[entry[1]] = nil
        self.inflight = self.inflight - 1
        finished = resume(self, req, entry) or finished
      end
    elseif wait > 0 then
      core.sleep(wait) -- only retries are waiting
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
  local now = self.monotonic()
  for _, req in ipairs(self.waiting) do
    timeout = math.min(timeout or math.huge, math.max(0, req._at - now))
  end
  if timeout == nil and next(fds) == nil then timeout = 0 end -- never wait on nothing
  return fds, timeout
end

return M
