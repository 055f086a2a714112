-- spec/support/relay.lua: a TCP relay on loopback that the test moves by
-- hand, in its own process, so that it decides when the server's bytes reach
-- the client (a TLS handshake held at a chosen step, say).  One connection.
--   local r = relay.new(upstream_port)     -- r.port: where the client connects
--   r:pump{ hold = H }      -- accept, pass the client's bytes on; of the
--                           -- server's, H true keeps them, false passes them
--                           -- on, "final" passes them until the server's last
--                           -- TLS handshake flight and keeps it and the rest
--                           -- (the first with a ChangeCipherSpec record: TLS
--                           -- 1.2's CCS+Finished, TLS 1.3's only flight).
--                           -- Never blocks.
--   r.from_client, r.held   -- bytes the client sent so far; bytes held back
--   r:close()
local socket = require "socket"

local M = {}

local Relay = {}
Relay.__index = Relay

function M.new(upstream_port)
  local server = assert(socket.bind("127.0.0.1", 0))
  server:settimeout(0)
  local _, port = server:getsockname()
  return setmetatable({ server = server, port = port, upstream_port = upstream_port,
                        from_client = 0, held = "", record_left = 0, final = false }, Relay)
end

-- What sock has now, without waiting ("" if nothing); nil once it is closed.
local function available(sock)
  local data, err, partial = sock:receive(16384)
  if data then return data end
  if err == "closed" then return partial ~= "" and partial or nil end
  return partial or ""
end

-- Walks the server's TLS records through chunk (they may span chunks):
-- true once a ChangeCipherSpec record (type 20) has begun.
local function saw_ccs(self, chunk)
  local at = 1 + self.record_left
  while at <= #chunk do
    if chunk:byte(at) == 20 then return true end
    local hi, lo = chunk:byte(at + 3, at + 4)
    if lo == nil then error("relay: a record header split across reads") end
    at = at + 5 + hi * 256 + lo
  end
  self.record_left = at - 1 - #chunk
  return false
end

function Relay:pump(opts)
  if not self.client then
    self.client = self.server:accept()
    if not self.client then return end
    self.client:settimeout(0)
    self.upstream = assert(socket.connect("127.0.0.1", self.upstream_port))
    self.upstream:settimeout(0)
  end
  local up = available(self.client)
  if up and up ~= "" then
    self.from_client = self.from_client + #up
    assert(self.upstream:send(up))
  end
  local down = available(self.upstream)
  if down and down ~= "" then
    if opts.hold == "final" and not self.final then self.final = saw_ccs(self, down) end
    self.held = self.held .. down
  end
  local hold = opts.hold
  if hold == "final" then hold = self.final end
  if not hold and self.held ~= "" then
    self.client:settimeout(1)
    assert(self.client:send(self.held))
    self.client:settimeout(0)
    self.held = ""
  end
end

function Relay:close()
  for _, sock in ipairs{ self.client, self.upstream, self.server } do
    if sock then sock:close() end
  end
end

return M
