-- check.lua: the emulator's strict reading of a payload, as a careful
-- gateway would: unknown fields, missing required ones and wrong types are
-- refused with 001 (the caller answers that).
--   local problem = check.fields(payload, { amount = "number!", currency = "string!",
--                                           idempotencyKey = "uuid" }, open)
-- kinds: string, number, integer, boolean, uuid, datetime, array, object,
-- any; "!" marks a required field.  open: fields not listed pass.
local M = {}

local function is_uuid(v)
  return type(v) == "string" and v:match("^" .. ("%x"):rep(8) .. "%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-"
    .. ("%x"):rep(12) .. "$") ~= nil
end
M.is_uuid = is_uuid

local kinds = {
  string = function(v) return type(v) == "string" end,
  number = function(v) return type(v) == "number" end,
  integer = function(v) return type(v) == "number" and v == math.floor(v) end,
  boolean = function(v) return type(v) == "boolean" end,
  uuid = is_uuid,
  datetime = function(v) return type(v) == "string" and v:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d") ~= nil end,
  array = function(v) return type(v) == "table" end,
  object = function(v) return type(v) == "table" end,
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
