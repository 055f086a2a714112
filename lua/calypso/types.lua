--- The type values endpoint rows are made of.  A type checks a value and
-- gives the value to send:  `value, problem = T.uuid(v)` is the value, or
-- nil and a problem: a phrase that follows the field's name ("must be a
-- UUID"), or one that starts with a sub-path (".in[2] must be a string").
-- Each type also carries `name` and `doc`, from which the README's API table
-- is written.  Constructors check their own arguments and raise, so that a
-- row with a typo fails when the module loads, not on a user's first call.
-- Enum-like values are checked for shape only: a value the client does not
-- know yet is passed through (the API's robustness rule).
-- @module calypso.types
local core = require "calypso.core"
local text = require "calypso.text"

local M = {}

local Type = {}
Type.__index = Type
Type.__call = function(self, v) return self.check(v) end
Type.__tostring = function(self) return "calypso type " .. self.name end

local function new(name, doc, check, extra)
  local t = setmetatable({ name = name, doc = doc, check = check }, Type)
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

--- Is v a type value?
function M.is(v)
  return getmetatable(v) == Type
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

M.text = new("text", "text: UTF-8, at most 1024 bytes, no control characters", function(v)
  local problem = text.problem(v)
  if problem then return nil, problem end
  return v
end)

M.email = new("email", "an email address", function(v)
  local problem = text.problem(v)
  if problem then return nil, problem end
  if not text.is_email(v) then return nil, "must look like an email address" end
  return v
end)

M.uuid = new("uuid", "a UUID", function(v)
  if type(v) ~= "string" or not text.is_uuid(v) then return nil, "must be a UUID" end
  return v
end)

local function is_code(v)
  return type(v) == "string" and #v <= 64 and v:find("^[%w_%-]+$") ~= nil
end

--- A code such as a currency (USDT_BSC), a state (CONFIRMED) or a sort
-- order (ASC): 1..64 letters, digits, _ or -.
M.code = new("code", "a code: 1 to 64 letters, digits, _ or -", function(v)
  if not is_code(v) then return nil, "must be a code: 1 to 64 letters, digits, _ or -" end
  return v
end)

M.currency = new("currency", "a currency code, such as USDT_TRX", M.code.check)

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
  local problem = "must be a whole number from " .. min .. " to " .. max
  return new("integer", "a whole number from " .. min .. " to " .. max, function(v)
    if type(v) ~= "number" or v ~= math.floor(v) or v < min or v > max then return nil, problem end
    return v
  end)
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
-- decimal: no exponent, no leading zeros.
function M.decimal(opts)
  only(opts, { positive = true }, "decimal")
  local positive = not (opts and opts.positive == false)
  local doc = positive and "an amount above zero: a decimal string such as \"10.10\" (exact) or a number"
    or "an amount: a decimal string such as \"-10.10\" (exact) or a number"
  return new("decimal", doc, function(v)
    if type(v) == "number" then
      if v ~= v or v == math.huge or v == -math.huge then return nil, "must be a finite number" end
      if positive and v <= 0 then return nil, "must be more than zero" end
      return v
    end
    if type(v) ~= "string" then return nil, "must be a decimal string such as \"10.10\", or a number" end
    local d, problem = core.decimal(v)
    if not d then return nil, problem end
    if positive and (v:sub(1, 1) == "-" or all_zero(v)) then return nil, "must be more than zero" end
    return d
  end)
end

local DATETIME = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d"

--- An ISO-8601 date-time: 2025-07-05T22:31:09Z, with optional fraction and
-- offset (the API's examples use Z).
M.datetime = new("datetime", "an ISO-8601 date-time such as 2025-07-05T22:31:09Z", function(v)
  local rest = type(v) == "string" and v:match(DATETIME .. "(.*)$")
  if rest then rest = rest:gsub("^%.%d+", "", 1) end -- a fraction of a second
  if not rest or not (rest == "" or rest == "Z" or rest:find("^[%+%-]%d%d:%d%d$")) then
    return nil, "must be an ISO-8601 date-time such as 2025-07-05T22:31:09Z"
  end
  return v
end)

M.url = new("url", "an http(s) URL", function(v)
  local problem = text.problem(v)
  if problem then return nil, problem end
  if not v:find("^https?://[^%s/]+") then return nil, "must be an http:// or https:// URL" end
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
      local value, problem = item.check(rawget(v, i))
      if value == nil then return nil, ("[%d] %s"):format(i, problem) end
      out[i] = value
    end
    return core.array(out)
  end, { item = item })
end

--- Any value JSON can carry, checked only by the encoder: for a part of a
-- payload the docs do not show (a Java ZoneOffset, say).
M.json = new("json", "any JSON value (not checked here; the docs do not show its shape)", function(v)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" or t == "table" or v == core.null then return v end
  return nil, "must be a value JSON can carry, got " .. t
end)

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
  local self = new("object", "an object", nil, {
    fields = fields, required = names(required), one_of = one_of and names(one_of), open = open,
  })
  self.check = function(v)
    if type(v) ~= "table" then return nil, "must be a table, got " .. type(v) end
    local out = {}
    for name, value in next, v do
      if type(name) ~= "string" then return nil, "has a key that is not a string (" .. type(name) .. ")" end
      local t = fields[name] or open and M.json
      if not t then return nil, "has no field " .. name, name end
      local checked, problem = t.check(value)
      if checked == nil then return nil, problem, name end
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

-- A name that is not here is a typo: T.uuuid would be nil, and a field
-- typed nil simply vanishes from a Lua table.  Say so at require instead.
return setmetatable(M, {
  __index = function(_, name) error("calypso.types has no type '" .. tostring(name) .. "'", 2) end,
})
