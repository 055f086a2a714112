-- customers.lua: the Customer Purse API's customer create and update, with
-- customers kept in the shared dict.  Strict about input like a careful
-- gateway: unknown fields and wrong types are 001, an unknown id is 004.
local check = require "emulator.check"
local ids = require "emulator.ids"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

local text_fields = { email = true, description = true, externalId = true }

local uuid4, is_uuid = ids.uuid4, check.is_uuid

-- Returns nil, or the detail of what is wrong with payload.
local function check_fields(payload, allowed)
  for name, value in pairs(payload) do
    if not allowed[name] then return "unknown field " .. tostring(name) end
    if name ~= "id" and type(value) ~= "string" then return name .. " must be a string" end
  end
  if payload.email and not payload.email:match("^[^@%s]+@[^@%s]+$") then -- the schema: a string
    return "email is not an address"
  end
end

function M.create(payload)
  local problem = check_fields(payload, text_fields)
  if problem then return respond.error("001", problem) end
  local customer = {
    id = uuid4(),
    email = payload.email,
    description = payload.description,
    externalId = payload.externalId,
    blocked = false,
    createdDate = ngx.utctime():gsub(" ", "T") .. "Z", -- a field clients do not know
  }
  state.put_json("customer:" .. customer.id, customer)
  state.count("created")
  return respond.json(200, customer)
end

local update_fields = { id = true, email = true, description = true, externalId = true }

function M.update(payload)
  local problem = check_fields(payload, update_fields)
  if problem then return respond.error("001", problem) end
  if not is_uuid(payload.id) then return respond.error("001", "id must be a uuid") end
  local customer = state.get_json("customer:" .. payload.id)
  if not customer then return respond.error("004") end
  local changed = false
  for name in pairs(text_fields) do
    if payload[name] ~= nil then
      customer[name] = payload[name]
      changed = true
    end
  end
  if not changed then return respond.error("001", "nothing to update") end
  state.put_json("customer:" .. customer.id, customer)
  return respond.json(200, customer)
end

-- block and unblock take {customerId} (inferred from the guides).
local function set_blocked(payload, blocked)
  if not is_uuid(payload.customerId) then return respond.error("001", "customerId must be a uuid") end
  for name in pairs(payload) do
    if name ~= "customerId" then return respond.error("001", "unknown field " .. tostring(name)) end
  end
  local customer = state.get_json("customer:" .. payload.customerId)
  if not customer then return respond.error("004") end
  customer.blocked = blocked
  state.put_json("customer:" .. customer.id, customer)
  return respond.json(200, customer)
end

function M.block(payload) return set_blocked(payload, true) end

function M.unblock(payload) return set_blocked(payload, false) end

return M
