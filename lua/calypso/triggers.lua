--- The sandbox's triggers: each makes one documented event happen end to
-- end, through the API (with the sandbox's client) and the simulations,
-- as `stripe trigger` does.  `sb:trigger(name [, overrides])` and
-- `calypso trigger NAME [--override field=value]` run them.  Overrides
-- replace fields of what the trigger makes first (`takes`: a row, whose
-- checks then judge them, or the list of fields it reads), so the events
-- carry what the test needs: an invoice's amount, a payout's currency.
-- @module calypso.triggers
-- @local
local M = {}

-- base with overrides applied (a copy).
local function with(base, overrides)
  local out = {}
  for k, v in pairs(base) do out[k] = v end
  for k, v in pairs(overrides or {}) do out[k] = v end
  return out
end

-- A call's result, or its error raised as it is (sb:trigger returns it).
local function made(_, result, err)
  if result == nil then error(err, 0) end
  return result
end

local function invoice(client, params, overrides)
  local p = with(params, overrides)
  return made("invoice", client.invoice.create_single(p))
end

local function customer(client)
  return made("customer", client.customer.create{ description = "calypso sandbox trigger" })
end

local function payout(client, params, overrides)
  return made("payout", client.payout.create(with(params, overrides)))
end

--- An event's name in a trigger's list: its eventType, and for
-- PAYOUT_CHANGE_STATUS the status it moved to ("PAYOUT_CHANGE_STATUS:PARTIAL").
function M.label(event)
  local status = type(event.data) == "table" and event.data.payoutStatus
  return event.eventType .. (event.eventType == "PAYOUT_CHANGE_STATUS" and status and ":" .. status or "")
end

local INVOICE = { amount = "10", currency = "USDT_TRX", description = "calypso sandbox trigger" }
local PAYOUT = { depositAddress = "0x" .. ("ab"):rep(20), amount = "5", currency = "USDT_TRX" }
local DEPOSIT = { "currency", "amount" } -- what a deposit trigger reads

--- name -> { doc, takes (a row "group.name", or a list of the fields it
-- reads), events (what it makes, in order, as M.label names them),
-- run(sb, client, overrides) -> what it made }
M.all = {
  ["invoice.paid"] = { doc = "a single invoice paid in full",
    takes = "invoice.create_single",
    events = { "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "INVOICE_PAID", "INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED" },
    run = function(sb, client, overrides)
      return sb:pay_invoice(invoice(client, INVOICE, overrides).id, "full")
    end },
  ["invoice.underpaid"] = { doc = "a single invoice paid in part (half)",
    takes = "invoice.create_single",
    events = { "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "INVOICE_PENDING_INTERVENTION" },
    run = function(sb, client, overrides)
      return sb:pay_invoice(invoice(client, INVOICE, overrides).id, "half")
    end },
  ["invoice.overpaid"] = { doc = "a single invoice paid twice over",
    takes = "invoice.create_single",
    events = { "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "INVOICE_PENDING_INTERVENTION" },
    run = function(sb, client, overrides)
      return sb:pay_invoice(invoice(client, INVOICE, overrides).id, "double")
    end },
  ["invoice.declined"] = { doc = "a payment that fails compliance",
    takes = "invoice.create_single",
    events = { "INVOICE_CREATE_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_COMPLIANCE_DECLINED" },
    run = function(sb, client, overrides)
      return sb:pay_invoice(invoice(client, INVOICE, overrides).id, "full", { outcome = "DECLINED" })
    end },
  ["invoice.expired"] = { doc = "a single invoice left unpaid past its expiration",
    takes = "invoice.create_single",
    events = { "INVOICE_CREATE_INVOICE", "INVOICE_EXPIRED" },
    run = function(sb, client, overrides)
      return sb:expire_invoice(invoice(client, INVOICE, overrides).id)
    end },
  ["invoice.unlimited_deposit"] = { doc = "a deposit to an unlimited invoice",
    takes = "invoice.create_unlimited", -- and amount: the deposit's
    events = { "INVOICE_CREATE_UNLIMITED_INVOICE", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE",
      "INVOICE_FUNDS_RECEIVED_FOR_INVOICE", "INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED" },
    run = function(sb, client, overrides)
      local p = with({ currency = "USDT_TRX", description = "calypso sandbox trigger" }, overrides)
      local amount = p.amount or "5"
      p.amount = nil
      return sb:pay_invoice(made("invoice", client.invoice.create_unlimited(p)).id, amount)
    end },
  ["deposit.confirmed"] = { doc = "a deposit to a customer's purse, confirmed",
    takes = DEPOSIT,
    events = { "CUSTOMER_PURSE_MEM_POOL_FOUND", "CUSTOMER_PURSE_PENDING_COMPLIANCE",
      "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE", "CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED" },
    run = function(sb, client, overrides)
      local o = with({ currency = "USDT_TRX", amount = "12.5" }, overrides)
      return sb:deposit(customer(client).id, o.currency, o.amount)
    end },
  ["deposit.declined"] = { doc = "a deposit to a customer's purse that fails compliance",
    takes = DEPOSIT,
    events = { "CUSTOMER_PURSE_MEM_POOL_FOUND", "CUSTOMER_PURSE_PENDING_COMPLIANCE",
      "CUSTOMER_PURSE_COMPLIANCE_DECLINED" },
    run = function(sb, client, overrides)
      local o = with({ currency = "USDT_TRX", amount = "12.5" }, overrides)
      return sb:deposit(customer(client).id, o.currency, o.amount, { outcome = "DECLINED" })
    end },
  ["purse.expired"] = { doc = "a purse address that expired with no deposit",
    takes = { "currency" },
    events = { "CUSTOMER_PURSE_EXPIRED" },
    run = function(sb, client, overrides)
      local o = with({ currency = "USDT_TRX" }, overrides)
      local c = customer(client)
      made("purse", client.purse.get{ customerId = c.id, currency = o.currency })
      return sb:expire_purse(c.id, o.currency)
    end },
  ["payout.completed"] = { doc = "a payout the balance covers, processed",
    takes = "payout.create",
    events = { "PAYOUT_CHANGE_STATUS:CREATED", "PAYOUT_CHANGE_STATUS:CONFIRMED", "PAYOUT_CONFIRMED",
      "PAYOUT_CHANGE_STATUS:IN_PROGRESS", "PAYOUT_HASH_RECEIVED", "PAYOUT_CHANGE_STATUS:COMPLETED" },
    run = function(sb, client, overrides)
      local p = with(PAYOUT, overrides)
      local id = payout(client, p).id
      assert(sb:credit(p.currency, p.amount)) -- the balance then covers it
      return sb:advance_payout(id)
    end },
  ["payout.failed"] = { doc = "a payout the balance does not cover, processed",
    takes = "payout.create",
    events = { "PAYOUT_CHANGE_STATUS:CREATED", "PAYOUT_CHANGE_STATUS:CONFIRMED", "PAYOUT_CONFIRMED",
      "PAYOUT_CHANGE_STATUS:IN_PROGRESS", "PAYOUT_VALIDATION_ERROR", "PAYOUT_CHANGE_STATUS:FAILED" },
    run = function(sb, client, overrides)
      return sb:advance_payout(payout(client, with(PAYOUT, { amount = "1000000000" }), overrides).id)
    end },
  ["payout.canceled"] = { doc = "a payout canceled before it ran",
    takes = "payout.create",
    events = { "PAYOUT_CHANGE_STATUS:CREATED", "PAYOUT_CHANGE_STATUS:CONFIRMED", "PAYOUT_CONFIRMED",
      "PAYOUT_CHANGE_STATUS:CANCELED" },
    run = function(sb, client, overrides)
      return sb:cancel_payout(payout(client, PAYOUT, overrides).id)
    end },
  ["payout.pending_confirmation"] = { doc = "a payout that waits for the account's confirmation",
    takes = "payout.create",
    events = { "PAYOUT_CHANGE_STATUS:CREATED", "PAYOUT_CHANGE_STATUS:PENDING_CONFIRMATION" },
    run = function(sb, client, overrides)
      assert(sb:payout_verification(true))
      local ok, p = pcall(payout, client, PAYOUT, overrides)
      assert(sb:payout_verification(false))
      if not ok then error(p, 0) end
      return p
    end },
  ["mass_payout.partial"] = { doc = "a mass payout that completes in part",
    takes = "payout.create_mass",
    events = { "PAYOUT_CHANGE_STATUS:CREATION_IN_PROGRESS", "PAYOUT_CHANGE_STATUS:IN_PROGRESS",
      "PAYOUT_CHANGE_STATUS:PARTIAL" },
    run = function(sb, client, overrides)
      local mass = made("mass payout", client.payout.create_mass(with({ currency = "USDT_TRX",
        name = "calypso sandbox trigger" }, overrides)))
      assert(sb:advance_payout(mass.id))
      return sb:advance_payout(mass.id, { outcome = "PARTIAL" })
    end },
}

--- The trigger names, sorted.
M.names = {}
for name in pairs(M.all) do M.names[#M.names + 1] = name end
table.sort(M.names)

return M
