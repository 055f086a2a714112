-- check.lua: the emulator's strict reading of a payload, as a careful
-- gateway would: unknown fields, missing required ones and wrong types are
-- refused with 001 (the caller answers that).
--   local problem = check.fields(payload, { amount = "number!", currency = "string!",
--                                           idempotencyKey = "uuid" }, open)
-- kinds: string, number, integer, boolean, uuid, datetime, array, object,
-- currency (a code, or a Currency object naming one: older renderings of
-- the docs send those), currencies (a list of them), any; "!" marks a
-- required field.  open: fields not listed pass.
local M = {}

local function is_uuid(v)
  return type(v) == "string" and v:match("^" .. ("%x"):rep(8) .. "%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-"
    .. ("%x"):rep(12) .. "$") ~= nil
end
M.is_uuid = is_uuid

local function is_currency(v)
  if type(v) == "table" then v = v.name end
  return type(v) == "string" and v:match("^[%w_%-]+$") ~= nil
end

--- A currency field's code: the code, or the name of a Currency object.
function M.code(v)
  if type(v) == "table" then return v.name end
  return v
end

local kinds = {
  string = function(v) return type(v) == "string" end,
  number = function(v) return type(v) == "number" end,
  integer = function(v) return type(v) == "number" and v == math.floor(v) end,
  boolean = function(v) return type(v) == "boolean" end,
  uuid = is_uuid,
  datetime = function(v) return type(v) == "string" and v:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d") ~= nil end,
  array = function(v) return type(v) == "table" end,
  object = function(v) return type(v) == "table" end,
  currency = is_currency,
  currencies = function(v)
    if type(v) ~= "table" then return false end
    for _, c in ipairs(v) do if not is_currency(c) then return false end end
    return true
  end,
  any = function() return true end,
}

function M.fields(payload, spec, open)
  if type(payload) ~= "table" then return "payload must be an object" end
  for name, value in pairs(payload) do
    local kind = spec[name]
    if kind then
      if not kinds[kind:gsub("!$", "")](value) then return name .. " must be " .. kind:gsub("!$", "") end
    elseif not open then
      return "unknown field " .. tostring(name)
    end
  end
  for name, kind in pairs(spec) do
    if kind:sub(-1) == "!" and payload[name] == nil then return name .. " is required" end
  end
end

return M
