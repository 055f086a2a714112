-- merchant/payouts.lua: payouts that draw on the account's balances.  A
-- payout is created CONFIRMED (as an API-made one is); the control route
-- advance_payout{id} takes it to COMPLETED, drawing its amount, or to FAILED
-- with a NOT_ENOUGH_FUNDS withdrawal error when the balance is short.  Mass
-- payouts are kept as sent (their recipients' field is undocumented).  A
-- reused idempotencyKey is 016.
local accounts = require "emulator.merchant.accounts"
local check = require "emulator.check"
local config = require "emulator.config"
local ids = require "emulator.ids"
local money = require "emulator.money"
local respond = require "emulator.respond"
local state = require "emulator.state"
local webhooks = require "emulator.webhooks"

local M = {}

local function dto(p)
  local out = {}
  for k, v in pairs(p) do out[k] = v end
  out.amount = money.exact(p.amount)
  return out
end

local function load(kind, payload)
  local id = payload.id
  if not id and payload.idempotencyKey then
    local by_key = state.get_json(kind .. "-key:" .. payload.idempotencyKey)
    id = by_key and by_key.id
  end
  return id and state.get_json(kind .. ":" .. id)
end

-- A get by {id | idempotencyKey} over kind ("payout", "mass").
local function getter(kind)
  return { handler = function(payload)
    local problem = check.fields(payload, { id = "string", idempotencyKey = "uuid" })
      or (payload.id == nil and payload.idempotencyKey == nil and "id or idempotencyKey is required")
    if problem then return respond.error("001", problem) end
    local found = load(kind, payload)
    if not found then return respond.error("004", "no " .. kind) end
    return respond.json(200, dto(found))
  end }
end

local function keep(kind, object)
  local key = object.idempotencyKey
  state.put_json(kind .. ":" .. object.id, object)
  state.put_json(kind .. "-key:" .. key, { id = object.id })
  state.count(kind .. "s")
end

local function reused(kind, key)
  return key and state.get_json(kind .. "-key:" .. key) ~= nil
end

--- Control: move payout `id` on; returns it, or nil and why.
function M.advance(id)
  local p = state.get_json("payout:" .. tostring(id))
  if not p then return nil, "no payout " .. tostring(id) end
  if p.state ~= "CONFIRMED" then return nil, "payout " .. id .. " is " .. p.state end
  local amount = tonumber(p.amount)
  if accounts.balance(p.currency) >= amount then
    accounts.add(p.currency, -amount)
    p.state, p.transactionHash = "COMPLETED", ids.hex(64)
  else
    p.state = "FAILED"
    p.errors = { withdrawalErrors = { { withdrawalId = ids.uuid4(), errors = {
      { id = 1, status = "NOT_ENOUGH_FUNDS", errorResolved = false,
        errorMessage = "the balance is short of the amount" } } } } }
  end
  state.put_json("payout:" .. p.id, p)
  webhooks.emit("PAYOUT", "PAYOUT_CHANGE_STATUS", { payoutStatus = p.state, hash = p.transactionHash,
    createdDate = p.createdDate, idempotencyKey = p.idempotencyKey, currency = p.currency,
    externalId = p.externalId }, p.state == "FAILED" and "WARNING" or "SUCCESS")
  return dto(p)
end

M.routes = {
  ["/api/v1/payout/create"] = { handler = function(payload, raw)
    local problem = check.fields(payload, { depositAddress = "string!", amount = "number!",
      currency = "string!",
      comment = "string", idempotencyKey = "uuid", executionDate = "datetime", externalId = "string" })
    if problem then return respond.error("001", problem) end
    if payload.amount <= 0 then return respond.error("001", "amount must be positive") end
    if reused("payout", payload.idempotencyKey) then
      return respond.error("016", "IdempotencyKey " .. payload.idempotencyKey .. " already exists")
    end
    local p = { id = ids.uuid4(), account = config.account, depositAddress = payload.depositAddress,
                amount = money.text(raw, payload, "amount"), currency = payload.currency, calypsoFee = 0,
                calypsoFeePercentage = 0, state = "CONFIRMED", createdDate = ids.iso(),
                comment = payload.comment, executionDate = payload.executionDate,
                idempotencyKey = payload.idempotencyKey or ids.uuid4(), belongingType = "INTERNAL" }
    keep("payout", p)
    return respond.json(200, dto(p))
  end },
  ["/api/v1/payout"] = getter("payout"),
  ["/api/v1/payout/withdrawal"] = { handler = function(payload)
    local problem = check.fields(payload, { requestId = "string!" })
    if problem then return respond.error("001", problem) end
    local p = state.get_json("payout:" .. payload.requestId)
    if not p then return respond.error("004", "no withdrawal") end
    return respond.json(200, { id = p.id, account = p.account, companyName = "Emulated merchant",
      amount = money.exact(p.amount), currency = p.currency, state = "DRAFT", calypsoFee = 0,
      transactionHash = p.transactionHash, depositAddress = p.depositAddress, comment = p.comment,
      createdDate = p.createdDate, withdrawalErrors = money.list({}) })
  end },
  ["/api/v1/payout/mass/create"] = { handler = function(payload)
    local problem = check.fields(payload, { currency = "string", name = "string", comment = "string",
                                            idempotencyKey = "uuid" }, true)
    if problem then return respond.error("001", problem) end
    if reused("mass", payload.idempotencyKey) then
      return respond.error("016", "IdempotencyKey " .. payload.idempotencyKey .. " already exists")
    end
    local mass = { id = ids.uuid4(), currency = payload.currency, name = payload.name,
      comment = payload.comment,
                   idempotencyKey = payload.idempotencyKey or ids.uuid4(), state = "CREATION_IN_PROGRESS",
                   createdDate = ids.iso() }
    keep("mass", mass)
    return respond.json(200, mass)
  end },
  ["/api/v1/payout/mass"] = getter("mass"),
}

return M
