-- money.lua: amounts to the last digit, and lists that stay lists.
-- lua-cjson reads every number as a double, so an amount such as
-- 0.123456789012345678 is read again as its exact token from the raw body,
-- kept as text, and written back as a raw JSON number token in answers
-- (money.exact marks it; respond.json lets it through): the client's exact
-- sending and exact_numbers reading are held to the bytes.  Debian's
-- lua-cjson 2.1.0 also writes an empty table as {}: money.list marks a list
-- so that an empty one goes out as [].  M.half and M.double make an under-
-- and an overpayment of an amount's exact digits.
local M = {}

local MARK = "\1num:"

--- The exact text of `"field": <number>` in the raw JSON body (the first
-- one), or nil.
function M.token(raw, field)
  return raw:match('"' .. field .. '"%s*:%s*(%-?%d[%d%.eE%+%-]*)')
end

--- An amount from a decoded payload, as exact text: its raw token when the
-- body has one, else the number as Lua prints it.
function M.text(raw, payload, field)
  return M.token(raw, field) or (payload[field] ~= nil and tostring(payload[field])) or nil
end

--- A value that respond.json writes as a bare number token.
function M.exact(text)
  return text and (MARK .. text) or nil
end

--- t as a list: [] when empty, as the API writes it.
function M.list(t)
  if t == nil or next(t) ~= nil then return t end
  return "\1list"
end

-- A plain decimal's digits and how many of them are decimals, or nil.
local function digits_of(text)
  local whole, frac = tostring(text):match("^(%d+)%.?(%d*)$")
  if not whole then return nil end
  return whole .. frac, #frac
end

local function as_decimal(digits, places)
  digits = ("0"):rep(places + 1 - #digits) .. digits
  local whole, frac = digits:sub(1, #digits - places), digits:sub(#digits - places + 1)
  whole, frac = whole:gsub("^0+(%d)", "%1"), frac:gsub("0+$", "")
  return frac == "" and whole or whole .. "." .. frac
end

--- A plain decimal text times 2, exactly (an overpayment); nil if it is not one.
function M.double(text)
  local digits, places = digits_of(text)
  if not digits then return nil end
  local out, carry = {}, 0
  for i = #digits, 1, -1 do
    local d = (digits:byte(i) - 48) * 2 + carry
    out[#out + 1], carry = d % 10, math.floor(d / 10)
  end
  if carry > 0 then out[#out + 1] = carry end
  return as_decimal(table.concat(out):reverse(), places)
end

--- A plain decimal text halved, exactly (an underpayment); nil if it is not one.
function M.half(text)
  local digits, places = digits_of(text)
  if not digits then return nil end
  digits = digits .. "0" -- one more place: halving ends there
  local out, rest = {}, 0
  for i = 1, #digits do
    local d = rest * 10 + digits:byte(i) - 48
    out[#out + 1], rest = math.floor(d / 2), d % 2
  end
  return as_decimal(table.concat(out), places + 1)
end

--- JSON from lua-cjson with the marked values turned back into numbers and lists.
function M.unmark(json)
  return (json:gsub('"\\u0001num:([%-%d%.eE%+]+)"', "%1"):gsub('"\\u0001list"', "[]"))
end

return M
