-- money.lua: amounts to the last digit, and lists that stay lists.
-- lua-cjson reads every number as a double, so an amount such as
-- 0.123456789012345678 is read again as its exact token from the raw body,
-- kept as text, and written back as a raw JSON number token in answers
-- (money.exact marks it; respond.json lets it through): the client's exact
-- sending and exact_numbers reading are held to the bytes.  Debian's
-- lua-cjson 2.1.0 also writes an empty table as {}: money.list marks a list
-- so that an empty one goes out as [].
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

--- JSON from lua-cjson with the marked values turned back into numbers and lists.
function M.unmark(json)
  return (json:gsub('"\\u0001num:([%-%d%.eE%+]+)"', "%1"):gsub('"\\u0001list"', "[]"))
end

return M
