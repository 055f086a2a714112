-- spec/support/dns_server.lua: a DNS responder for nginx's `resolver` in the
-- OpenResty test: every A query gets 127.0.0.1, anything else no answer.
-- With the argument "silent" it answers nothing at all, as a resolver that
-- has gone away behind a firewall does.
-- Prints its UDP port; serves until killed, or 120 s without a query.
-- Start it as: sh -c 'echo $$; exec lua5.4 dns_server.lua [silent]'
local socket = require "socket"

local udp = assert(socket.udp())
assert(udp:setsockname("127.0.0.1", 0))
local _, port = udp:getsockname()
io.stdout:write(port, "\n")
io.stdout:flush()
udp:settimeout(120)

local silent = arg[1] == "silent"

local LOOPBACK_A = "\192\12\0\1\0\1\0\0\0\60\0\4\127\0\0\1" -- name at 12, A, IN, TTL 60, 127.0.0.1

while true do
  local query, ip, from = udp:receivefrom()
  if not query then break end
  local i = 13 -- the question's name: length-prefixed labels, then a zero byte
  while i <= #query and query:byte(i) ~= 0 do i = i + query:byte(i) + 1 end
  if i + 4 <= #query and not silent then
    local is_a = query:byte(i + 1) == 0 and query:byte(i + 2) == 1
    local header = query:sub(1, 2) .. "\129\128\0\1" .. (is_a and "\0\1" or "\0\0") .. "\0\0\0\0"
    udp:sendto(header .. query:sub(13, i + 4) .. (is_a and LOOPBACK_A or ""), ip, from)
  end
end
