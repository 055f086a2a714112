--- The nginx transport: one attempt over ngx.socket.tcp, so that a call made
-- in an nginx request or timer yields to other requests instead of blocking
-- the worker.  The C core still stamps, signs and writes the request and
-- judges the answer (client:prepare, the answer object); this module only
-- moves the bytes:
--   connect, through a keep-alive pool per host and port (names are resolved
--   by nginx's `resolver`), or through the `proxy` option's CONNECT tunnel;
--   a new connection does TLS with verification against
--   lua_ssl_trusted_certificate and the host name (also the SNI);
--   send; read until the exchange holds a whole answer; back to the pool if
--   the verdict allows it.  What went wrong is reported as a failure class
--   (ex:fail); the core alone decides what the call returns.
-- Timeouts: connect_timeout bounds name resolution, connect and handshake;
-- every read and write gets what is left of the attempt's timeout.  No request is ever
-- written twice here; retries are calypso.retry's decision.
-- @module calypso.cosocket
local core = require "calypso.core"

local M = {}

local Transport = {}
Transport.__index = Transport

M.keepalive_ms = 60000

--- A transport for a core client; settings: timeout, connect_timeout (seconds).
function M.new(core_client, settings)
  local host, port, proxy_host, proxy_port = core_client:origin()
  local pool = "calypso:" .. host .. ":" .. port
  if proxy_host then pool = pool .. " via " .. proxy_host .. ":" .. proxy_port end
  return setmetatable({
    core = core_client,
    host = host,
    port = port,
    proxy_host = proxy_host, -- the `proxy` option: CONNECT through it
    proxy_port = proxy_port,
    pool = pool,
    connect_timeout = settings.connect_timeout,
  }, Transport)
end

local function ms(seconds)
  return math.max(1, math.floor(seconds * 1000))
end

-- An address needs no resolver; a name goes through nginx's.
local function is_address(host)
  return host:find("^[%d.]+$") ~= nil or host:find(":", 1, true) ~= nil
end

-- "localhost" (and names under .localhost) is the loopback address by RFC
-- 6761, resolved here without asking nginx's resolver, which a first
-- nginx.conf lacks; TLS still verifies the certificate for the name.
local function loopback_name(host)
  host = host:lower()
  return host == "localhost" or host:find("%.localhost$") ~= nil
end

-- Connects within `seconds`, name resolution included.  nginx resolves a
-- name under its own resolver_timeout (30 s by default, and a silent
-- resolver spends all of it), which no socket timeout covers; so a name is
-- connected to in a light thread that races a sleeping one.  Killing the
-- connecting thread cancels the pending resolution.
local function connect_within(sock, host, port, opts, seconds)
  if loopback_name(host) then host = "127.0.0.1" end
  if is_address(host) then return sock:connect(host, port, opts) end
  local connecting = ngx.thread.spawn(function() return "connected", sock:connect(host, port, opts) end)
  local sleeping = ngx.thread.spawn(function() ngx.sleep(seconds) return "late" end)
  local ran, which, ok, err = ngx.thread.wait(connecting, sleeping)
  if ran and which == "connected" then
    ngx.thread.kill(sleeping)
    return ok, err
  end
  ngx.thread.kill(connecting)
  ngx.thread.kill(sleeping)
  if ran then return nil, "timeout" end
  return nil, tostring(which) -- a thread raised
end

-- The words lua-resty-core left in its shared error buffer when its
-- sslhandshake asserted instead of returning them (see Transport:attempt).
local function asserted_handshake_error()
  local read, words = pcall(function()
    local buffer = require("resty.core.base").get_errmsg_ptr()
    return buffer[0] ~= nil and require("ffi").string(buffer[0]) or nil
  end)
  if read and words and words ~= "" then return words end
  return "the certificate or handshake was refused (see nginx's error log)"
end

-- What failed, as a failure class of the core's facts (src/outcome.c
-- judges it).  A cosocket reports failures only as text, so this is the one
-- place that reads ngx's words; spec/cosocket_spec.lua, the cosocket rows of
-- spec/http1_spec.lua and spec/proxy_spec.lua hold it to them.
--   step: "connect", "handshake" or "io" (send and receive)
local function failure_class(step, err)
  if err == "timeout" then return "timeout" end
  if step == "connect" then
    if err:find("resolve", 1, true) or err:find("resolver", 1, true) then return "dns" end
    return "connect"
  end
  if err == "closed" then return "closed" end
  -- A failed verification reads "<X509 verify result>: <its words>" (or the
  -- words alone, from asserted_handshake_error); 9 (not yet valid) and 10
  -- (expired) point at this machine's clock.
  if step == "handshake" and (err:find("^9: ") or err:find("^10: ")
      or err:find("^certificate is not yet valid") or err:find("^certificate has expired")) then
    return "tls_clock"
  end
  if step == "handshake" and not err:find("reset", 1, true) then return "tls" end
  return "reset"
end

-- Fails the exchange: the socket is closed (its state is unknown) and the
-- core will turn what happened into the call's error.  Returns nil: no
-- socket is left.
local function failed(sock, ex, step, err, detail)
  sock:close()
  -- a cosocket verifies against nginx's trust store, not the cafile option
  ex:fail(failure_class(step, err), detail, "lua_ssl_trusted_certificate")
  return nil
end

-- Opens a tunnel to the origin through the proxy on a new connection: the
-- core writes CONNECT and judges the proxy's answer.  true, or nil and the
-- failure's step, error and words for failed().
local function tunnel(self, sock)
  local request, answer = self.core:tunnel()
  local ok, err = sock:send(request)
  if not ok then return nil, "connect", err, "CONNECT through the proxy: " .. err end
  repeat
    local data
    data, err = sock:receiveany(4096)
    if not data then
      if err ~= "closed" then return nil, "connect", err, "CONNECT through the proxy: " .. err end
      answer:eof()
      break
    end
  until answer:feed(data)
  local open, refusal = answer:finish()
  if not open then return nil, "connect", "refused", refusal.message end
  return true
end

-- Carries one request and its answer until ex holds what happened: an answer, or a failure
-- through failed().  Returns the socket (nil once failed() closed it) and
-- whether any request byte may have left.
local function carry(self, request, ex, timeout)
  local stop_at = core.monotonic() + timeout
  local function left() return stop_at - core.monotonic() end

  local sock = ngx.socket.tcp()
  local connect_time = math.min(self.connect_timeout, left())
  sock:settimeout(ms(connect_time))
  local host, port = self.proxy_host or self.host, self.proxy_port or self.port
  local ok, err = connect_within(sock, host, port, { pool = self.pool }, connect_time)
  if not ok then
    return failed(sock, ex, "connect", err, ("connect to %s:%d: %s"):format(host, port, err)), false
  end
  if sock:getreusedtimes() == 0 then
    if self.proxy_host then
      local step, detail
      ok, step, err, detail = tunnel(self, sock)
      if not ok then return failed(sock, ex, step, err, detail), false end
    end
    local called, done
    called, done, err = pcall(sock.sslhandshake, sock, nil, self.host, true)
    if not called then
      -- lua-resty-core asserts when a handshake completes at once and then
      -- fails verification (and with false for the session it would report
      -- success on a socket nginx has already closed): either way it failed,
      -- and the reason is still in its error buffer.
      done, err = nil, asserted_handshake_error()
    end
    if not done then
      return failed(sock, ex, "handshake", err, "TLS handshake with " .. self.host .. ": " .. err
        .. " (the trust store is nginx's lua_ssl_trusted_certificate)"), false
    end
  end

  if left() <= 0 then return failed(sock, ex, "io", "timeout", "no time left to send"), false end
  sock:settimeout(ms(left()))
  ex:sent() -- before the write: a failed send does not say how much of it left
  ok, err = sock:send(request)
  if not ok then return failed(sock, ex, "io", err, "send: " .. err), true end

  while true do
    if left() <= 0 then return failed(sock, ex, "io", "timeout", "no complete answer in time"), true end
    sock:settimeout(ms(left()))
    local data
    data, err = sock:receiveany(16384)
    if data then
      if ex:feed(data) then break end
    elseif err == "closed" then
      ex:eof()
      break
    else
      return failed(sock, ex, "io", err, "receive: " .. err), true
    end
  end
  return sock, true
end

--- transport:attempt(path, payload, timeout [, route [, on_built]]) -> result | nil, err
-- (on_built: as the core client's attempt: called before the request is sent)
function Transport:attempt(path, payload, timeout, route, on_built)
  local request, ex = self.core:prepare(path, payload, route)
  if not request then
    self.last_ex = nil
    return nil, ex
  end
  if on_built then on_built() end
  local sock, sent = carry(self, request, ex, timeout)
  local result, problem = ex:finish()
  if sock then
    if ex:reusable() then sock:setkeepalive(M.keepalive_ms) else sock:close() end
  end
  -- Kept for last(), which calypso.retry asks before anything can yield.
  self.last_ex, self.last_request, self.last_sent = ex, request, sent and #request or 0
  return result, problem
end

--- transport:last([bodies]) -> status, sent, received [, request_body,
-- response_body]: what the last attempt moved (as the core client's last()).
function Transport:last(bodies)
  local ex = self.last_ex
  if not ex then return 0, 0, 0 end
  local status, received = ex:stats()
  if not bodies then return status, self.last_sent, received end
  local request = self.last_request
  local body_at = request:find("\r\n\r\n", 1, true)
  return status, self.last_sent, received, request:sub(body_at + 4), ex:facts().body
end

return M
