-- clock.lua: the sandbox's own time, for what it simulates: real time plus
-- what `advance` has added.  Invoices expire, scheduled payouts run and
-- webhook retries fall due by it, so a test moves hours on with no real
-- waiting.  The ±3-minute timestamp window of a request is judged by real
-- time (with the skew control of auth.lua), never by this one: a client
-- need not follow an advanced sandbox.
local state = require "emulator.state"

local M = {}

--- Seconds since the epoch, as the simulations see them.
function M.now()
  return ngx.now() + state.get_number("clock_advanced_s")
end

--- Moves the simulations' time on by seconds (more than 0); the new offset.
function M.advance(seconds)
  state.set_number("clock_advanced_s", state.get_number("clock_advanced_s") + seconds)
  return state.get_number("clock_advanced_s")
end

return M
