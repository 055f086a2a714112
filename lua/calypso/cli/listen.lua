--- `calypso webhook listen`: a local receiver for webhook deliveries, on
-- Debian's lua-socket.  It prints one line per delivery (verified, refused
-- or replayed, with the event's type, id and subscription) and answers
-- 200, or 401 when the signature does not verify; `--fail-first N` answers
-- 500 to the first N deliveries, to watch the sender retry.  An event id it
-- has handled (a replay, `calypso sandbox redeliver`) is answered 200 and
-- not handled again.  What a sender may make it hold is bounded: a head of
-- 64 KiB, a body of 8 MiB, and `client_timeout` seconds (5: what Calypso
-- gives a receiver) for the whole request.  One connection at a time,
-- Connection: close: a test tool, not a server.
-- @module calypso.cli.listen
-- @local
local calypso = require "calypso"

local M = {}

M.MAX_HEAD = 64 * 1024
M.MAX_BODY = 8 * 1024 * 1024

-- Reads from conn until want(got) is true, within the deadline and at most
-- max bytes; returns what was read, or nil and why.
local function read_until(conn, got, want, max, deadline, socket)
  while not want(got) do
    if #got > max then return nil, "more than " .. max .. " bytes" end
    if socket.gettime() > deadline then return nil, "too slow: the request took longer than allowed" end
    socket.select({ conn }, nil, math.max(0, math.min(0.25, deadline - socket.gettime())))
    local data, err, partial = conn:receive(math.min(16384, max + 1 - #got)) -- what has come, at once
    local piece = data or partial
    if piece and #piece > 0 then
      got = got .. piece
    elseif err ~= "timeout" then
      return nil, "the connection " .. tostring(err) .. " before a whole request"
    end
  end
  return got
end

-- Reads one HTTP/1.1 request: method, path, headers (lower-case names),
-- body; or nil and why.  Bounded in bytes and in time: no header line or
-- slow sender holds the listener.
local function read_request(conn, timeout, socket)
  local deadline = socket.gettime() + timeout
  conn:settimeout(0)
  local data, why = read_until(conn, "", function(got) return got:find("\r\n\r\n", 1, true) ~= nil end,
    M.MAX_HEAD, deadline, socket)
  if not data then return nil, "the head: " .. why end
  local head_end = data:find("\r\n\r\n", 1, true)
  local head, rest = data:sub(1, head_end - 1), data:sub(head_end + 4)
  if #head > M.MAX_HEAD then return nil, "the head: more than " .. M.MAX_HEAD .. " bytes" end
  local request_line = head:match("^([^\r\n]*)")
  local method, path = request_line:match("^(%u+) (%S+) HTTP/1%.[01]$")
  if not method then return nil, "not an HTTP request line" end
  local headers = {}
  for line in head:gmatch("\r\n([^\r\n]*)") do
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  local length = tonumber(headers["content-length"] or "0")
  if not length or length < 0 or length ~= math.floor(length) or length > M.MAX_BODY then
    return nil, "no usable Content-Length (at most " .. M.MAX_BODY .. " bytes)"
  end
  local body
  body, why = read_until(conn, rest, function(got) return #got >= length end, length, deadline, socket)
  if not body then return nil, "the body: " .. why end
  return { method = method, path = path, headers = headers, body = body:sub(1, length) }
end

local function answer(conn, status, text)
  conn:send(("HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
    .. "Connection: close\r\n\r\n%s"):format(status, text, #text, text))
end

--- Serves until `opts.count` deliveries were taken (nil: forever).  opts:
-- port (0: any; the port is printed), secret, fail_first, show_body, wait
-- (give up after so many seconds without a delivery: status 1),
-- client_timeout (seconds for one whole request; default 5), out (a file
-- to print to; default stdout), server (a socket bound already, instead of
-- port), forward (function(request) -> status to answer, note to print:
-- called for each verified delivery, replays included; a delivery counts
-- as handled once it answered 200).  Returns the exit
-- status.
function M.run(opts)
  local socket = require "socket"
  local out = opts.out or io.stdout
  local server = opts.server or assert(socket.bind("127.0.0.1", opts.port or 0))
  local _, port = server:getsockname()
  out:write("listening on http://127.0.0.1:", port, "/\n")
  out:flush()
  local taken, failed, handled = 0, 0, {}
  -- events handled, by subscription and id text: one seen again is a replay
  local function key_of(event) return tostring(event.requestId) .. ":" .. calypso.webhook.id_text(event) end
  local function seen(event) return handled[key_of(event)] == true end
  -- accept in short turns, so that Lua sees a Ctrl-C (the caller's pcall
  -- then cleans up) and --wait is kept
  server:settimeout(0.25)
  local idle_since = socket.gettime()
  while not opts.count or taken < opts.count do
    local conn, failure = server:accept()
    while not conn do
      if failure ~= "timeout" then error("calypso: the listener cannot accept: " .. tostring(failure), 0) end
      if opts.wait and socket.gettime() - idle_since >= opts.wait then
        out:write("no delivery within ", opts.wait, " s\n")
        if not opts.server then server:close() end
        return 1
      end
      conn, failure = server:accept()
    end
    local request, why = read_request(conn, opts.client_timeout or 5, socket)
    if not request then
      out:write("bad request: ", tostring(why), "\n")
      answer(conn, 400, "bad request")
    else
      taken = taken + 1
      local event, err = calypso.webhook.verify(request.body, request.headers["sign"], opts.secret,
        { seen = seen })
      if opts.forward and (event or err.field == "id") then -- a replay too: the app must handle it
        local status, note = opts.forward(request)
        local parsed = event or calypso.webhook.decode_delivery(request.body)
        out:write(("%s%s event %s for %s: %s\n"):format(event and "" or "replayed ",
          tostring(parsed and parsed.eventType), tostring(parsed and parsed.id),
          tostring(parsed and parsed.requestId), note))
        if event and status == 200 then handled[key_of(event)] = true end -- the app took it
        answer(conn, status, status == 200 and "ok" or "the app did not take it")
      elseif not event and err.field == "id" then -- answered, so that the sender stops; not handled again
        out:write("replayed: ", tostring(err.message), "\n")
        answer(conn, 200, "ok")
      elseif not event then
        out:write("refused: ", tostring(err.message), err.hint and (" (" .. err.hint .. ")") or "", "\n")
        answer(conn, 401, "refused")
      elseif failed < (opts.fail_first or 0) then
        failed = failed + 1
        out:write(("verified %s event %s for %s: answered 500 (--fail-first)\n"):format(
          tostring(event.eventType), tostring(event.id), tostring(event.requestId)))
        answer(conn, 500, "failing on purpose")
      else
        handled[key_of(event)] = true
        out:write(("verified %s event %s for %s\n"):format(tostring(event.eventType), tostring(event.id),
          tostring(event.requestId)))
        answer(conn, 200, "ok")
      end
      if opts.show_body then out:write(request.body, "\n") end
    end
    out:flush()
    conn:close()
    idle_since = socket.gettime()
  end
  if not opts.server then server:close() end
  return 0
end

return M
