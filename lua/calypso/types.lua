--- The type values endpoint rows are made of.  A type checks a value and
-- gives the value to send:  `value, problem = T.uuid(v)` is the value, or
-- nil and a problem: a phrase that follows the field's name ("must be a
-- UUID"), or one that starts with a sub-path (".in[2] must be a string").
-- Each type also carries `name` and `doc`, from which the README's API table
-- is written, and `agree(sent, got [, lossy])`: does a value the server
-- holds (read back by an idempotency key) agree with the checked value this
-- call sent?  Amounts agree by exact decimal value (lossy: to a double's
-- precision, for a client that decodes numbers as doubles), dates by
-- instant, lists of codes as sets; a field the server's object does not
-- carry is not compared.
-- Constructors check their own arguments and raise, so that a
-- row with a typo fails when the module loads, not on a user's first call.
-- Enum-like values are checked for shape only: a value the client does not
-- know yet is passed through (the API's robustness rule).
-- @module calypso.types
local core = require "calypso.core"
local text = require "calypso.text"

local object_table, printable, is_email = core.object_table, core.printable, text.is_email

local next, type = next, type -- on every call's path: an upvalue, not a lookup in _G
local M = {}

local Type = {}
Type.__index = Type
Type.__call = function(self, v) return self.check(v) end
Type.__tostring = function(self) return "calypso type " .. self.name end

local function same(sent, got) return sent == got end

local function new(name, doc, check, extra)
  local t = setmetatable({ name = name, doc = doc, check = check, agree = same }, Type)
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

--- Is `v` absent from a server's object: nil or JSON null?
local function absent(v)
  return v == nil or v == core.null
end

-- Is v a string that holds a JSON number token (an amount passed as a string)?
local function number_text(v)
  return type(v) == "string" and core.same_amount(v, v)
end

--- agree() for values of no known type (an open field, a json one): tables
-- by the members sent that the other carries (lists in order, of the same
-- length), numbers by decimal value (an amount sent as a string such as
-- "10.50" too), the rest by equality.
local function agree_any(sent, got, lossy)
  if type(sent) == "table" then
    if type(got) ~= "table" then return false end
    local n = #sent
    if n > 0 or getmetatable(sent) ~= nil then -- a list
      if #got ~= n then return false end
      for i = 1, n do
        if not agree_any(sent[i], got[i], lossy) then return false end
      end
      return true
    end
    for k, v in next, sent do
      if not absent(got[k]) and not agree_any(v, got[k], lossy) then return false end
    end
    return true
  end
  if type(sent) == "number" or type(sent) == "userdata" or (number_text(sent) and sent ~= got) then
    return core.same_amount(sent, got, lossy)
  end
  return sent == got
end
M.agree_any = agree_any

--- Is v a type value?
function M.is(v)
  return getmetatable(v) == Type
end

-- The metatable of core.decimal values (an amount as written).
local DECIMAL = getmetatable(core.decimal("0"))

-- A float whose shortest round-trip form has more than 15 significant
-- digits: the digits its writer meant may be lost.  nil, or the problem.
-- Integers (Lua 5.3+'s, and whole doubles up to 2^53) are exact.
local function lossy_float(v)
  if v ~= v or (math.type and math.type(v) == "integer") then return nil end
  if v == math.floor(v) and math.abs(v) <= 2 ^ 53 then return nil end
  local shown, digits = core.number_text(v)
  if digits and digits > 15 then
    return "has more significant digits than a Lua number keeps: it reads " .. shown .. ", and the"
      .. " digits written may already be lost; pass the amount as a string of its exact digits, such"
      .. " as \"10.10\""
  end
end

local function need_type(v, where)
  if not M.is(v) then error("calypso.types: " .. where .. " is not a type (a typo?)", 3) end
end

-- Raises unless opts holds only the given keys.
local function only(opts, allowed, where)
  for k in pairs(opts or {}) do
    if not allowed[k] then
      error("calypso.types: " .. where .. " takes no option '" .. tostring(k) .. "'", 3)
    end
  end
end

-- Text and email fields are in every create: their common case (printable
-- ASCII, text.problem's first test) is one call of the core's, not two calls.
M.text = new("text", "text: UTF-8, at most 1024 bytes, no control characters", function(v)
  if printable(v, text.max_bytes) then return v end
  local problem = text.problem(v)
  if problem then return nil, problem end
  return v
end)

M.email = new("email", "an email address", function(v)
  if not printable(v, text.max_bytes) then
    local problem = text.problem(v)
    if problem then return nil, problem end
  end
  if not is_email(v) then return nil, "must look like an email address" end
  return v
end)

M.uuid = new("uuid", "a UUID", function(v)
  if type(v) ~= "string" or not text.is_uuid(v) then return nil, "must be a UUID" end
  return v
end, { agree = function(sent, got) return type(got) == "string" and sent:lower() == got:lower() end })

--- An id the API's schema types as a string: a string, or a whole number
-- (an id read from an answer or a webhook that carries it as a number, such
-- as the 2.0 invoice example's 1346 or parentExternalId), sent as its digits.
M.id = new("id", "an id: a string, or a whole number (sent as its digits)", function(v)
  if type(v) == "userdata" and getmetatable(v) == DECIMAL then -- typed on the command line (1346.0)
    v = tonumber(tostring(v))
  end
  if type(v) == "number" then
    if v ~= v or v < 0 or v ~= math.floor(v) or v > 9007199254740992 then
      return nil, "must be a string, or a whole number from 0 to 2^53"
    end
    return ("%d"):format(v) -- its digits, on every runtime
  end
  local problem = text.problem(v)
  if problem then return nil, problem end
  return v
end, { agree = function(sent, got)
  return sent == got or (type(got) == "number" and core.same_amount(sent, got))
end })

local function amounts_agree(sent, got, lossy) return core.same_amount(sent, got, lossy) end

local function is_code(v)
  return type(v) == "string" and #v <= 64 and v:find("^[%w_%-]+$") ~= nil
end

--- A code such as a currency (USDT_BSC), a state (CONFIRMED) or a sort
-- order (ASC): 1..64 letters, digits, _ or -.
M.code = new("code", "a code: 1 to 64 letters, digits, _ or -", function(v)
  if not is_code(v) then return nil, "must be a code: 1 to 64 letters, digits, _ or -" end
  return v
end)

M.currency = new("currency", "a currency code, such as USDT_TRX", M.code.check, {
  -- a server may answer a code with the Currency object that names it
  agree = function(sent, got) return sent == got or (type(got) == "table" and got.name == sent) end })

--- An enum: the values known today are listed for the docs, and any other
-- code-shaped value is passed through (the API may add values).
function M.enum(values)
  if type(values) ~= "table" or #values == 0 then error("calypso.types: enum takes a list of values", 2) end
  for _, v in ipairs(values) do
    if not is_code(v) then error("calypso.types: enum value " .. tostring(v) .. " is not a code", 2) end
  end
  return new("enum", "one of " .. table.concat(values, ", ") .. " (others pass through)",
    M.code.check, { values = values })
end

M.boolean = new("boolean", "true or false", function(v)
  if type(v) ~= "boolean" then return nil, "must be true or false" end
  return v
end)

--- A whole number in [min, max] (default 0 to 2^31 - 1).
function M.integer(opts)
  only(opts, { min = true, max = true }, "integer")
  local min, max = opts and opts.min or 0, opts and opts.max or 2147483647
  -- %.0f: the same digits on every Lua (5.1 writes 2^53 - 1 as 9.007199254741e+15)
  local range = ("from %.0f to %.0f"):format(min, max)
  local problem = "must be a whole number " .. range
  return new("integer", "a whole number " .. range, function(v)
    if type(v) == "userdata" and getmetatable(v) == DECIMAL then -- typed on the command line (1e2)
      v = tonumber(tostring(v))
      v = math.tointeger and math.tointeger(v) or v
    end
    if type(v) ~= "number" or v ~= math.floor(v) or v < min or v > max then return nil, problem end
    return v
  end, { agree = amounts_agree })
end

M.count = M.integer{ min = 0 }    -- pageNumber: whether pages count from 0 or 1 is unknown
M.positive = M.integer{ min = 1 } -- pageSize

local function all_zero(s)
  return s:find("^%-?[0.]+$") ~= nil
end

--- An amount: a decimal string ("10.10", "0.000123456789012345678"),
-- sent as exactly that JSON number token, or a Lua number, sent in its
-- shortest round-trip form.  opts.positive: more than zero (the default);
-- opts.positive = false: zero and negatives too.  A string must be a plain
-- decimal: no exponent, no leading zeros.  A Lua number whose shortest
-- round-trip form has more than 15 significant digits is refused: the
-- digits the caller wrote were lost before calypso saw them (0.1 + 0.2 is
-- 0.30000000000000004); such an amount must be a string.  A number token
-- the command line decoded (a core.decimal) goes out as it was written.
function M.decimal(opts)
  only(opts, { positive = true }, "decimal")
  local positive = not (opts and opts.positive == false)
  local doc = positive and "an amount above zero: a decimal string such as \"10.10\" (exact) or a number"
    or "an amount: a decimal string such as \"-10.10\" (exact) or a number"
  return new("decimal", doc, function(v)
    local t = type(v)
    if t == "number" then
      if v ~= v or v == math.huge or v == -math.huge then return nil, "must be a finite number" end
      if positive and v <= 0 then return nil, "must be more than zero" end
      local problem = lossy_float(v)
      if problem then return nil, problem end
      return v
    end
    if t == "userdata" and getmetatable(v) == DECIMAL then
      local s = tostring(v) -- a JSON number token, written by the caller
      if positive and (s:sub(1, 1) == "-" or all_zero((s:gsub("[eE].*$", "")))) then
        return nil, "must be more than zero"
      end
      return v
    end
    if t ~= "string" then return nil, "must be a decimal string such as \"10.10\", or a number" end
    local d, problem = core.decimal(v)
    if not d then return nil, problem end
    if positive and (v:sub(1, 1) == "-" or all_zero(v)) then return nil, "must be more than zero" end
    return d
  end, { agree = amounts_agree })
end

local DATETIME = "^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)"

-- An ISO-8601 date-time as (seconds since 1970 UTC, fraction digits), or
-- nil; no zone counts as UTC (the webhook examples carry none).
local function instant(v)
  if type(v) ~= "string" then return nil end
  local y, mo, d, h, mi, sec = v:match(DATETIME)
  if not y then return nil end
  local rest = v:sub(20)
  local fraction = rest:match("^%.(%d+)") or ""
  rest = rest:sub(fraction == "" and 1 or #fraction + 2)
  local offset = 0
  if rest ~= "" and rest ~= "Z" then
    local sign, oh, om = rest:match("^([%+%-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60 * (sign == "-" and -1 or 1)
  end
  -- days from civil (Howard Hinnant's algorithm), no os.time: no local zone
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * (mo + (mo > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec) - offset,
         (fraction:gsub("0+$", ""))
end

--- An ISO-8601 date-time: 2025-07-05T22:31:09Z, with optional fraction and
-- offset (the API's examples use Z).
M.datetime = new("datetime", "an ISO-8601 date-time such as 2025-07-05T22:31:09Z", function(v)
  if instant(v) == nil then return nil, "must be an ISO-8601 date-time such as 2025-07-05T22:31:09Z" end
  return v
end, { agree = function(sent, got)
  local a, fa = instant(sent)
  local b, fb = instant(got)
  if b == nil then return sent == got end
  local digits = math.min(#fa, #fb) -- a server may keep milliseconds of microseconds sent
  return a == b and fa:sub(1, digits) == fb:sub(1, digits)
end })

-- The checks both URL types share: text, and only bytes a URI may hold.
local function uri_text(v)
  local problem = text.problem(v)
  if problem then return problem end
  return text.uri_problem(v)
end

--- A web address the server calls (a webhook subscription's): http(s).
M.url = new("url", "an http(s) URL", function(v)
  local problem = uri_text(v)
  if problem then return nil, problem end
  if not v:find("^[hH][tT][tT][pP][sS]?://[^/%?#]+") then return nil, "must be an http:// or https:// URL" end
  return v
end)

--- Where a buyer's browser or app is sent (returnUrl, supportUrl,
-- logoUrl): any absolute URI, an app's own scheme (myshop://paid) included.
M.uri = new("uri", "an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid",
  function(v)
    local problem = uri_text(v)
    if problem then return nil, problem end
    if not v:find("^%a[%w%+%-%.]*:.") then
      return nil, "must be an absolute URI with a scheme, such as https://shop.example/paid"
    end
    return v
  end)

--- A list of `item`: a table whose keys are exactly 1..n, each element a
-- valid item; sent as a JSON array even when empty.  opts: min, max items.
function M.array(item, opts)
  need_type(item, "the array's item")
  only(opts, { min = true, max = true }, "array")
  local min, max = opts and opts.min or 0, opts and opts.max
  return new("array", "a list of " .. item.name, function(v)
    if type(v) ~= "table" then return nil, "must be a list" end
    local n, keys = #v, 0
    for _ in next, v do keys = keys + 1 end
    if keys ~= n then return nil, "must be a list (keys 1..n)" end
    if n < min then return nil, "must have at least " .. min .. " item" .. (min == 1 and "" or "s") end
    if max and n > max then return nil, "must have at most " .. max .. " items" end
    local out = {}
    for i = 1, n do
      local value, problem, inner = item.check(rawget(v, i))
      if value == nil then
        if inner then return nil, ("[%d].%s %s"):format(i, inner, problem) end -- an item's field
        local joint = problem:find("^[%.%[]") and "" or " " -- a sub-path joins directly
        return nil, ("[%d]%s%s"):format(i, joint, problem)
      end
      out[i] = value
    end
    return core.array(out)
  end, { item = item, agree = function(sent, got, lossy)
    if type(got) ~= "table" or #got ~= #sent then return false end
    local used = {}
    for i = 1, #sent do -- in any order: a server may sort a list of codes
      local found = false
      for j = 1, #got do
        if not used[j] and item.agree(sent[i], got[j], lossy) then
          used[j], found = true, true
          break
        end
      end
      if not found then return false end
    end
    return true
  end })
end

--- Any value JSON can carry, checked only by the encoder: for a part of a
-- payload the docs do not show (a Java ZoneOffset, say).
-- Every float inside v passes lossy_float: nil, or the problem.
local function no_lossy_floats(v, depth)
  if type(v) == "number" then return lossy_float(v) end
  if type(v) == "table" and depth < 100 then
    for _, x in next, v do
      local problem = no_lossy_floats(x, depth + 1)
      if problem then return problem end
    end
  end
end

M.json = new("json", "any JSON value (not checked here; the docs do not show its shape)", function(v)
  local t = type(v)
  if t == "number" or t == "table" then
    local problem = no_lossy_floats(v, 0)
    if problem then return nil, problem end
    return v
  end
  if t == "string" or t == "boolean" or v == core.null then return v end
  if t == "userdata" and getmetatable(v) == DECIMAL then return v end -- a number as typed
  return nil, "must be a value JSON can carry, got " .. t
end, { agree = agree_any })

local function names(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  return out
end

--- An object with the given fields (name -> type).  opts:
--   required  fields that must be present
--   one_of    at least one of these must be present
--   open      true: fields other than these pass through unchecked (where
--             the docs show only part of a payload; the encoder still
--             refuses what JSON cannot carry)
-- Otherwise any other key, or a key that is not a string, is refused.  The value sent
-- is a fresh table of the checked fields, read with next (raw), so a
-- metatable on the caller's table cannot change it.
function M.object(fields, opts)
  if type(fields) ~= "table" then error("calypso.types: object takes a table of fields", 2) end
  for name, t in pairs(fields) do
    if type(name) ~= "string" then error("calypso.types: object field names must be strings", 2) end
    need_type(t, "field " .. name)
  end
  only(opts, { required = true, one_of = true, open = true }, "object")
  local required, one_of = opts and opts.required or {}, opts and opts.one_of
  local open = opts and opts.open == true
  for _, list in ipairs{ required, one_of or {} } do
    for _, name in ipairs(list) do
      if not fields[name] then
        error("calypso.types: object names '" .. name .. "', which is not a field", 2)
      end
    end
  end
  -- The checked copy is made with room for every field (core.object_table):
  -- filled from empty, a table is rehashed at its 1st, 2nd, 3rd and 5th member.
  local room = 0
  for _ in pairs(fields) do room = room + 1 end
  local self = new("object", "an object", nil, {
    fields = fields, required = names(required), one_of = one_of and names(one_of), open = open,
  })
  self.check = function(v)
    if type(v) ~= "table" then return nil, "must be a table, got " .. type(v) end
    local out = object_table(room)
    for name, value in next, v do
      local t = fields[name] -- a field's name is a string: no type() for it (some 500 instructions)
      if t == nil then
        if type(name) ~= "string" then return nil, "has a key that is not a string (" .. type(name) .. ")" end
        t = open and M.json
        if not t then return nil, "has no field " .. name, name end
      end
      local checked, problem, inner = t.check(value)
      if checked == nil then
        if inner then return nil, "." .. inner .. " " .. problem, name end -- a nested object's field
        return nil, problem, name
      end
      out[name] = checked
    end
    for i = 1, #required do
      if out[required[i]] == nil then return nil, "is required", required[i] end
    end
    if one_of then
      local present = false
      for i = 1, #one_of do present = present or out[one_of[i]] ~= nil end
      if not present then return nil, "needs at least one of " .. table.concat(one_of, ", ") end
    end
    return out
  end
  --- agree(sent, got) -> true | false, field: every field sent that got
  -- carries agrees, by the field's type.
  self.agree = function(sent, got, lossy)
    if type(got) ~= "table" then return false end
    for name, value in next, sent do
      local t = fields[name] or M.json
      if not absent(got[name]) and not t.agree(value, got[name], lossy) then return false, name end
    end
    return true
  end
  return self
end

--- A filter object: only the named members, each passing its type; a
-- member's problem names it (".in[2] must be a code").
local function filter(name, members)
  for member, t in pairs(members) do need_type(t, "filter member " .. member) end
  return new(name, "a filter: " .. name, function(v)
    if type(v) ~= "table" then return nil, "must be a filter object" end
    local out = {}
    for member, value in next, v do
      local t = type(member) == "string" and members[member]
      if not t then return nil, "has no member " .. tostring(member) end
      local checked, problem = t.check(value)
      if checked == nil then
        return nil, "." .. member .. (problem:sub(1, 1) == "[" and "" or " ") .. problem
      end
      out[member] = checked
    end
    return out
  end, { members = members })
end

--- Calypso's StringFilter: equals, notEquals, contains, doesNotContain, in,
-- notIn (lists of strings, sent as arrays even when empty), specified.
M.string_filter = filter("string_filter", {
  equals = M.text, notEquals = M.text, contains = M.text, doesNotContain = M.text,
  ["in"] = M.array(M.text), notIn = M.array(M.text), specified = M.boolean,
})

--- The enum filter: equals, notEquals, in, notIn, specified, over codes.
M.enum_filter = filter("enum_filter", {
  equals = M.code, notEquals = M.code,
  ["in"] = M.array(M.code), notIn = M.array(M.code), specified = M.boolean,
})

--- The API's Currency object (exchange pairs, widget answers; older
-- renderings of the Rate, Fiat and c2f pages send it in requests too).
-- Fields past these pass through: only the start of the schema is shown.
M.currency_object = M.object({
  name = M.code, feeCurrencyName = M.code, coinId = M.text,
  networkData = M.object({ frontName = M.text, type = M.text }, { open = true }),
  scale = M.integer(), blockchainScale = M.integer(), garbageAmount = M.decimal{ positive = false },
  crypto = M.boolean, blockchainName = M.text, contract = M.text, enabled = M.boolean, active = M.boolean,
}, { open = true })

--- A currency as the sources show it: a code (the latest renderings), or a
-- Currency object (the older ones).  Both are accepted; a code agrees with
-- an object that names it.
M.currency_ref = new("currency_ref", "a currency code such as USDT_TRX, or a Currency object"
  .. " { name = \"USDT_TRX\", ... }", function(v)
  if type(v) == "table" then
    local checked, problem, field = M.currency_object.check(v)
    if checked == nil then
      return nil, "(a Currency object) " .. (field and (field .. " ") or "") .. problem
    end
    return checked
  end
  if not is_code(v) then return nil, "must be a currency code such as USDT_TRX, or a Currency object" end
  return v
end, { agree = function(sent, got, lossy)
  if type(sent) == "table" then
    if type(got) == "table" then return M.currency_object.agree(sent, got, lossy) end
    return sent.name == got
  end
  if type(got) == "table" then return got.name == sent end
  return sent == got
end })

-- A name that is not here is a typo: T.uuuid would be nil, and a field
-- typed nil simply vanishes from a Lua table.  Say so at require instead.
return setmetatable(M, {
  __index = function(_, name) error("calypso.types has no type '" .. tostring(name) .. "'", 2) end,
})
