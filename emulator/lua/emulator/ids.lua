-- ids.lua: identifiers and times the emulator hands out.
local M = {}

function M.uuid4()
  local r = math.random
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", r(0, 0x7fffffff), r(0, 0xffff),
    r(0, 0xfff), 0x8000 + r(0, 0x3fff), r(0, 0xffffff), r(0, 0xffffff))
end

local function now() return require("emulator.clock").now() end

--- now (the sandbox's clock), or now + seconds, as 2025-07-05T22:31:09Z
function M.iso(seconds)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(now()) + (seconds or 0))
end

--- now (or at, seconds since the epoch) as webhook examples write it:
-- 2022-03-15T12:13:05.909616, six fraction digits and no zone.
function M.event_time(at)
  at = at or now()
  local whole = math.floor(at)
  return os.date("!%Y-%m-%dT%H:%M:%S", whole) .. string.format(".%06d", math.floor((at - whole) * 1e6 + 0.5))
end

--- A fresh system id: the numeric id the webhooks call parentExternalId.
function M.system_id()
  return require("emulator.state").count("system_id")
end

--- Seconds since the epoch of an RFC 3339 date-time (2025-07-05T22:31:09Z,
-- with optional fraction and a Z or +hh:mm offset), or nil.
function M.parse_iso(text)
  if type(text) ~= "string" then return nil end
  local y, mo, d, h, mi, sec, rest = text:match("^(%d%d%d%d)-(%d%d)-(%d%d)[Tt](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  rest = rest:gsub("^%.%d+", "")
  local offset = 0
  if rest ~= "Z" and rest ~= "z" then
    local sign, oh, om = rest:match("^([+-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (sign == "+" and 1 or -1) * (tonumber(oh) * 3600 + tonumber(om) * 60)
  end
  -- days from 1970-01-01 to y-mo-d, proleptic Gregorian (Howard Hinnant's days_from_civil)
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * (mo + (mo > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec) - offset
end

--- A made-up chain address or hash of n hex digits, after 0x.
function M.hex(n)
  local out = { "0x" }
  for i = 2, n + 1 do out[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(out)
end

return M
