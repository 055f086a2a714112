-- merchant/exchanges.lua: currency exchanges at fixed made-up rates.  A
-- create draws the source amount from the balance and credits the
-- destination (COMPLETED), or is FAILED when the balance is short; exchanges
-- have numeric ids and no idempotency key (calypso-api-merchant.md 5.1).
local accounts = require "emulator.merchant.accounts"
local check = require "emulator.check"
local ids = require "emulator.ids"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

-- USD value of one unit: enough to make rates and limits that add up.
M.usd = { USDT = 1, USDT_TRX = 1, USDT_BSC = 1, USDC = 1, BTC = 60000, ETH = 3000, TRX = 0.1, LTC = 80 }

local function rate(from, to)
  return (M.usd[from] or 1) / (M.usd[to] or 1)
end

-- The documented Currency object, for a code.
local function currency(code)
  return { name = code, feeCurrencyName = code, coinId = code:lower(), crypto = true,
    blockchainName = "emulated",
           networkData = { frontName = code, type = "emulated" }, scale = 8, blockchainScale = 18,
           garbageAmount = 0, contract = "", enabled = true, active = true }
end
M.currency = currency

local PAIR = { sourceCurrency = "string", destinationCurrency = "string" }

M.routes = {
  ["/api/v1/exchange/pairs"] = { envelope = "account", handler = function()
    local pairs_ = {}
    for code in pairs(M.usd) do
      local to = {}
      for other in pairs(M.usd) do if other ~= code then to[#to + 1] = currency(other) end end
      table.sort(to, function(a, b) return a.name < b.name end)
      pairs_[code] = to
    end
    return respond.json(200, { currencyPairs = pairs_ })
  end },
  ["/api/v1/exchange/limit"] = { handler = function(payload)
    local problem = check.fields(payload, PAIR)
    if problem then return respond.error("001", problem) end
    return respond.json(200, { sourceCurrency = payload.sourceCurrency,
                               destinationCurrency = currency(payload.destinationCurrency or "USDT") })
  end },
  ["/api/v1/exchange/pre-calculate"] = { handler = function(payload)
    local problem = check.fields(payload, { sourceCurrency = "string!", destinationCurrency = "string!",
                                            amount = "number!", direction = "string" })
    if problem then return respond.error("001", problem) end
    return respond.json(200, { sourceCurrency = payload.sourceCurrency,
      destinationCurrency = payload.destinationCurrency,
      amount = payload.amount * rate(payload.sourceCurrency, payload.destinationCurrency) })
  end },
  ["/api/v1/exchange/create"] = { handler = function(payload)
    local problem = check.fields(payload, { sourceCurrency = "string!", destinationCurrency = "string!",
                                            amount = "number!" })
    if problem then return respond.error("001", problem) end
    local x = { id = state.count("exchange-id"), account = state.account(),
      sourceCurrency = payload.sourceCurrency,
                sourceAmount = payload.amount, destinationCurrency = payload.destinationCurrency,
                destinationAmount = payload.amount * rate(payload.sourceCurrency,
                  payload.destinationCurrency),
                createdDate = ids.iso() }
    if accounts.balance(x.sourceCurrency) >= x.sourceAmount then
      accounts.add(x.sourceCurrency, -x.sourceAmount)
      accounts.add(x.destinationCurrency, x.destinationAmount)
      x.state = "COMPLETED"
    else
      x.state = "FAILED"
    end
    state.put_json("exchange:" .. x.id, x)
    state.count("exchanges")
    return respond.json(200, x)
  end },
  ["/api/v1/exchange/get"] = { handler = function(payload)
    local problem = check.fields(payload, { id = "integer!" })
    if problem then return respond.error("001", problem) end
    local x = state.get_json("exchange:" .. payload.id)
    if not x then return respond.error("004", "no exchange " .. payload.id) end
    return respond.json(200, x)
  end },
  ["/api/v1/exchange/average-rate"] = { handler = function(payload)
    local problem = check.fields(payload, PAIR)
    if problem then return respond.error("001", problem) end
    return respond.json(200, { rate = rate(payload.sourceCurrency or "USDT",
      payload.destinationCurrency or "USDT") })
  end },
}

return M
