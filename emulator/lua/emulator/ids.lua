-- ids.lua: identifiers and times the emulator hands out.
local M = {}

function M.uuid4()
  local r = math.random
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", r(0, 0x7fffffff), r(0, 0xffff),
    r(0, 0xfff), 0x8000 + r(0, 0x3fff), r(0, 0xffffff), r(0, 0xffffff))
end

--- now, or now + seconds, as 2025-07-05T22:31:09Z
function M.iso(seconds)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(ngx.now()) + (seconds or 0))
end

--- A made-up chain address or hash of n hex digits, after 0x.
function M.hex(n)
  local out = { "0x" }
  for i = 2, n + 1 do out[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(out)
end

return M
