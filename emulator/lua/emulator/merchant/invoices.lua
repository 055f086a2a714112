-- merchant/invoices.lua: invoices, with their states.  Created PENDING_PAYMENT;
-- the control route pay_invoice{id, amount} walks one through MEM_POOL_FOUND
-- and PAID to COMPLETED, crediting the balance, or to PENDING_INTERVENTION
-- (UNDERPAY below 0.995 of the amount, OVERPAY above it) for single
-- invoices; unlimited ones take any deposit and stay open; bound ones
-- complete at or above lowerBound.  pay_invoice{id, amount, mempool = true}
-- stops at MEM_POOL_FOUND (seen, not yet confirmed); pay_invoice{id} then
-- confirms it.  An unpaid invoice past its expiration (or one expired by the
-- control route expire_invoice{id}) reads as EXPIRED_STATE and takes no
-- payment.  A reused idempotencyKey is 016.  Amounts are kept as the exact
-- text the client sent (emulator.money).  Each step is announced to the
-- webhook subscribers (emulator.webhooks) with the documented INVOICE_*
-- event (calypso-api-merchant.md 6.2 and 6.4):
--   create       INVOICE_CREATE_INVOICE, or INVOICE_CREATE_UNLIMITED_INVOICE
--   a payment    INVOICE_MEMPOOL_FOUND, INVOICE_PENDING_COMPLIANCE, then
--                INVOICE_COMPLIANCE_DECLINED (pay_invoice{..., outcome =
--                "DECLINED"}: the invoice is DECLINED), or
--                INVOICE_FUNDS_RECEIVED_FOR_INVOICE (every kind) and then
--                INVOICE_PENDING_INTERVENTION, or INVOICE_PAID and
--                INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED (an unlimited
--                invoice: the translation only)
--   expiry       INVOICE_EXPIRED
-- with the documented data fields the emulator has: parentExternalId is the
-- invoice's numeric system id (invoice.get{ id = "7" } finds it too),
-- createdDate is written as the examples write it (fractional seconds, no
-- zone).
local accounts = require "emulator.merchant.accounts"
local clock = require "emulator.clock"
local check = require "emulator.check"
local ids = require "emulator.ids"
local money = require "emulator.money"
local respond = require "emulator.respond"
local state = require "emulator.state"
local webhooks = require "emulator.webhooks"

local M = {}

local URLS = { returnUrl = "string", supportUrl = "string", logoUrl = "string" }

local function with(spec, more)
  local out = {}
  for k, v in pairs(spec) do out[k] = v end
  for k, v in pairs(more or {}) do out[k] = v end
  return out
end

-- The invoice as answered, amounts as exact tokens.
local function dto(inv)
  local out = {}
  for k, v in pairs(inv) do out[k] = v end
  for _, f in ipairs{ "amount", "fiatAmount", "lowerBound", "paid" } do out[f] = money.exact(inv[f]) end
  out.totalDebitAmount = money.exact(inv.amount)
  out.paid, out.history, out.systemId = nil, nil, nil -- the emulator's own bookkeeping
  return out
end

local function save(inv)
  state.put_json("invoice:" .. inv.id, inv)
end

-- Announces an invoice event to the webhook subscribers.
local function announce(inv, event_type, level, extra)
  -- amount: the invoice's; an unlimited one has none, so the deposit's
  local data = { amount = money.exact(inv.amount or inv.paid), currency = inv.currency,
                 description = inv.description,
                 externalId = inv.externalId, idempotencyKey = inv.idempotencyKey,
                 parentExternalId = inv.systemId,
                 createdDate = ids.event_time(ids.parse_iso(inv.createdDate)) }
  for k, v in pairs(extra or {}) do data[k] = v end
  webhooks.emit("INVOICE", event_type, data, level)
end

-- The data of the events that follow a payment (the funds received table).
local function payment_data(inv, message)
  return { amount = money.exact(inv.paid), transactionId = money.list{ inv.lastDepositHash },
           senderAddress = inv.senderAddress, paymentDate = ids.event_time(),
           transactionHash = inv.lastDepositHash,
           fiatAmount = inv.fiatAmount and { amount = money.exact(inv.fiatAmount),
                                             currency = inv.fiatCurrency },
           message = message }
end

-- The docs list no EXPIRED invoice state (there is an INVOICE_EXPIRED
-- webhook); ARCHIVED is the one documented state for an invoice no longer
-- open, so an expired one reads so here.  An emulator's choice, not a fact.
local EXPIRED_STATE = "ARCHIVED"

-- The sandbox's clock (advanced by the advance control, skewed by the
-- clock control), in seconds.
local function now()
  return clock.now() + state.get_number("clock_skew_ms") / 1000
end

local function expired_at(inv)
  local at = ids.parse_iso(inv.expiration)
  return inv.state == "PENDING_PAYMENT" and at ~= nil and at <= now()
end

local function load(id)
  local inv = id and state.get_json("invoice:" .. id)
  if inv and expired_at(inv) then
    inv.state = EXPIRED_STATE
    save(inv)
    announce(inv, "INVOICE_EXPIRED", "WARNING", { expirationDate = inv.expiration,
      message = "the invoice expired unpaid" })
  end
  return inv
end

-- Makes an invoice of `type` from a checked payload; answers it, or 016.
local function create(kind, payload, raw, fields)
  local key = payload.idempotencyKey
  if key and state.get_json("invoice-key:" .. key) then
    return respond.error("016", "IdempotencyKey " .. key .. " already exists")
  end
  local inv = { id = ids.uuid4(), systemId = ids.system_id(), type = kind, state = "PENDING_PAYMENT",
                invoiceAddress = ids.hex(40),
                currency = payload.currency, description = payload.description, fee = 0,
                createdDate = ids.iso(), idempotencyKey = key or ids.uuid4(),
                expiration = payload.expiration or ids.iso(kind == "UNLIMITED" and 30 * 86400 or 86400),
                externalId = payload.externalId }
  for f in pairs(fields) do
    if inv[f] == nil and payload[f] ~= nil then inv[f] = payload[f] end
  end
  for _, f in ipairs{ "amount", "fiatAmount", "lowerBound" } do inv[f] = money.text(raw, payload, f) end
  if payload.amount ~= nil and payload.amount <= 0 then
    return respond.error("001", "amount must be positive")
  end
  save(inv)
  state.put_json("invoice-key:" .. inv.idempotencyKey, { id = inv.id })
  state.put_json("invoice-system:" .. inv.systemId, { id = inv.id })
  state.put_json("invoice-list:" .. state.count("invoices"), inv.id)
  announce(inv, kind == "UNLIMITED" and "INVOICE_CREATE_UNLIMITED_INVOICE" or "INVOICE_CREATE_INVOICE",
    "INFO",
    { message = "the invoice was created", fiatCurrency = inv.fiatCurrency,
      amount = kind ~= "UNLIMITED" and money.exact(inv.amount) or nil })
  -- At its expiration, an unpaid invoice expires (and INVOICE_EXPIRED goes
  -- out) whether or not anyone reads it then.
  -- One whose expiration has passed already (a client slower than its own
  -- deadline) expires at once, announced like the rest.
  local expires_at = ids.parse_iso(inv.expiration)
  local expires_in = expires_at and math.max(0, expires_at - now())
  if expires_in and expires_in < 40 * 86400 then
    local scope = state.scope() -- the timer runs with a context of its own: the invoice's account
    ngx.timer.at(expires_in + 0.01, function(premature)
      if premature then return end
      state.enter(scope)
      load(inv.id)
    end)
  end
  return respond.json(200, dto(inv))
end

local SINGLE = with({ amount = "number!", currency = "string!", description = "string!",
                      idempotencyKey = "uuid", expiration = "datetime", externalId = "string" }, URLS)
local SINGLE_FIAT = { currency = "string!", fiatAmount = "number!", fiatCurrency = "string!",
                      description = "string!", amount = "number", idempotencyKey = "uuid" }
local UNLIMITED = with({ currency = "string!", description = "string!", idempotencyKey = "uuid",
                         externalId = "string", fiatAvailable = "boolean" }, URLS)
local BOUND = { lowerBound = "number", currency = "string", description = "string",
                idempotencyKey = "uuid", externalId = "string", fiatAvailable = "boolean" }

local function creator(kind, spec)
  return { handler = function(payload, raw)
    local problem = check.fields(payload, spec)
    if problem then return respond.error("001", problem) end
    return create(kind, payload, raw, spec)
  end }
end

-- A confirmed payment of `paid` (a number) moves the invoice on.
local function settle(inv, paid)
  local due = tonumber(inv.amount)
  if inv.type == "UNLIMITED" then
    inv.state = "PENDING_PAYMENT"
    accounts.add(inv.currency, paid)
  elseif inv.type == "BOUND" then
    if paid >= (tonumber(inv.lowerBound) or 0) then
      inv.state = "COMPLETED"
      accounts.add(inv.currency, paid)
    else
      inv.state = "PENDING_PAYMENT" -- below the bound: still open
    end
  elseif due and paid < 0.995 * due then
    inv.state, inv.interventionType, inv.isInterventionResolved = "PENDING_INTERVENTION", "UNDERPAY", false
  elseif due and paid > due then
    inv.state, inv.interventionType, inv.isInterventionResolved = "PENDING_INTERVENTION", "OVERPAY", false
  else
    inv.history[#inv.history + 1] = "PAID"
    inv.state = "COMPLETED"
    accounts.add(inv.currency, due or paid)
  end
  local real = money.exact(inv.paid)
  announce(inv, "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "SUCCESS",
    payment_data(inv, "funds reached the invoice"))
  local credited = { serviceFee = 0, transactionIds = money.list{ inv.lastDepositHash },
                     message = "credited to the account", amount = real,
                     fiatAmount = payment_data(inv).fiatAmount }
  if inv.state == "PENDING_INTERVENTION" then
    announce(inv, "INVOICE_PENDING_INTERVENTION", "WARNING",
      { message = "paid " .. inv.paid .. " of " .. tostring(inv.amount) .. ": " .. inv.interventionType })
  elseif inv.state == "COMPLETED" then
    announce(inv, "INVOICE_PAID", "SUCCESS", { realAmount = real, fiatAmount = inv.fiatAmount and
      money.exact(inv.fiatAmount), fiatCurrency = inv.fiatCurrency })
    announce(inv, "INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED", "SUCCESS", credited)
  elseif inv.type == "UNLIMITED" then -- each deposit is credited; the invoice stays open
    announce(inv, "INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED", "SUCCESS", credited)
  end -- a bound invoice paid below its bound stays open, its deposit received
end

-- After a payment is seen: the compliance check, then declined (the invoice
-- is DECLINED) or settled.
local function check_and_settle(inv, paid, outcome)
  inv.state = "PENDING_COMPLIANCE_CHECK"
  announce(inv, "INVOICE_PENDING_COMPLIANCE", "INFO",
    payment_data(inv, "the deposit is under compliance review"))
  if outcome == "DECLINED" then
    inv.state = "DECLINED"
    announce(inv, "INVOICE_COMPLIANCE_DECLINED", "WARNING",
      payment_data(inv, "the deposit failed compliance"))
    return
  end
  settle(inv, paid)
end

-- What share makes of the invoice's amount, exactly: "full", "half" (an
-- underpayment) or "double" (an overpayment).
local SHARES = { full = function(text) return text end, half = money.half, double = money.double }

--- Control: pay invoice `id` with `amount` (a number or decimal text), or
-- `share` of its amount ("full", "half", "double"); with `mempool`, stop at
-- MEM_POOL_FOUND; with neither, confirm the payment an invoice at
-- MEM_POOL_FOUND holds; outcome "DECLINED": the deposit fails compliance.
-- Returns the invoice, or nil, why.
function M.pay(id, amount, mempool, outcome, share)
  local inv = load(id)
  if not inv then return nil, "no invoice " .. tostring(id) end
  if share ~= nil then
    if not SHARES[share] then return nil, "share must be full, half or double" end
    if not inv.amount then return nil, "invoice " .. id .. " has no amount to take a share of" end
    amount = SHARES[share](inv.amount)
    if not amount then
      return nil, "invoice " .. id .. "'s amount " .. inv.amount .. " is not a plain decimal"
    end
  end
  inv.history = inv.history or {}
  if amount == nil and inv.state == "MEM_POOL_FOUND" then
    check_and_settle(inv, tonumber(inv.paid), outcome)
    save(inv)
    return dto(inv)
  end
  if inv.state == EXPIRED_STATE then return nil, "invoice " .. id .. " has expired" end
  if inv.state ~= "PENDING_PAYMENT" then return nil, "invoice " .. id .. " is " .. inv.state end
  local paid = tonumber(amount)
  if not paid or paid <= 0 then return nil, "amount must be a positive number" end
  inv.history[#inv.history + 1] = "MEM_POOL_FOUND"
  inv.paid = tostring(amount)
  inv.lastDepositHash, inv.senderAddress = ids.hex(64), ids.hex(40)
  announce(inv, "INVOICE_MEMPOOL_FOUND", "INFO", { realAmount = money.exact(inv.paid),
    transactionHash = inv.lastDepositHash, fiatAmount = inv.fiatAmount and money.exact(inv.fiatAmount),
    fiatCurrency = inv.fiatCurrency })
  if mempool then
    inv.state = "MEM_POOL_FOUND"
  else
    check_and_settle(inv, paid, outcome)
  end
  save(inv)
  return dto(inv)
end

--- The clock moved on: every invoice past its expiration expires now
-- (announced); returns how many did.
function M.catch_up()
  local expired = 0
  for n = 1, state.get_number("invoices") do
    local id = state.get_json("invoice-list:" .. n)
    local before = id and state.get_json("invoice:" .. id)
    if before and expired_at(before) then
      load(id)
      expired = expired + 1
    end
  end
  return expired
end

--- The invoice whose idempotencyKey is key, as stored (amounts as text,
-- `paid` too), or nil: what the pay page shows.
function M.by_key(key)
  local ref = type(key) == "string" and state.get_json("invoice-key:" .. key)
  return ref and load(ref.id) or nil
end

--- Control: expire invoice `id` now; returns the invoice, or nil, why.
function M.expire(id)
  local inv = load(id)
  if not inv then return nil, "no invoice " .. tostring(id) end
  if inv.state ~= "PENDING_PAYMENT" then return nil, "invoice " .. id .. " is " .. inv.state end
  inv.expiration = ids.iso(math.floor(now() - clock.now()))
  save(inv)
  return dto(load(id))
end

M.routes = {
  ["/api/v1/invoice/single/create"] = creator("SINGLE", SINGLE),
  ["/api/v1/invoice/single-fiat/create"] = creator("SINGLE_FIAT", SINGLE_FIAT),
  ["/api/v1/invoice/unlimited/create"] = creator("UNLIMITED", UNLIMITED),
  ["/api/v1/invoice/bound/create"] = creator("BOUND", BOUND),
  ["/api/v1/invoice"] = { handler = function(payload)
    local problem = check.fields(payload, { id = "string", idempotencyKey = "uuid" })
    if problem then return respond.error("001", problem) end
    local id = payload.id
    if not id and payload.idempotencyKey then
      local by_key = state.get_json("invoice-key:" .. payload.idempotencyKey)
      if not by_key then return respond.error("004", "no invoice with this idempotencyKey") end
      id = by_key.id
    elseif not id then
      return respond.error("001", "id or idempotencyKey is required")
    end
    local inv = load(id)
    if not inv and id:find("^%d+$") then -- a webhook's parentExternalId, sent back as the schema's string
      local by_system = state.get_json("invoice-system:" .. id)
      inv = by_system and load(by_system.id)
    end
    if not inv then return respond.error("004", "no invoice") end
    return respond.json(200, dto(inv))
  end },
}

return M
