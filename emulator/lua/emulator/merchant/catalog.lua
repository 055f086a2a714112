-- merchant/catalog.lua: the endpoints whose answers need no state: rates,
-- fees, reports, settlement, payment widgets, fiat, onramp, offramp and
-- crypto-to-fiat.  Each checks its payload as strictly as the docs allow
-- (calypso-api-merchant.md) and answers the documented shape with made-up
-- values; where the docs show no payload, anything passes.
local check = require "emulator.check"
local exchanges = require "emulator.merchant.exchanges"
local ids = require "emulator.ids"
local money = require "emulator.money"
local respond = require "emulator.respond"
local state = require "emulator.state"

local M = {}

-- A route that checks payload against spec (open: unknown fields pass) and
-- answers answer(payload, params).
local function route(spec, answer, opts)
  opts = opts or {}
  return { envelope = opts.envelope, handler = function(payload, _, params)
    local problem = spec and check.fields(payload, spec, opts.open)
    if problem then return respond.error("001", problem) end
    return respond.json(200, answer(payload, params))
  end }
end

local PERIOD = { firstDate = "datetime", lastDate = "datetime", blockchainList = "string",
  zoneOffset = "any" }
local BY_ID_OR_KEY = { id = "string", idempotencyKey = "uuid" }
local METHOD = { itemId = "uuid", geoId = "uuid", cryptoAmount = "number", fiatAmount = "number",
                 currency = "string", external = "boolean" }

local function report() return { data = {} } end

local function settlement_payout(payload)
  return { id = payload.id or ids.uuid4(), account = "emulated", depositAddress = ids.hex(40), amount = 10,
           currency = "USDT_TRX", calypsoFee = 0, calypsoFeeCurrency = "USDT_TRX", blockchainFee = 1,
           blockchainFeeCurrency = "TRX", calypsoFeePercentage = 0, state = "COMPLETED",
             createdDate = ids.iso(),
           idempotencyKey = payload.idempotencyKey }
end

-- Seven made-up settlement wallet transactions, paged like the purse find.
local function wallet_page(payload)
  local all = {}
  for i = 1, 7 do
    -- the same seven on every call, so that pages of one walk fit together
    all[i] = { amount = i, currency = "USDT_TRX", opCode = "WITHDRAWAL",
               addressTo = string.format("0x%040d", i), serviceFee = 0,
               serviceFeeCurrency = "USDT_TRX", networkFee = 1, networkFeeCurrency = "TRX",
               transactionHash = string.format("0x%064d", i), createdDate = ids.iso(-i * 3600) }
  end
  local size, number = payload.pageSize or 20, payload.pageNumber or 0
  local result = {}
  for i = number * size + 1, math.min(#all, (number + 1) * size) do result[#result + 1] = all[i] end
  return { result = money.list(result), page = number, size = size, total = math.ceil(#all / size),
           totalElements = #all }
end

local function method_list()
  return { fixedRateId = ids.uuid4(), rateExpiredDate = ids.iso(900), methods = {
    { itemId = ids.uuid4(), fiatAmount = 100, cryptoAmount = 100, withdrawalSettingsType = "CARD",
      currency = "USDT_TRX", fiatCurrency = "USD", minLimit = 10, maxLimit = 1000 } } }
end

local function widget(payload)
  return { idempotencyKey = payload.idempotencyKey, description = payload.description,
           cryptoCurrencies = payload.cryptoCurrencies and (function()
             local out = {}
             for i, c in ipairs(payload.cryptoCurrencies) do out[i] = exchanges.currency(check.code(c)) end
             return out
           end)(),
           widgetType = "UNLIMITED_LINKED", widgetState = "IN_PROGRESS", logoUrl = payload.logoUrl,
           returnUrl = payload.returnUrl, supportUrl = payload.supportUrl, externalId = payload.externalId,
           invoices = money.list({}), createdDate = ids.iso(), expiration = ids.iso(30 * 86400) }
end

-- A keyed widget create: checks payload against spec (other fields pass),
-- refuses a reused idempotencyKey (016), keeps make(payload) under prefix
-- .. key and answers it.
local function widget_create(prefix, spec, make)
  return { handler = function(payload)
    local problem = check.fields(payload, spec, true)
    if problem then return respond.error("001", problem) end
    payload.idempotencyKey = payload.idempotencyKey or ids.uuid4()
    if state.get_json(prefix .. payload.idempotencyKey) then
      return respond.error("016", "IdempotencyKey " .. payload.idempotencyKey .. " already exists")
    end
    state.put_json(prefix .. payload.idempotencyKey, make(payload))
    state.count("widgets")
    return respond.json(200, state.get_json(prefix .. payload.idempotencyKey))
  end }
end

M.routes = {
  ["/api/v1/rate"] = route({ fromCurrencies = "currencies", toCurrencies = "currencies" }, function(p)
    local rates = {}
    for _, from_ref in ipairs(p.fromCurrencies or {}) do
      for _, to_ref in ipairs(p.toCurrencies or {}) do
        local from, to = check.code(from_ref), check.code(to_ref)
        rates[#rates + 1] = { fromCurrency = from, toCurrency = to, ratesDate = ids.iso(),
                              rates = (exchanges.usd[from] or 1) / (exchanges.usd[to] or 1) }
      end
    end
    return { currencyRates = money.list(rates) }
  end, { envelope = "payload" }),
  ["/api/v1/rate/fiat"] = route({ from = "currencies", to = "currencies" }, function(p)
    local map = {}
    for _, from in ipairs(p.from or {}) do
      map[check.code(from)] = {}
      for _, to in ipairs(p.to or {}) do map[check.code(from)][check.code(to)] = 1 end
    end
    return { ratesMap = map }
  end, { envelope = "payload" }),
  ["/api/v1/tariff/extended-fee"] = route({ items = "array!" }, function(p)
    local out = {}
    for i, item in ipairs(p.items) do
      out[i] = { amount = item.baseAmount, currency = item.currency, opType = item.opType,
                 feeReceiver = { amount = item.baseAmount, fee = 0 },
                   feeSender = { amount = item.baseAmount, fee = 0 } }
    end
    return { items = out }
  end, { envelope = "payload" }),
  ["/api/v1/report/payout"] = route(PERIOD, report),
  ["/api/v1/report/invoice"] = route(PERIOD, report),
  ["/api/v1/settlement/report/outgoing"] = route(PERIOD, report),
  ["/api/v1/settlement/report/incoming"] = route(PERIOD, report),
  ["/api/v1/settlement/payout"] = route(BY_ID_OR_KEY, settlement_payout),
  ["/api/v1/settlement/payout/withdrawals"] = route({ requestId = "string!" }, function(p)
    return { { id = p.requestId, account = "emulated", withdrawalId = 1, amount = 10, currency = "USDT_TRX",
               state = "DRAFT", calypsoFee = 0, calypsoFeeCurrency = "USDT_TRX", blockchainFee = 1,
               blockchainFeeCurrency = "TRX", transactionHash = ids.hex(64), depositAddress = ids.hex(40) } }
  end),
  ["/api/v1/settlement/wallet"] = route({ address = "string!" }, function(p)
    return { name = "settlement", address = p.address, blockchain = "TRON",
             balances = { { currency = "USDT_TRX", amount = 100, token = true } } }
  end),
  ["/api/v1/settlement/wallet/transactions"] = route({ walletAddress = "string", addressTo = "string",
    opcodes = "array", currency = "string", pageNumber = "integer", pageSize = "integer", sort = "string",
    properties = "string" }, wallet_page),
  ["/api/v1/payment-widget/unlimited-linked/create"] = widget_create("widget:", {
    cryptoCurrencies = "currencies", description = "string", idempotencyKey = "uuid", externalId = "string",
    returnUrl = "string", supportUrl = "string", logoUrl = "string" }, widget),
  ["/api/v1/payment-widget/unlimited-linked/find"] = { handler = function(payload)
    local problem = check.fields(payload, { requestId = "uuid!" })
    if problem then return respond.error("001", problem) end
    local w = state.get_json("widget:" .. payload.requestId)
    if not w then return respond.error("004", "no widget") end
    return respond.json(200, w)
  end },
  -- docs/payment-widget-2's curl line: {description, fiatAmount, fiatCurrency,
  -- cryptoCurrencies, idempotencyKey, externalId}; other fields pass.
  ["/api/v1/payment-widget/single-fiat/create"] = widget_create("widget-single-fiat:", {
    description = "string", fiatAmount = "number", fiatCurrency = "string", cryptoCurrencies = "currencies",
    idempotencyKey = "uuid", externalId = "string" }, function(payload)
    local codes = {}
    for i, c in ipairs(payload.cryptoCurrencies or {}) do codes[i] = check.code(c) end
    return { idempotencyKey = payload.idempotencyKey, description = payload.description,
             externalId = payload.externalId, fiatCurrency = payload.fiatCurrency,
             cryptoCurrencies = money.list(codes), widgetType = "SINGLE_FIAT", widgetState = "IN_PROGRESS",
             createdDate = ids.iso() }
  end),
  ["/api/v1/payment-widget/single-fiat/find"] = route({}, function()
    return { widgetType = "SINGLE_FIAT", widgetState = "IN_PROGRESS" }
  end, { open = true }),
  ["/api/v1/fiat/order"] = route({ idempotencyKey = "string!" }, function()
    return { invoiceId = ids.uuid4(), state = "unpaid", shopId = "emulated", currency = "USDT_TRX",
             orderCryptoAmount = 10, paymentCryptoAmount = 0, fiatCurrency = "ARS", orderFiatAmount = 10000,
             paymentFiatAmount = 0 }
  end),
  ["/api/v1/fiat/method"] = route({ currency = "currency", geoId = "uuid" }, function()
    return { method = { { methodName = "Card", methodCode = "CARD", fixedRateId = ids.uuid4(),
      fixedRate = 1000,
                          expiredFixedRateDate = ids.iso(900), minLimit = 10, maxLimit = 1000 } } }
  end),
  ["/api/v1/fiat/geo"] = route(nil, function() return { geo = money.list({}) } end,
    { envelope = "account" }),
  ["/api/v1/fiat/deposit/order"] = route({ id = "uuid!" }, function(p)
    return { id = p.id, cryptoAmount = 10, fiatAmount = 10, fiatCurrency = "USD", currency = "USDT_TRX",
             state = "CREATED" }
  end),
  ["/api/v1/fiat/deposit/method"] = route(METHOD, method_list),
  ["/api/v1/fiat/deposit/key/generate"] = { handler = function(payload)
    local problem = check.fields(payload, { idempotencyKey = "string!", merchantExternalId = "string",
                                            returnUrl = "string", externalAddress = "string" })
    if problem then return respond.error("001", problem) end
    if state.get_json("onramp-key:" .. payload.idempotencyKey) then
      return respond.error("016", "IdempotencyKey " .. payload.idempotencyKey .. " already exists")
    end
    local key = { key = ids.uuid4(), expiredAt = ids.iso(3600) }
    state.put_json("onramp-key:" .. payload.idempotencyKey, key)
    state.count("onramp_keys")
    return respond.json(200, key)
  end },
  ["/api/v1/fiat/deposit/fiatcurrencies"] = route({}, function() return { fiatCurrencies = { "USD" } } end,
    { open = true }),
  ["/api/v1/fiat/deposit/create-order"] = route({ externalAddress = "string" }, function()
    return { orderId = ids.uuid4() }
  end, { open = true }),
  ["/api/v1/fiat/deposit/confirm-order"] = route({}, function()
    return { link = "https://pay.calypso.finance/onramp" }
  end, { open = true }),
  ["/api/v1/fiat/withdrawal/order"] = route({ id = "uuid!" }, function(p)
    return { id = p.id, cryptoAmount = 10, fiatAmount = 10, fiatCurrency = "USD", currency = "USDT_TRX",
             state = "CREATED" }
  end),
  ["/api/v1/fiat/withdrawal/method"] = route(METHOD, method_list),
  ["/api/v1/fiat/withdrawal/geo"] = route(nil, function() return { geo = money.list({}) } end,
    { envelope = "account" }),
  ["/api/v1/c2f/order"] = route({ orderId = "uuid!" }, function(p)
    return { orderId = p.orderId, state = "INIT", currency = "USDT_TRX", fiatCurrency = "ARS",
             amountInCrypto = 10, amountInFiat = 10000, externalId = "emulated" }
  end),
  ["/api/v1/c2f/order/{type}/rate"] = route({ fiatCurrency = "currency", currency = "currency" }, function(p)
    return { rateId = ids.uuid4(), rate = 1000, fiatCurrency = check.code(p.fiatCurrency),
             currency = check.code(p.currency),
             expiredDate = ids.iso(900) }
  end),
  ["/api/v1/c2f/order/{type}/limit"] = route({ fiatCurrency = "currency" }, function(p)
    return { minLimit = 10, maxLimit = 1000, limitCurrency = check.code(p.fiatCurrency) }
  end),
}

return M
