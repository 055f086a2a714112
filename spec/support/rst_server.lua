-- spec/support/rst_server.lua LOG: a peer that resets every TCP connection at
-- once (SO_LINGER 0), before any TLS, and appends a line to LOG for each.
-- Prints its port once listening; serves until killed, or until nobody has
-- connected for 60 s.  Start it as: sh -c 'echo $$; exec lua5.4 rst_server.lua LOG'
local socket = require "socket"

local log = assert(arg[1], "usage: rst_server.lua LOG")
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
io.stdout:write(port, "\n")
io.stdout:flush()
server:settimeout(60)
while true do
  local conn = server:accept()
  if not conn then break end
  -- Logged before the reset, so a client that has seen it can rely on the line.
  local f = assert(io.open(log, "a"))
  f:write("reset\n")
  f:close()
  conn:setoption("linger", { on = true, timeout = 0 })
  conn:close()
end
