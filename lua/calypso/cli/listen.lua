--- `calypso webhook listen`: a local receiver for webhook deliveries, on
-- Debian's lua-socket.  It prints one line per delivery (verified or
-- refused, with the event's type, id and subscription) and answers 200, or
-- 401 when the signature does not verify; `--fail-first N` answers 500 to
-- the first N deliveries, to watch the sender retry.  One connection at a
-- time, Connection: close: a test tool, not a server.
-- @module calypso.cli.listen
-- @local
local calypso = require "calypso"

local M = {}

local MAX_BODY = 8 * 1024 * 1024

-- Reads one HTTP/1.1 request: method, path, headers (lower-case names),
-- body; or nil and why.
local function read_request(conn)
  local line, err = conn:receive("*l")
  if not line then return nil, err end
  local method, path = line:match("^(%u+) (%S+) HTTP/1%.[01]$")
  if not method then return nil, "not an HTTP request line" end
  local headers = {}
  while true do
    local h = conn:receive("*l")
    if not h then return nil, "the head was cut" end
    if h == "" then break end
    local name, value = h:match("^([^:]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  local length = tonumber(headers["content-length"] or "0")
  if not length or length < 0 or length > MAX_BODY then return nil, "no usable Content-Length" end
  local body = ""
  if length > 0 then
    body = conn:receive(length)
    if not body then return nil, "the body was cut" end
  end
  return { method = method, path = path, headers = headers, body = body }
end

local function answer(conn, status, text)
  conn:send(("HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
    .. "Connection: close\r\n\r\n%s"):format(status, text, #text, text))
end

--- Serves until `opts.count` deliveries were taken (nil: forever).  opts:
-- port (0: any; the port is printed), secret, fail_first, show_body, wait
-- (give up after so many seconds without a delivery: status 1), out (a
-- file to print to; default stdout).  Returns the exit status.
function M.run(opts)
  local socket = require "socket"
  local out = opts.out or io.stdout
  local server = assert(socket.bind("127.0.0.1", opts.port or 0))
  local _, port = server:getsockname()
  out:write("listening on http://127.0.0.1:", port, "/\n")
  out:flush()
  local taken, failed = 0, 0
  if opts.wait then server:settimeout(opts.wait) end
  while not opts.count or taken < opts.count do
    local conn = server:accept()
    if not conn then
      out:write("no delivery within ", opts.wait, " s\n")
      server:close()
      return 1
    end
    conn:settimeout(10)
    local request, why = read_request(conn)
    if not request then
      out:write("bad request: ", tostring(why), "\n")
    else
      taken = taken + 1
      local event, err = calypso.webhook.verify(request.body, request.headers["sign"], opts.secret)
      if not event then
        out:write("refused: ", tostring(err.message), "\n")
        answer(conn, 401, "refused")
      elseif failed < (opts.fail_first or 0) then
        failed = failed + 1
        out:write(("verified %s event %s for %s: answered 500 (--fail-first)\n"):format(
          tostring(event.eventType), tostring(event.id), tostring(event.requestId)))
        answer(conn, 500, "failing on purpose")
      else
        out:write(("verified %s event %s for %s\n"):format(tostring(event.eventType), tostring(event.id),
          tostring(event.requestId)))
        answer(conn, 200, "ok")
      end
      if opts.show_body then out:write(request.body, "\n") end
    end
    out:flush()
    conn:close()
  end
  server:close()
  return 0
end

return M
