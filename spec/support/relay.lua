-- spec/support/relay.lua: a TCP relay on loopback that the test moves by
-- hand, so that it decides when the server's bytes reach the client (a TLS
-- handshake held at a chosen step, say).  Its first connection is the one
-- held; any later one is passed on as it comes.
--   local r = relay.new(upstream_port)     -- r.port: where the client connects
--   r:pump{ hold = H }      -- accept, pass the client's bytes on; of the
--                           -- server's, H true keeps them, false passes them
--                           -- on, "final" passes them until the server's last
--                           -- TLS handshake flight and keeps it and the rest
--                           -- (the first with a ChangeCipherSpec record: TLS
--                           -- 1.2's CCS+Finished, TLS 1.3's only flight),
--                           -- "records" (with records = N) passes them until
--                           -- the first application-data record, keeps that
--                           -- and what follows until N such records have come
--                           -- whole, then passes them all in one write, and
--                           -- the rest as it comes (TLS 1.2's records: TLS
--                           -- 1.3 writes its handshake as application data).
--                           -- Never blocks.
--   r:serve(opts, n, seconds) -- pump(opts) as the sockets turn readable,
--                           -- until the client has made n connections and
--                           -- closed them all, or `seconds` pass (for a child
--                           -- process: the client's calls block)
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
                        from_client = 0, held = "", record_left = 0, final = false, released = false,
                        extras = {} }, Relay)
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

-- Writes all of data to sock, waiting up to a second for room.
local function send_now(sock, data)
  sock:settimeout(1)
  local sent = sock:send(data)
  sock:settimeout(0)
  return sent
end

-- A connection to the server for one the client made.
local function upstream(self)
  local sock = assert(socket.connect("127.0.0.1", self.upstream_port))
  sock:settimeout(0)
  return sock
end

-- Under hold = "records": how many of the held bytes may go now (see the
-- banner), and whether the N records have come.
local function records_ready(held, want)
  local at, passable, apps = 1, 0, 0
  while at + 4 <= #held do
    local hi, lo = held:byte(at + 3, at + 4)
    local stop = at + 4 + hi * 256 + lo
    if stop > #held then break end
    if held:byte(at) == 23 then
      apps = apps + 1
      if apps == want then return #held, true end
    elseif apps == 0 then
      passable = stop
    end
    at = stop + 1
  end
  return passable, false
end

-- A later connection: both ways as the bytes come.  false once an end has
-- closed (the other is closed then too).
local function pass_extra(extra)
  for _, way in ipairs{ { extra.client, extra.upstream }, { extra.upstream, extra.client } } do
    local data = available(way[1])
    if data == nil then
      extra.client:close()
      extra.upstream:close()
      return false
    end
    if data ~= "" then send_now(way[2], data) end
  end
  return true
end

function Relay:pump(opts)
  if not self.client then
    self.client = self.server:accept()
    if not self.client then return end
    self.client:settimeout(0)
    self.upstream = upstream(self)
  else
    local later = self.server:accept()
    if later then
      later:settimeout(0)
      self.extras[#self.extras + 1] = { client = later, upstream = upstream(self), open = true }
    end
  end
  for _, extra in ipairs(self.extras) do
    if extra.open then extra.open = pass_extra(extra) end
  end
  local up = available(self.client)
  if up == nil then self.client_closed = true end
  if up and up ~= "" then
    self.from_client = self.from_client + #up
    assert(self.upstream:send(up))
  end
  local down = available(self.upstream)
  if down and down ~= "" then
    if opts.hold == "final" and not self.final then self.final = saw_ccs(self, down) end
    self.held = self.held .. down
  end
  local hold, ready = opts.hold, #self.held
  if hold == "final" then hold = self.final end
  if hold == "records" then
    if not self.released then ready, self.released = records_ready(self.held, opts.records) end
    hold = ready == 0
  end
  if not hold and self.held ~= "" then
    assert(send_now(self.client, self.held:sub(1, ready)))
    self.held = self.held:sub(ready + 1)
  end
end

function Relay:serve(opts, connections, seconds)
  local stop_at = socket.gettime() + seconds
  local testsys = require "testsys"
  repeat
    local fds = { [self.server:getfd()] = "r" }
    for _, sock in ipairs{ self.client, self.upstream } do fds[sock:getfd()] = "r" end
    for _, extra in ipairs(self.extras) do
      if extra.open then fds[extra.client:getfd()], fds[extra.upstream:getfd()] = "r", "r" end
    end
    testsys.poll(fds, 0.1)
    self:pump(opts)
    local busy = not self.client_closed or 1 + #self.extras < connections
    for _, extra in ipairs(self.extras) do busy = busy or extra.open end
  until not busy or socket.gettime() >= stop_at
end

function Relay:close()
  for _, sock in ipairs{ self.client, self.upstream, self.server } do
    if sock then sock:close() end
  end
  for _, extra in ipairs(self.extras) do
    if extra.open then
      extra.client:close()
      extra.upstream:close()
    end
  end
end

return M
