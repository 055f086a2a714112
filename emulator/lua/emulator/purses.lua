-- purses.lua: the Customer Purse API's purses (deposit addresses) and their
-- transactions, kept in the shared dict per customer.  Paths for purse/get
-- and the shapes of get-all are inferred (see the API notes); transaction
-- pages count from 0 (Spring style; Calypso's base is unknown).
local ids = require "emulator.ids"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

local function customer_of(payload)
  local id = payload.customerId
  if type(id) ~= "string" then return nil, respond.error("001", "customerId is required") end
  local customer = state.get_json("customer:" .. id)
  if not customer then return nil, respond.error("004", "no customer " .. id) end
  return customer
end

local uuid4 = ids.uuid4

function M.get(payload)
  local customer, answered = customer_of(payload)
  if not customer then return answered end
  if type(payload.currency) ~= "string" or payload.currency == "" then
    return respond.error("001", "currency is required")
  end
  local key = "purse:" .. customer.id .. ":" .. payload.currency
  local purse = state.get_json(key)
  if not purse then -- get-or-create: a customer keeps one address per currency
    purse = { id = uuid4(), address = ids.hex(40), currency = payload.currency }
    state.put_json(key, purse)
    local list = state.get_json("purses:" .. customer.id) or {}
    list[#list + 1] = purse
    state.put_json("purses:" .. customer.id, list)
  end
  return respond.json(200, { id = purse.id, address = purse.address })
end

function M.get_all(payload)
  local customer, answered = customer_of(payload)
  if not customer then return answered end
  local list = state.get_json("purses:" .. customer.id) or {}
  return respond.json(200, { purses = list, total = #list })
end

local CURRENCIES = { "USDT_BSC", "ETH", "BTC" }
local STATES = { "MEM_POOL_FOUND", "PENDING_COMPLIANCE_CHECK", "CONFIRMED", "DECLINED", "SOMETHING_NEW" }
local COMPLIANCE = { "UNCHECKED", "IN_PROGRESS", "CHECKED", "DECLINE", "UNKNOWN_YET" }

--- Control: make `count` transactions for a customer; returns their ids.
function M.seed(customer_id, count)
  local made = state.get_json("transactions:" .. customer_id) or {}
  for i = 1, count do
    local n = #made + 1
    local tx = {
      id = uuid4(),
      amount = n * 1.25,
      addressFrom = ids.hex(40),
      currency = CURRENCIES[(i - 1) % #CURRENCIES + 1],
      transactionHash = ids.hex(64),
      transactionState = STATES[(i - 1) % #STATES + 1],
      complianceState = COMPLIANCE[(i - 1) % #COMPLIANCE + 1],
      translationToAccountCompleted = (i % 3 == 0),
      createdDate = ngx.utctime():gsub(" ", "T") .. "Z",
      sequence = n,
    }
    state.put_json("transaction:" .. tx.id, tx)
    made[n] = tx.id
  end
  state.put_json("transactions:" .. customer_id, made)
  return made
end

function M.transaction(payload)
  if type(payload.transactionId) ~= "string" then return respond.error("001", "transactionId is required") end
  local tx = state.get_json("transaction:" .. payload.transactionId)
  if not tx then return respond.error("004", "no transaction " .. payload.transactionId) end
  return respond.json(200, tx)
end

-- Does value pass a filter {equals, notEquals, in, notIn, specified, contains, doesNotContain}?
local function passes(filter, value)
  if type(filter) ~= "table" then return true end
  if filter.equals ~= nil and value ~= filter.equals then return false end
  if filter.notEquals ~= nil and value == filter.notEquals then return false end
  if type(filter["in"]) == "table" then
    local found = false
    for _, v in ipairs(filter["in"]) do found = found or v == value end
    if not found then return false end
  end
  if type(filter.notIn) == "table" then
    for _, v in ipairs(filter.notIn) do
      if v == value then return false end
    end
  end
  if filter.specified == false and value ~= nil then return false end
  if filter.contains ~= nil and not tostring(value):find(filter.contains, 1, true) then return false end
  if filter.doesNotContain ~= nil and tostring(value):find(filter.doesNotContain, 1, true) then
    return false
  end
  return true
end

function M.find(payload)
  local customer, answered = customer_of(payload)
  if not customer then return answered end
  local page = tonumber(payload.pageNumber) or 0
  local size = tonumber(payload.pageSize) or 20
  if page < 0 or size < 1 or page ~= math.floor(page) or size ~= math.floor(size) then
    return respond.error("001", "pageNumber must be >= 0 and pageSize >= 1")
  end
  local matching = {}
  for _, id in ipairs(state.get_json("transactions:" .. customer.id) or {}) do
    local tx = state.get_json("transaction:" .. id)
    if tx and passes(payload.currencyFilter, tx.currency)
      and passes(payload.transactionStateFilter, tx.transactionState) then
      matching[#matching + 1] = tx
    end
  end
  if payload.sort == "DESC" then
    table.sort(matching, function(a, b) return a.sequence > b.sequence end)
  end
  local result = {}
  for i = page * size + 1, math.min(#matching, (page + 1) * size) do result[#result + 1] = matching[i] end
  return respond.json(200, {
    result = result,
    page = page,
    size = size,
    total = math.ceil(#matching / size), -- pages
    totalElements = #matching,
  })
end

return M
