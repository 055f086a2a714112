-- faults.lua: misbehaviour on demand, for tests.  A control call arms one
-- fault for the next `count` API requests (default 1); each request that
-- finds it armed takes one.  Or it arms a `sequence` of faults, one per
-- request in order (a create dropped, its retry passed, its read-back
-- answered otherwise, say).  Modes that answer do so before any check runs.
--   pass         nothing: the request goes on as if no fault were armed
--   answer       200 with `body` (JSON text) as it is, whatever was asked
--   stall        sleep `seconds` (default 5), then go on normally; but if
--                the emulator was reset meanwhile, close the connection
--                with no answer and no effect (the run it belonged to is over)
--   not_json     200 with a text body
--   json_array   200 with a JSON array, valid JSON but not an object
--   empty        200 with no body at all
--   truncated    200 whose JSON stops halfway (Content-Length agrees)
--   oversize     200 with a JSON object of `bytes` bytes (Content-Length)
--   oversize_chunked  the same, streamed chunked with no Content-Length
--   html_502     502 with an HTML page, as a proxy in front would send
--   status       `status` (default 500) with a Calypso error body, and a
--                Retry-After of `retry_after` seconds when given
--   reset        headers promise 200 bytes, 7 arrive, the connection drops
--   trickle      a valid answer, one byte every `seconds` (default 1)
--   drop_reply   the request is processed (a customer is created) and the
--                connection closed with no answer at all
--   hold_reply   the request is processed and its answer held `seconds`
--                (default 30) before it is sent; never sent after a reset:
--                a client killed meanwhile has made the object and heard
--                nothing (stats.held_replies counts the held answers)
--   fail_after   the request is processed, and answered `status` (default
--                500) with Calypso's 000 error instead of its result
--   redirect_http  302 to the same path over plain http://
--   raw          writes `response` (any bytes) on the raw connection, holds
--                it open `hold` seconds (default 0), then closes it: for
--                HTTP framing tests (nginx never reuses a raw connection).
--                With `pieces` (N) it writes response in N writes of about
--                equal size, N TLS records (for a client that must read them
--                all, however many came in one read).
--                With `after` (bytes) it writes them at once in a write (a
--                TLS record) of their own, as though the answer had a second
--                (stats.raw_after_sent counts them written: on loopback they
--                are then in the client's socket).
--                With `flood` (bytes) it then writes flood over and over,
--                as fast as the client takes it, for `seconds` (default 5)
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

local function big_object(bytes)
  local pad = math.max(0, bytes - #'{"pad":""}')
  return '{"pad":"', string.rep("x", pad), '"}'
end

-- Sends status and headers now, so that a body can follow piece by piece.
local function start(status, length)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  if length then ngx.header["Content-Length"] = length end
  ngx.send_headers()
  return ngx.flush(true)
end

local modes = {}

function modes.pass() end

function modes.answer(f)
  return respond.raw(f.status or 200, "application/json", f.body)
end

function modes.stall(f)
  local generation = state.generation()
  ngx.sleep(f.seconds or 5)
  if state.generation() ~= generation then
    state.count("dropped_after_reset")
    return ngx.exit(444)
  end
end

function modes.not_json()
  return respond.raw(200, "text/plain", "OK, but not JSON")
end

function modes.json_array()
  return respond.raw(200, "application/json", '[{"id":"not an object"}]')
end

function modes.empty()
  return respond.raw(200, "application/json", "")
end

function modes.truncated()
  return respond.raw(200, "application/json", '{"id":"3f2b8c1e-9d4a-4e6b-8f0c-1a2b')
end

function modes.oversize(f)
  local head, pad, tail = big_object(f.bytes or 2 * 1024 * 1024)
  ngx.header["Content-Length"] = #head + #pad + #tail
  return respond.raw(200, "application/json", head .. pad .. tail)
end

function modes.oversize_chunked(f)
  local head, pad, tail = big_object(f.bytes or 2 * 1024 * 1024)
  start(200)
  ngx.print(head)
  ngx.flush(true)
  for i = 1, #pad, 65536 do
    ngx.print(pad:sub(i, i + 65535))
    ngx.flush(true)
  end
  ngx.print(tail)
  return ngx.exit(200)
end

function modes.html_502()
  return respond.raw(502, "text/html",
    "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>")
end

function modes.status(f)
  if f.retry_after then ngx.header["Retry-After"] = tostring(f.retry_after) end
  return respond.error("000", "the emulator was told to answer " .. (f.status or 500), f.status or 500)
end

function modes.reset()
  start(200, 200)
  ngx.print('{"id":"')
  ngx.flush(true)
  return ngx.exit(ngx.ERROR)
end

function modes.trickle(f)
  local body = '{"id":"3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f","note":"slowly"}'
  if not start(200, #body) then return ngx.exit(ngx.ERROR) end
  for i = 1, #body do
    ngx.print(body:sub(i, i))
    if not ngx.flush(true) then return ngx.exit(ngx.ERROR) end -- the client gave up
    ngx.sleep(f.seconds or 1)
  end
  return ngx.exit(200)
end

function modes.drop_reply()
  ngx.ctx.drop_reply = true -- respond.json closes instead of answering
end

function modes.hold_reply(f)
  ngx.ctx.hold_reply = { seconds = f.seconds or 30, generation = state.generation() }
end

function modes.fail_after(f)
  ngx.ctx.fail_after = f.status or 500
end

function modes.redirect_http()
  ngx.header["Location"] = "http://127.0.0.1:" .. ngx.var.server_port .. ngx.var.request_uri
  return respond.raw(302, "text/plain", "moved")
end

function modes.raw(f)
  local sock = assert(ngx.req.socket(true))
  local pieces = math.max(1, math.min(f.pieces or 1, #f.response))
  local size = math.ceil(#f.response / pieces)
  for at = 1, #f.response, size do
    if not sock:send(f.response:sub(at, at + size - 1)) then return ngx.exit(444) end
  end
  if f.after then
    if not sock:send(f.after) then return ngx.exit(444) end
    state.count("raw_after_sent")
  end
  if f.flood then
    local block = f.flood:rep(math.ceil(65536 / #f.flood))
    ngx.update_time()
    local stop_at = ngx.now() + (f.seconds or 5)
    repeat
      if not sock:send(block) then return ngx.exit(444) end -- the client left
      ngx.update_time()
    until ngx.now() >= stop_at
  end
  if f.hold then ngx.sleep(f.hold) end
  return ngx.exit(444)
end

function M.arm(f)
  local list = f.sequence or { f }
  for _, one in ipairs(list) do
    if not modes[one.mode] then return nil, "unknown fault mode " .. tostring(one.mode) end
    if one.mode == "answer" and type(one.body) ~= "string" then return nil, "answer needs a body" end
  end
  if f.sequence then
    state.put_json("fault", { sequence = list, next = 1 })
  else
    f.count = f.count or 1
    state.put_json("fault", f)
  end
  return true
end

-- Runs the armed fault, if any.  Modes that answer end the request here.
function M.apply()
  local f = state.get_json("fault")
  if not f then return end
  if f.sequence then
    local one = f.sequence[f.next]
    f.next = f.next + 1
    if f.next > #f.sequence then state.delete("fault") else state.put_json("fault", f) end
    return modes[one.mode](one)
  end
  f.count = f.count - 1
  if f.count <= 0 then state.delete("fault") else state.put_json("fault", f) end
  modes[f.mode](f)
end

return M
