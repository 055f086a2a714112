--- Validation shared by every endpoint row.  Runs before anything is sent;
-- a failure is an error of kind "validation" whose `field` names the culprit.
-- Each field's rule (calypso.rules) checks its value and gives the value to
-- send: the payload that goes out is a fresh table holding only those,
-- read with next (raw), so metatables on the caller's table cannot change it.
-- @module calypso.validate
local core = require "calypso.core"
local rules = require "calypso.rules"

local M = {}

local function fail(label, field, problem)
  local joint = problem and problem:find("^[%.%[]") and "" or " " -- a sub-path joins directly
  local where = field and (label .. ": " .. field .. joint) or (label .. ": ")
  return nil, core.error("validation", where .. problem, {
    field = field, attempts = 0, retryable = false, maybe_applied = false,
  })
end

--- Checks params against row; returns the payload to send, or nil, err.
-- label ("customer.update") starts every message.  One pass over params:
-- when several fields are bad, the first one met is reported.
function M.params(row, label, params)
  if type(params) ~= "table" then
    return fail(label, nil, "params must be a table, got " .. type(params))
  end
  local payload, fields = {}, row.fields
  for name, value in next, params do
    if type(name) ~= "string" then
      return fail(label, nil, "field names must be strings, got a " .. type(name))
    end
    local rule = fields[name]
    if not rule then return fail(label, name, "is not a field of " .. label) end
    local problem, checked = rules[rule](value)
    if problem then return fail(label, name, problem) end
    payload[name] = checked
  end
  local required = row.required
  if required then
    for i = 1, #required do
      if payload[required[i]] == nil then return fail(label, required[i], "is required") end
    end
  end
  local one_of = row.one_of
  if one_of then
    local present = false
    for i = 1, #one_of do present = present or payload[one_of[i]] ~= nil end
    if not present then
      return fail(label, nil, "needs at least one of " .. table.concat(one_of, ", "))
    end
  end
  return payload
end

return M
