--- The value rules that endpoint rows name for their fields.  A rule takes a
-- value and returns nil and the value to send, or a problem: a phrase that
-- follows the field's name ("must be a UUID"), or one that starts with a
-- sub-path (".in[2] must be a string").  Enum-like codes are checked for
-- shape only: a value the client does not know yet is passed through.
-- @module calypso.rules
local core = require "calypso.core"
local text = require "calypso.text"

local M = {}

function M.text(v)
  local problem = text.problem(v)
  if problem then return problem end
  return nil, v
end

function M.email(v)
  local problem = text.problem(v)
  if problem then return problem end
  if not text.is_email(v) then return "must look like an email address" end
  return nil, v
end

function M.uuid(v)
  if type(v) ~= "string" or not text.is_uuid(v) then return "must be a UUID" end
  return nil, v
end

--- A code such as a currency (USDT_BSC), a state (CONFIRMED) or a sort
-- order (ASC): 1..64 letters, digits, _ or -.
function M.code(v)
  if type(v) ~= "string" or not v:find("^[%w_%-]+$") or #v > 64 then
    return "must be a code: 1 to 64 letters, digits, _ or -"
  end
  return nil, v
end

local function integer_at_least(least)
  return function(v)
    if type(v) ~= "number" or v ~= math.floor(v) or v < least or v > 2147483647 then
      return "must be a whole number from " .. least .. " to 2147483647"
    end
    return nil, v
  end
end

M.count = integer_at_least(0)    -- pageNumber: whether pages count from 0 or 1 is unknown
M.positive = integer_at_least(1) -- pageSize

function M.boolean(v)
  if type(v) ~= "boolean" then return "must be true or false" end
  return nil, v
end

-- A list: a table whose keys are exactly 1..n (or empty), each element
-- passing `element`; sent as a JSON array even when empty.
local function list_of(element)
  return function(v)
    if type(v) ~= "table" then return "must be a list" end
    local n, keys = #v, 0
    for _ in next, v do keys = keys + 1 end
    if keys ~= n then return "must be a list (keys 1..n)" end
    local out = {}
    for i = 1, n do
      local problem, value = element(rawget(v, i))
      if problem then return ("[%d] %s"):format(i, problem) end
      out[i] = value
    end
    return nil, core.array(out)
  end
end

-- A filter object: only the named members, each passing its rule.
local function filter(members)
  return function(v)
    if type(v) ~= "table" then return "must be a filter object" end
    local out = {}
    for name, value in next, v do
      local rule = type(name) == "string" and members[name]
      if not rule then return "has no member " .. tostring(name) end
      local problem, checked = rule(value)
      if problem then
        return "." .. name .. (problem:sub(1, 1) == "[" and "" or " ") .. problem
      end
      out[name] = checked
    end
    return nil, out
  end
end

--- The string filter: equals, notEquals, contains, doesNotContain, in,
-- notIn, specified (Calypso's StringFilter).
M.string_filter = filter{
  equals = M.text, notEquals = M.text, contains = M.text, doesNotContain = M.text,
  ["in"] = list_of(M.text), notIn = list_of(M.text), specified = M.boolean,
}

--- The enum filter: equals, notEquals, in, notIn, specified, over codes.
M.enum_filter = filter{
  equals = M.code, notEquals = M.code,
  ["in"] = list_of(M.code), notIn = list_of(M.code), specified = M.boolean,
}

return M
