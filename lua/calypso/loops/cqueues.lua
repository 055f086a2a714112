--- The cqueues adapter (`calypso.new{ ..., loop = "cqueues" }`): a call
-- made inside a `cq:wrap` function waits with `cqueues.poll`, so the
-- controller runs everything else meanwhile (calypso.loop).
-- @module calypso.loops.cqueues
local cqueues = require "cqueues"

local M = {}

--- wait(fd, "r" | "w" | "rw", seconds) -> true | nil, "timeout"
-- cqueues keeps a descriptor it polled in its epoll set until a later
-- step, and fails that step ("Bad file descriptor") if libcurl has closed
-- it by then: so each wait hands the descriptor back (cqueues.cancel) while
-- it is still open.
function M.wait(fd, mode, seconds)
  local pollable = { pollfd = fd, events = mode }
  local ready = cqueues.poll(pollable, seconds) == pollable
  cqueues.cancel(fd)
  if ready then return true end
  return nil, "timeout"
end

--- sleep(seconds)
function M.sleep(seconds)
  cqueues.sleep(seconds)
end

--- now() -> seconds (monotonic)
M.now = cqueues.monotime

--- can_wait() -> true | nil, why
function M.can_wait()
  if cqueues.running() then return true end
  return nil, "with loop = \"cqueues\", make calls inside a function the controller runs (cq:wrap)"
end

return M
