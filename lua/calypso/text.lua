--- Rules for the strings that go into a request: UTF-8, no control
-- characters, and the shapes of an email address, a UUID and a URI.  Plain Lua 5.1
-- string functions, so the same code runs on LuaJIT; the two checks every
-- call makes (printable ASCII, the email's shape) are the core's (src/text.c),
-- because a pattern costs some 40 instructions a byte.
-- @module calypso.text
local core = require "calypso.core"

local M = {}
local printable, email_shape = core.printable, core.is_email

M.max_bytes = 1024

-- Each continuation-byte range for a lead byte (RFC 3629, table 3-7):
-- no overlong forms, no surrogates, nothing past U+10FFFF.
local function utf8_valid(s)
  if not s:find("[\128-\255]") then return true end
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    local len
    local lo, hi = 0x80, 0xBF
    if c < 0x80 then
      len = 1
    elseif c >= 0xC2 and c <= 0xDF then
      len = 2
    elseif c >= 0xE0 and c <= 0xEF then
      len = 3
      if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F end
    elseif c >= 0xF0 and c <= 0xF4 then
      len = 4
      if c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
    else
      return false
    end
    if len > 1 then
      local c2 = s:byte(i + 1)
      if not c2 or c2 < lo or c2 > hi then return false end
      for j = i + 2, i + len - 1 do
        local cj = s:byte(j)
        if not cj or cj < 0x80 or cj > 0xBF then return false end
      end
    end
    i = i + len
  end
  return true
end

-- C0, DEL, and C1 (U+0080..U+009F, encoded C2 80..C2 9F).
local function has_control(s)
  return s:find("\0", 1, true) or s:find("[\1-\31\127]") or s:find("\194[\128-\159]")
end

--- nil if s may be sent as a text value, else what is wrong with it.
function M.problem(s)
  if printable(s, M.max_bytes) then return nil end -- a string of printable ASCII: the common case
  if type(s) ~= "string" then return "must be a string, got " .. type(s) end
  if #s > M.max_bytes then return "must be at most " .. M.max_bytes .. " bytes" end
  if not utf8_valid(s) then return "must be valid UTF-8" end
  if has_control(s) then return "must not contain control characters" end
end

--- A light address check, as the schema has only "string": exactly one @,
-- something on both sides of it, no spaces (text.problem has already
-- refused control bytes).  Not an address grammar: the server judges the rest.
-- (The core's function itself: every create with an email calls it.)
M.is_email = email_shape

local uuid_pattern = "^" .. ("%x"):rep(8) .. "%-" .. ("%x"):rep(4) .. "%-" .. ("%x"):rep(4)
  .. "%-" .. ("%x"):rep(4) .. "%-" .. ("%x"):rep(12) .. "$"

function M.is_uuid(s)
  return s:find(uuid_pattern) ~= nil
end

--- nil if s holds only bytes a URI may hold (RFC 3986: unreserved,
-- reserved and %XX; RFC 3987's UTF-8 beyond ASCII), else what is wrong.
-- No space, no control byte (a CR LF would end a header line and start
-- another), none of " < > \ ^ ` { | }.
function M.uri_problem(s)
  if s:find("[^%w%-%._~:/%?#%[%]@!%$&'%(%)%*%+,;=%%\128-\255]") then
    return "holds a byte a URL may not hold (a space, a control byte, or one of \" < > \\ ^ ` { | }):"
      .. " percent-encode it"
  end
  if s:find("%%%X") or s:find("%%%x%X") or s:find("%%%x?$") then
    return "has a % that does not start a %XX escape"
  end
end

return M
