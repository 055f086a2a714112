-- merchant/accounts.lua: the accounts, their balances and the API key's
-- user, whose key acts for both accounts (config.lua).
-- Balances are one JSON object in the shared dict, currency -> amount (a
-- number: the emulator's arithmetic needs no more than a double); paid
-- invoices raise them, payouts and exchanges draw on them, and the control
-- route `credit` sets them up for a test.
local config = require "emulator.config"
local money = require "emulator.money"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

function M.balances()
  return state.get_json("balances") or {}
end

--- Adds amount (negative to draw) to a currency's balance; returns the new one.
function M.add(currency, amount)
  local balances = M.balances()
  balances[currency] = (balances[currency] or 0) + amount
  state.put_json("balances", balances)
  return balances[currency]
end

function M.balance(currency)
  return M.balances()[currency] or 0
end

local OWNER = "5b0c8e1a-7d3f-4a21-9c4e-2f6d8b1a0e37"

local function account()
  local list = {}
  for currency, amount in pairs(M.balances()) do list[#list + 1] = { currency = currency,
    amount = amount } end
  table.sort(list, function(a, b) return a.currency < b.currency end)
  local name = state.account() == config.account and "Emulated merchant"
    or "Emulated merchant, second account"
  return respond.json(200, { account = state.account(), name = name, ownerId = OWNER,
                             balances = money.list(list) })
end

M.routes = {
  ["/api/v1/account"] = { envelope = "account", handler = account },
  -- docs.calypso.finance's balances guide names this path for the same answer
  ["/api/v1/account/balances"] = { envelope = "account", handler = account },
  ["/api/v1/user/current"] = { envelope = "bare", handler = function()
    return respond.json(200, {
      userFullInfo = { id = "9a1f3c2e-6b4d-4e8a-b7c1-0d2e4f6a8b9c", username = "emulator",
                       companyId = OWNER, companyName = "Emulated merchant", active = true, blocked = false,
                       roles = { "SYSTEM" } },
      permissions = { { accountId = config.account, accountName = "Emulated merchant",
                        permissionGroups = {} },
                      { accountId = config.other_account, accountName = "Emulated merchant, second account",
                        permissionGroups = {} } },
      availableAccounts = { { account = config.account, name = "Emulated merchant" },
                            { account = config.other_account, name = "Emulated merchant, second account" } },
    })
  end },
}

return M
