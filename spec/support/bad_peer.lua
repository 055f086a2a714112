-- spec/support/bad_peer.lua MODE LOG: a TCP peer that spoils every TLS
-- handshake, and appends a line to LOG for each connection (before it acts,
-- so a client that has seen the act can rely on the line).
--   reset  resets the connection at once (SO_LINGER 0)
--   plain  answers in plain HTTP, as a server without TLS would
-- Prints its port once listening; serves until killed, or until nobody has
-- connected for 60 s.  Start it as: sh -c 'echo $$; exec lua5.4 bad_peer.lua MODE LOG'
local socket = require "socket"

local mode, log = arg[1], arg[2]
assert(mode == "reset" or mode == "plain", "usage: bad_peer.lua reset|plain LOG")
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
io.stdout:write(port, "\n")
io.stdout:flush()
server:settimeout(60)
while true do
  local conn = server:accept()
  if not conn then break end
  local f = assert(io.open(log, "a"))
  f:write(mode, "\n")
  f:close()
  if mode == "reset" then
    conn:setoption("linger", { on = true, timeout = 0 })
  else
    conn:settimeout(1)
    conn:receive(1) -- the ClientHello has arrived
    conn:send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
  end
  conn:close()
end
