--- The luv adapter (`calypso.new{ ..., loop = "luv" }`): a call made in a
-- coroutine yields it while a poll handle or a timer of the default loop
-- waits, and the handle's callback resumes it; `uv.run()` runs everything
-- else meanwhile (calypso.loop).  A call outside a coroutine (in a plain
-- callback, say) cannot wait without blocking the loop: it raises.
-- @module calypso.loops.luv
local uv = require "luv"

local M = {}

-- The running coroutine, if a yield from here goes back to a resume.
local function current()
  local co, main = coroutine.running()
  if co == nil or main then return nil end
  if coroutine.isyieldable and not coroutine.isyieldable() then return nil end
  return co
end

-- Resumes co with ...; an error in it is raised from the callback, where
-- uv.run reports it.
local function resume(co, ...)
  local ok, problem = coroutine.resume(co, ...)
  if not ok then error(problem, 0) end
end

local function ms(seconds)
  return math.max(0, math.ceil(seconds * 1000))
end

--- wait(fd, "r" | "w" | "rw", seconds) -> true | nil, "timeout"
function M.wait(fd, mode, seconds)
  local co = assert(current(), "calypso: loop = \"luv\" waits only inside a coroutine")

  local poll, timer = uv.new_socket_poll(fd), uv.new_timer()
  local function finish(ready)
    if poll:is_closing() then return end
    poll:stop()
    poll:close()
    timer:stop()
    timer:close()
    resume(co, ready)
  end
  poll:start(mode, function() finish(true) end)
  timer:start(ms(seconds), 0, function() finish(false) end)
  if coroutine.yield() then return true end
  return nil, "timeout"
end

--- sleep(seconds)
function M.sleep(seconds)
  local co = assert(current(), "calypso: loop = \"luv\" sleeps only inside a coroutine")
  local timer = uv.new_timer()
  timer:start(ms(seconds), 0, function()
    timer:close()
    resume(co)
  end)
  coroutine.yield()
end

--- now() -> seconds (monotonic)
function M.now()
  return uv.hrtime() / 1e9
end

--- can_wait() -> true | nil, why
function M.can_wait()
  if current() then return true end
  return nil, "with loop = \"luv\", make calls inside a coroutine (coroutine.wrap(f)() before uv.run())"
end

return M
