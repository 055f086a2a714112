--- Values typed on the command line or in a fixtures file, as the fields of
-- a row take them.  JSON (--json, call's payload, list and object options,
-- a fixtures file) is read with every number kept as the text typed
-- (core.decimal tokens), so 0.123456789012345678 reaches the wire as those
-- digits, never as a double.
-- @module calypso.cli.values
-- @local
local calypso = require "calypso"
local core = require "calypso.core"
local endpoints = require "calypso.endpoints"

local M = {}

--- Options for core.decode_object: numbers stay the text typed.
M.TYPED = { numbers = "tokens" }

--- Any JSON value from text (core.decode_object reads objects only), or nil.
function M.json(text)
  local wrapped = core.decode_object('{"v":' .. text .. "}", M.TYPED)
  if wrapped == nil then return nil end
  return wrapped.v
end

--- A command-line string as the value a field of type t takes; what cannot
-- be read stays the string, and the row's check names the problem.
function M.for_type(t, s)
  if t == nil then return s end
  if t.name == "integer" then return math.tointeger and math.tointeger(tonumber(s)) or tonumber(s) or s end
  if t.name == "boolean" then
    if s == "true" then return true elseif s == "false" then return false end
    return s
  end
  if t.name == "array" then
    if s:find("^%s*%[") then
      local list = M.json(s)
      return list ~= nil and list or s
    end
    local list = {}
    for item in (s .. ","):gmatch("([^,]*),") do list[#list + 1] = M.for_type(t.item, item) end
    return calypso.array(list)
  end
  if t.name == "object" or t.name == "json" or t.members then
    local v = M.json(s)
    if v == nil then return s end
    return v
  end
  return s
end

--- The fields a row takes on the command line: path parameters and body fields.
function M.row_fields(row)
  local fields = {}
  for name, t in pairs(row.params or {}) do fields[name] = t end
  for name, t in pairs(row.body and row.body.fields or {}) do fields[name] = t end
  return fields
end

--- The row "group.name" names (its name with - or _), and its group and
-- name; nil when there is none.
function M.row(dotted)
  local group, name = tostring(dotted):match("^([%w_]+)%.([%w_%-]+)$")
  if not group then return nil end
  name = name:gsub("%-", "_")
  local row = endpoints[group] and endpoints[group][name]
  if not row then return nil end
  return row, group, name
end

--- The keys of t, sorted.
function M.sorted(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

--- Every row's "group.name", sorted (for a suggestion).
function M.row_names()
  local names = {}
  for group, rows in pairs(endpoints) do
    for name in pairs(rows) do names[#names + 1] = group .. "." .. name end
  end
  table.sort(names)
  return names
end

return M
