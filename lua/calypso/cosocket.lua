--- The nginx transport: one attempt over ngx.socket.tcp, so that a call made
-- in an nginx request or timer yields to other requests instead of blocking
-- the worker.  The C core still stamps, signs and writes the request and
-- judges the answer (client:prepare, the exchange object); this module only
-- moves the bytes:
--   connect, through a keep-alive pool per host and port (names are resolved
--   by nginx's `resolver`); a new connection does TLS with verification
--   against lua_ssl_trusted_certificate and the host name (also the SNI);
--   send; read until the exchange holds a whole answer; back to the pool if
--   the verdict allows it.  What went wrong is reported as a failure class
--   (ex:fail); the core alone decides what the call returns.
-- Timeouts: connect_timeout bounds connect and handshake; every read and
-- write gets what is left of the attempt's timeout.  No request is ever
-- written twice here; retries are calypso.retry's decision.
-- @module calypso.cosocket
local core = require "calypso.core"

local M = {}

local Transport = {}
Transport.__index = Transport

M.keepalive_ms = 60000

--- A transport for a core client; settings: timeout, connect_timeout (seconds).
function M.new(core_client, settings)
  local host, port = core_client:origin()
  return setmetatable({
    core = core_client,
    host = host,
    port = port,
    pool = "calypso:" .. host .. ":" .. port,
    connect_timeout = settings.connect_timeout,
  }, Transport)
end

local function ms(seconds)
  return math.max(1, math.floor(seconds * 1000))
end

-- What failed, as a failure class of the core's facts (src/outcome.c
-- judges it).  A cosocket reports failures only as text, so this is the one
-- place that reads ngx's words; spec/openresty_spec.lua's rows hold it to them.
--   step: "connect", "handshake" or "io" (send and receive)
local function failure_class(step, err)
  if err == "timeout" then return "timeout" end
  if step == "connect" then
    if err:find("resolve", 1, true) or err:find("resolver", 1, true) then return "dns" end
    return "connect"
  end
  if err == "closed" then return "closed" end
  if step == "handshake" and not err:find("reset", 1, true) then return "tls" end
  return "reset"
end

-- Fails the exchange: the socket is closed (its state is unknown) and the
-- core turns what happened into the call's error.
local function failed(sock, ex, step, err, detail)
  sock:close()
  ex:fail(failure_class(step, err), detail)
  return ex:finish()
end

--- transport:attempt(path, payload, timeout) -> result | nil, err
function Transport:attempt(path, payload, timeout)
  local request, ex = self.core:prepare(path, payload)
  if not request then return nil, ex end
  local stop_at = core.monotonic() + timeout
  local function left() return stop_at - core.monotonic() end

  local sock = ngx.socket.tcp()
  sock:settimeout(ms(math.min(self.connect_timeout, left())))
  local ok, err = sock:connect(self.host, self.port, { pool = self.pool })
  if not ok then
    return failed(sock, ex, "connect", err, ("connect to %s:%d: %s"):format(self.host, self.port, err))
  end
  if sock:getreusedtimes() == 0 then
    local called, done
    called, done, err = pcall(sock.sslhandshake, sock, nil, self.host, true)
    if not called then
      -- lua-resty-core asserts when a handshake completes at once and then
      -- fails verification (and with false for the session it would report
      -- success on a socket nginx has already closed): either way it failed.
      done, err = nil, "the certificate or handshake was refused (see nginx's error log)"
    end
    if not done then
      return failed(sock, ex, "handshake", err, "TLS handshake with " .. self.host .. ": " .. err
        .. " (the trust store is nginx's lua_ssl_trusted_certificate)")
    end
  end

  if left() <= 0 then return failed(sock, ex, "io", "timeout", "no time left to send") end
  sock:settimeout(ms(left()))
  ex:sent() -- before the write: a failed send does not say how much of it left
  ok, err = sock:send(request)
  if not ok then return failed(sock, ex, "io", err, "send: " .. err) end

  while true do
    if left() <= 0 then return failed(sock, ex, "io", "timeout", "no complete answer in time") end
    sock:settimeout(ms(left()))
    local data
    data, err = sock:receiveany(16384)
    if data then
      if ex:feed(data) then break end
    elseif err == "closed" then
      ex:eof()
      break
    else
      return failed(sock, ex, "io", err, "receive: " .. err)
    end
  end
  local result, problem = ex:finish()
  if ex:reusable() then sock:setkeepalive(M.keepalive_ms) else sock:close() end
  return result, problem
end

return M
