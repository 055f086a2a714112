-- faults.lua: misbehaviour on demand, for tests.  A control call arms one
-- fault for the next `count` API requests; each request that finds it armed
-- takes one and misbehaves before any check runs.
--   stall       sleep `seconds` (default 5), then answer normally
--   not_json    200 with a text body
--   json_array  200 with a JSON array, valid JSON but not an object
--   empty       200 with no body at all
--   oversize    200 with a JSON object of `bytes` bytes (Content-Length)
--   oversize_chunked  the same, streamed chunked with no Content-Length
--   html_502    502 with an HTML page, as a proxy in front would send
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

local function big_object(bytes)
  local pad = math.max(0, bytes - #'{"pad":""}')
  return '{"pad":"', string.rep("x", pad), '"}'
end

local modes = {}

function modes.stall(f)
  ngx.sleep(f.seconds or 5)
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

function modes.oversize(f)
  local head, pad, tail = big_object(f.bytes or 2 * 1024 * 1024)
  ngx.header["Content-Length"] = #head + #pad + #tail
  return respond.raw(200, "application/json", head .. pad .. tail)
end

function modes.oversize_chunked(f)
  local head, pad, tail = big_object(f.bytes or 2 * 1024 * 1024)
  ngx.status = 200
  ngx.header["Content-Type"] = "application/json"
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

function M.arm(f)
  if not modes[f.mode] then return nil, "unknown fault mode " .. tostring(f.mode) end
  f.count = f.count or 1
  state.put_json("fault", f)
  return true
end

-- Runs the armed fault, if any.  Modes that answer end the request here.
function M.apply()
  local f = state.get_json("fault")
  if not f then return end
  f.count = f.count - 1
  if f.count <= 0 then state.delete("fault") else state.put_json("fault", f) end
  modes[f.mode](f)
end

return M
