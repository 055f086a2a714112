-- merchant/payouts.lua: payouts that draw on the account's balances.  A
-- payout is created CONFIRMED (as an API-made one is), or
-- PENDING_CONFIRMATION while the control route payout_verification{enabled}
-- says the account confirms payouts; advance_payout{id} confirms a pending
-- one, or takes a confirmed one through IN_PROGRESS to COMPLETED, drawing
-- its amount, or to FAILED with a NOT_ENOUGH_FUNDS withdrawal error when the
-- balance is short; cancel_payout{id} cancels one not yet in progress.  A
-- payout with an executionDate is processed once the sandbox's clock
-- (emulator.clock, moved by the advance control) reaches it.  Mass
-- payouts are kept as sent (their recipients' field is undocumented) and
-- advance from CREATION_IN_PROGRESS through IN_PROGRESS to COMPLETED, or
-- PARTIAL with advance_payout{id, outcome = "PARTIAL"}.  A reused
-- idempotencyKey is 016.  Each step is announced with the documented PAYOUT_*
-- events (calypso-api-merchant.md 6.2 and 6.4): PAYOUT_CHANGE_STATUS at every
-- status (CREATED, CREATION_IN_PROGRESS, PENDING_CONFIRMATION, IN_PROGRESS,
-- COMPLETED, PARTIAL, FAILED, CANCELED), PAYOUT_CONFIRMED, PAYOUT_HASH_RECEIVED
-- once the transaction is sent, PAYOUT_VALIDATION_ERROR before a failure; data's
-- parentExternalId is the payout's numeric system id.
local accounts = require "emulator.merchant.accounts"
local clock = require "emulator.clock"
local check = require "emulator.check"
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
  out.systemId = nil -- the emulator's own: the webhooks' parentExternalId
  return out
end

-- The data every payout event carries.
local function data_of(p, extra)
  local data = { parentExternalId = p.systemId, createdDate = ids.event_time(ids.parse_iso(p.createdDate)),
                 idempotencyKey = p.idempotencyKey, currency = p.currency, externalId = p.externalId }
  for k, v in pairs(extra or {}) do data[k] = v end
  return data
end

local LEVEL = { FAILED = "WARNING", CANCELED = "WARNING", PARTIAL = "WARNING", COMPLETED = "SUCCESS" }

-- Moves p to `to` (saved) and announces PAYOUT_CHANGE_STATUS.
local function change(kind, p, to)
  p.state = to
  state.put_json(kind .. ":" .. p.id, p)
  webhooks.emit("PAYOUT", "PAYOUT_CHANGE_STATUS", data_of(p, { payoutStatus = to, hash = p.transactionHash }),
    LEVEL[to] or "INFO")
end

local function confirm(p)
  change("payout", p, "CONFIRMED")
  webhooks.emit("PAYOUT", "PAYOUT_CONFIRMED", data_of(p, { approved = money.list{ "api" } }), "SUCCESS")
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
  state.put_json(kind .. "-list:" .. state.count(kind .. "s"), object.id)
end

local function reused(kind, key)
  return key and state.get_json(kind .. "-key:" .. key) ~= nil
end

--- Control: move payout (or mass payout) `id` on; returns it, or nil and why.
function M.advance(id, outcome)
  local mass = state.get_json("mass:" .. tostring(id))
  if mass then
    if mass.state == "CREATION_IN_PROGRESS" then
      change("mass", mass, "IN_PROGRESS")
    elseif mass.state == "IN_PROGRESS" then
      change("mass", mass, outcome == "PARTIAL" and "PARTIAL" or "COMPLETED")
    else
      return nil, "mass payout " .. id .. " is " .. mass.state
    end
    return mass
  end
  local p = state.get_json("payout:" .. tostring(id))
  if not p then return nil, "no payout " .. tostring(id) end
  if p.state == "PENDING_CONFIRMATION" then
    confirm(p)
    return dto(p)
  end
  if p.state ~= "CONFIRMED" then return nil, "payout " .. id .. " is " .. p.state end
  change("payout", p, "IN_PROGRESS")
  local amount = tonumber(p.amount)
  if accounts.balance(p.currency) >= amount then
    accounts.add(p.currency, -amount)
    p.transactionHash = ids.hex(64)
    webhooks.emit("PAYOUT", "PAYOUT_HASH_RECEIVED", data_of(p, { hash = p.transactionHash }), "INFO")
    change("payout", p, "COMPLETED")
  else
    p.errors = { withdrawalErrors = { { withdrawalId = ids.uuid4(), errors = {
      { id = 1, status = "NOT_ENOUGH_FUNDS", errorResolved = false,
        errorMessage = "the balance is short of the amount" } } } } }
    webhooks.emit("PAYOUT", "PAYOUT_VALIDATION_ERROR", data_of(p, { message = "the balance is short of the"
      .. " amount", dealWithdrawalId = ids.system_id(), validationStatus = "NOT_ENOUGH_FUNDS" }), "WARNING")
    change("payout", p, "FAILED")
  end
  return dto(p)
end

--- The clock moved on: every confirmed payout whose executionDate has come
-- is processed now; returns how many were.
function M.catch_up()
  local ran = 0
  for n = 1, state.get_number("payouts") do
    local id = state.get_json("payout-list:" .. n)
    local p = id and state.get_json("payout:" .. id)
    local at = p and ids.parse_iso(p.executionDate)
    if p and p.state == "CONFIRMED" and at and at <= clock.now() then
      M.advance(id)
      ran = ran + 1
    end
  end
  return ran
end

--- Control: cancel payout `id`, not yet in progress; returns it, or nil and why.
function M.cancel(id)
  local p = state.get_json("payout:" .. tostring(id))
  if not p then return nil, "no payout " .. tostring(id) end
  if p.state ~= "CONFIRMED" and p.state ~= "PENDING_CONFIRMATION" then
    return nil, "payout " .. id .. " is " .. p.state
  end
  p.cancellation = { canceledByUserId = "9a1f3c2e-6b4d-4e8a-b7c1-0d2e4f6a8b9c",
                     canceledByFirstname = "Emulated", canceledByLastname = "Merchant",
                     cancelMessage = "canceled in the sandbox" }
  change("payout", p, "CANCELED")
  return dto(p)
end

--- Control: whether the account confirms payouts (new ones start PENDING_CONFIRMATION).
function M.verification(enabled)
  state.set_number("payout_verification", enabled and 1 or 0)
  return { enabled = enabled == true }
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
    local p = { id = ids.uuid4(), systemId = ids.system_id(), account = state.account(),
                depositAddress = payload.depositAddress, amount = money.text(raw, payload, "amount"),
                currency = payload.currency, calypsoFee = 0, calypsoFeePercentage = 0, state = "CREATED",
                createdDate = ids.iso(), comment = payload.comment, executionDate = payload.executionDate,
                externalId = payload.externalId, idempotencyKey = payload.idempotencyKey or ids.uuid4(),
                belongingType = "INTERNAL" }
    keep("payout", p)
    change("payout", p, "CREATED")
    if state.get_number("payout_verification") == 1 then
      change("payout", p, "PENDING_CONFIRMATION")
    else
      confirm(p)
    end
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
    local mass = { id = ids.uuid4(), systemId = ids.system_id(), currency = payload.currency,
                   name = payload.name,
                   comment = payload.comment, idempotencyKey = payload.idempotencyKey or ids.uuid4(),
                   createdDate = ids.iso() }
    keep("mass", mass)
    change("mass", mass, "CREATION_IN_PROGRESS")
    return respond.json(200, dto(mass))
  end },
  ["/api/v1/payout/mass"] = getter("mass"),
}

return M
