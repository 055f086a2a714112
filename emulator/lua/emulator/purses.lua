-- purses.lua: the Customer Purse API's purses (deposit addresses) and their
-- transactions, kept in the shared dict per customer.  Paths for purse/get
-- and the shapes of get-all are inferred (see the API notes); transaction
-- pages count from 0 (Spring style; Calypso's base is unknown).
local accounts = require "emulator.merchant.accounts"
local ids = require "emulator.ids"
local money = require "emulator.money"
local respond = require "emulator.respond"
local state = require "emulator.state"
local webhooks = require "emulator.webhooks"

local M = {}

local function customer_of(payload)
  local id = payload.customerId
  if type(id) ~= "string" then return nil, respond.error("001", "customerId is required") end
  local customer = state.get_json("customer:" .. id)
  if not customer then return nil, respond.error("004", "no customer " .. id) end
  return customer
end

local uuid4 = ids.uuid4

-- The customer's purse for currency: get-or-create, as a customer keeps
-- one address per currency.
local function purse_of(customer, currency)
  local key = "purse:" .. customer.id .. ":" .. currency
  local purse = state.get_json(key)
  if not purse then
    purse = { id = uuid4(), address = ids.hex(40), currency = currency }
    state.put_json(key, purse)
    local list = state.get_json("purses:" .. customer.id) or {}
    list[#list + 1] = purse
    state.put_json("purses:" .. customer.id, list)
  end
  return purse
end

-- The purse a get asks for (made on first ask), or nil and the answer that refuses it.
local function asked(payload)
  local customer, answered = customer_of(payload)
  if not customer then return nil, answered end
  if type(payload.currency) ~= "string" or payload.currency == "" then
    return nil, respond.error("001", "currency is required")
  end
  return purse_of(customer, payload.currency)
end

function M.get(payload)
  local purse, answered = asked(payload)
  if not purse then return answered end
  return respond.json(200, { id = purse.id, address = purse.address })
end

--- The older guides' "Get Customer Purse Address" (POST
-- /api/v1/customer-purse/address/get): the same purse, answered {address}.
function M.address(payload)
  local purse, answered = asked(payload)
  if not purse then return answered end
  return respond.json(200, { address = purse.address })
end

--- Control: customerId's purse for currency expires (the docs: no deposit
-- for 30 days): CUSTOMER_PURSE_EXPIRED with its documented data; the next
-- purse.get makes a new address.  Returns the expired purse, or nil, why.
function M.expire(body)
  local customer = type(body.customerId) == "string" and state.get_json("customer:" .. body.customerId)
  if not customer then return nil, "no customer " .. tostring(body.customerId) end
  local key = "purse:" .. customer.id .. ":" .. tostring(body.currency)
  local purse = state.get_json(key)
  if not purse then
    return nil, "customer " .. customer.id .. " has no " .. tostring(body.currency) .. " purse"
  end
  state.delete(key)
  local list = {}
  for _, p in ipairs(state.get_json("purses:" .. customer.id) or {}) do
    if p.id ~= purse.id then list[#list + 1] = p end
  end
  state.put_json("purses:" .. customer.id, list)
  webhooks.emit("CUSTOMER_PURSE", "CUSTOMER_PURSE_EXPIRED", { customerId = customer.id,
    customerBlocked = customer.blocked == true, purseId = purse.id, address = purse.address }, "WARNING")
  return purse
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

-- The documented CUSTOMER_PURSE event for a transaction's state; its data
-- as far as the docs show it (customerId, customerBlocked, purseId,
-- address, currency, transactionId, amount).
local EVENTS = {
  MEM_POOL_FOUND = "CUSTOMER_PURSE_MEM_POOL_FOUND",
  PENDING_COMPLIANCE_CHECK = "CUSTOMER_PURSE_PENDING_COMPLIANCE",
  DECLINED = "CUSTOMER_PURSE_COMPLIANCE_DECLINED",
  CONFIRMED = "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE",
}
local PAIRED = { MEM_POOL_FOUND = "UNCHECKED", PENDING_COMPLIANCE_CHECK = "IN_PROGRESS",
                 DECLINED = "DECLINE", CONFIRMED = "CHECKED" }

-- Whose purse a deposit went to, kept beside the transaction (whose API
-- shape has no such fields).
local function owner_of(tx) return state.get_json("transaction-owner:" .. tx.id) or {} end

local function announce(tx, event_type)
  local owner = owner_of(tx)
  local customer = state.get_json("customer:" .. tostring(owner.customerId)) or {}
  local level = tx.transactionState == "DECLINED" and "WARNING"
    or tx.transactionState == "CONFIRMED" and "SUCCESS" or "INFO"
  webhooks.emit("CUSTOMER_PURSE", event_type, { customerId = owner.customerId,
    customerBlocked = customer.blocked == true, purseId = owner.purseId, address = owner.address,
    currency = tx.currency, transactionId = tx.id, amount = tx.amount }, level)
end

local function move(tx, to)
  tx.transactionState, tx.complianceState = to, PAIRED[to]
  state.put_json("transaction:" .. tx.id, tx)
  announce(tx, EVENTS[to])
end

--- Control: a deposit to a customer's purse.  {customerId, currency,
-- amount} makes a transaction at MEM_POOL_FOUND; then, unless stop says
-- "mempool" or "compliance", PENDING_COMPLIANCE_CHECK and CONFIRMED (funds
-- credited, TRANSLATION_TO_ACCOUNT_COMPLETED) or, with outcome "DECLINED",
-- DECLINED.  {transactionId, outcome} moves a stopped one on.  Each state
-- is announced to the webhook subscribers; a confirmed deposit is credited
-- to the account's balance.  Returns the transaction, or nil, why.
function M.deposit(body)
  local tx
  if body.transactionId then
    tx = state.get_json("transaction:" .. tostring(body.transactionId))
    if not tx then return nil, "no transaction " .. tostring(body.transactionId) end
    if tx.transactionState == "CONFIRMED" or tx.transactionState == "DECLINED" then
      return nil, "transaction " .. tx.id .. " is " .. tx.transactionState
    end
  else
    local customer = type(body.customerId) == "string" and state.get_json("customer:" .. body.customerId)
    if not customer then return nil, "no customer " .. tostring(body.customerId) end
    if type(body.currency) ~= "string" or not tonumber(body.amount) or tonumber(body.amount) <= 0 then
      return nil, "deposit needs currency and a positive amount"
    end
    local purse = purse_of(customer, body.currency)
    local made = state.get_json("transactions:" .. customer.id) or {}
    -- The amount as sent: decimal text stays exact (emulator.money).
    local amount = type(body.amount) == "string" and money.exact(body.amount) or body.amount
    tx = { id = uuid4(), amount = amount, addressFrom = ids.hex(40), currency = body.currency,
           transactionHash = ids.hex(64), translationToAccountCompleted = false,
           createdDate = ngx.utctime():gsub(" ", "T") .. "Z", sequence = #made + 1 }
    state.put_json("transaction-owner:" .. tx.id, { customerId = customer.id, purseId = purse.id,
                                                     address = purse.address })
    made[#made + 1] = tx.id
    state.put_json("transactions:" .. customer.id, made)
    move(tx, "MEM_POOL_FOUND")
    if body.stop == "mempool" then return tx end
  end
  if tx.transactionState == "MEM_POOL_FOUND" then
    move(tx, "PENDING_COMPLIANCE_CHECK")
    if body.stop == "compliance" then return tx end
  end
  if body.outcome == "DECLINED" then
    move(tx, "DECLINED")
  else
    move(tx, "CONFIRMED")
    accounts.add(tx.currency, tonumber((tostring(tx.amount):gsub("^\1num:", ""))))
    tx.translationToAccountCompleted = true
    state.put_json("transaction:" .. tx.id, tx)
    announce(tx, "CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED")
  end
  return tx
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
