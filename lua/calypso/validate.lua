--- Validation shared by every endpoint row.  Runs before anything is sent;
-- a failure is an error of kind "validation" whose `field` names the culprit.
-- The payload that goes out is a fresh table holding only the checked fields,
-- read with rawget, so metatables on the caller's table cannot change it.
-- @module calypso.validate
local core = require "calypso.core"
local text = require "calypso.text"

local M = {}

-- Each rule returns nil when the (already text-checked) value is fine.
local rules = {
  text = function() end,
  email = function(s)
    if not text.is_email(s) then return "must look like an email address" end
  end,
  uuid = function(s)
    if not text.is_uuid(s) then return "must be a UUID" end
  end,
}

local function fail(label, field, problem)
  local where = field and (label .. ": " .. field .. " ") or (label .. ": ")
  return nil, core.error("validation", where .. problem, {
    field = field, attempts = 0, retryable = false, maybe_applied = false,
  })
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

--- Checks params against row; returns the payload to send, or nil, err.
-- label ("customer.update") starts every message.
function M.params(row, label, params)
  if type(params) ~= "table" then
    return fail(label, nil, "params must be a table, got " .. type(params))
  end
  for name in next, params do
    if type(name) ~= "string" then
      return fail(label, nil, "field names must be strings, got a " .. type(name))
    end
    if not row.fields[name] then
      return fail(label, name, "is not a field of " .. label)
    end
  end
  local payload = {}
  for _, name in ipairs(sorted_keys(row.fields)) do
    local value = rawget(params, name)
    if value ~= nil then
      local problem = text.problem(value) or rules[row.fields[name]](value)
      if problem then return fail(label, name, problem) end
      payload[name] = value
    end
  end
  for _, name in ipairs(row.required or {}) do
    if payload[name] == nil then return fail(label, name, "is required") end
  end
  if row.one_of then
    local present = false
    for _, name in ipairs(row.one_of) do present = present or payload[name] ~= nil end
    if not present then
      return fail(label, nil, "needs at least one of " .. table.concat(row.one_of, ", "))
    end
  end
  return payload
end

M.rules = rules

return M
