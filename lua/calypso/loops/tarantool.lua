--- The Tarantool adapter (`calypso.new{ ..., loop = "tarantool" }`): a call
-- made in a fiber waits with `socket.iowait` and `fiber.sleep`, which
-- yield to Tarantool's event loop (calypso.loop).  Tarantool's Lua is
-- LuaJIT: it loads the LuaJIT build of the core.
-- @module calypso.loops.tarantool
local clock = require "clock"
local fiber = require "fiber"
local socket = require "socket"

local M = {}

local events = { r = "R", w = "W", rw = "RW" }

--- wait(fd, "r" | "w" | "rw", seconds) -> true | nil, "timeout"
function M.wait(fd, mode, seconds)
  local ready = socket.iowait(fd, events[mode], seconds)
  if ready ~= nil and ready ~= 0 and ready ~= "" then return true end
  return nil, "timeout"
end

--- sleep(seconds)
M.sleep = fiber.sleep

--- now() -> seconds (monotonic)
M.now = clock.monotonic

--- can_wait() -> true: every Tarantool Lua runs in a fiber, which may yield.
function M.can_wait()
  return true
end

return M
