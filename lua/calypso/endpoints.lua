--- The Calypso endpoints, as data: one row per operation (calypso.rows says
-- what a row may hold, and checks each one when this module loads, so a
-- typo fails at require).  Fields are calypso.types values.  client.lua
-- binds every row to client.<group>.<name>(params); adding an endpoint is a
-- row here and a test.  Sources: calypso-api.md (the Customer Purse API,
-- "PURSE") and calypso-api-merchant.md (its evidence tags).
--
-- The policy: refuse only what the documentation makes certain is wrong
-- (a type, a field required where the schema and the examples agree, the
-- envelope's shape, an amount that would not go out exact); where the
-- sources disagree, accept every documented form (a currency as a code or
-- as a Currency object, an id as a string or a number); what is unknown
-- stays open and says so (open payloads, inferred paths).  Every request
-- example of the docs is held to these rows by spec/docs_corpus_spec.lua.
-- @module calypso.endpoints
local rows = require "calypso.rows"
local T = require "calypso.types"

-- Shared payloads (calypso-api-merchant.md 1.2).
local function by_id_or_key()
  return T.object({ id = T.id, idempotencyKey = T.uuid }, { one_of = { "id", "idempotencyKey" } })
end
local function required(fields, names) return T.object(fields, { required = names }) end
local function period() -- PgReportRequestDTO; zoneOffset is a serialized Java ZoneOffset
  return T.object{ firstDate = T.datetime, lastDate = T.datetime, blockchainList = T.text,
                   zoneOffset = T.json }
end
local function fiat_method() -- the fiat deposit and withdrawal "Get method" payload
  return T.object{ itemId = T.uuid, geoId = T.uuid, cryptoAmount = T.decimal(), fiatAmount = T.decimal(),
                   currency = T.currency, external = T.boolean }
end
local SERVICE_TYPES = T.enum{ "INVOICE", "PAYOUT", "RECURRENT", "CUSTOMER_PURSE" }
local EVENT_TYPES = T.enum{
  "INVOICE_CREATE_INVOICE", "INVOICE_CREATE_UNLIMITED_INVOICE", "INVOICE_FUNDS_RECEIVED_FOR_INVOICE",
  "INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED", "INVOICE_PENDING_INTERVENTION", "INVOICE_EXPIRED",
  "INVOICE_PAID", "INVOICE_MEMPOOL_FOUND", "INVOICE_PENDING_COMPLIANCE", "INVOICE_COMPLIANCE_DECLINED",
  "PAYOUT_CHANGE_STATUS", "PAYOUT_CONFIRMED", "PAYOUT_VALIDATION_ERROR", "PAYOUT_HASH_RECEIVED",
}

return rows.check_all{
  customer = {
    create = {
      path = "/api/v1/customer-purse/customer/create", source = "PURSE",
      doc = "a customer, who gets a purse (deposit addresses) per currency",
      body = T.object{ email = T.email, description = T.text, externalId = T.text },
      idempotent = false, -- no idempotency key: never sent twice
    },
    update = {
      path = "/api/v1/customer-purse/customer/update", source = "PURSE", doc = "change a customer",
      body = T.object({ id = T.uuid, email = T.email, description = T.text, externalId = T.text },
                      { required = { "id" }, one_of = { "email", "description", "externalId" } }),
      idempotent = true,
    },
    block = {
      path = "/api/v1/customer-purse/customer/block", inferred = true, source = "PURSE",
      doc = "block a customer", body = T.object({ customerId = T.uuid }, { required = { "customerId" } }),
      idempotent = true,
    },
    unblock = {
      path = "/api/v1/customer-purse/customer/unblock", inferred = true, source = "PURSE",
      doc = "unblock a customer", body = T.object({ customerId = T.uuid }, { required = { "customerId" } }),
      idempotent = true,
    },
  },
  purse = {
    get = { -- get-or-create: the same address comes back for the same customer and currency
      path = "/api/v1/customer-purse/purse/get", inferred = true, source = "PURSE",
      doc = "a customer's purse (deposit address) for one currency, made on first ask",
      body = T.object({ customerId = T.uuid, currency = T.currency },
                      { required = { "customerId", "currency" } }),
      idempotent = true,
    },
    get_all = {
      path = "/api/v1/customer-purse/purse/get-all", source = "PURSE", doc = "all of a customer's purses",
      body = T.object({ customerId = T.uuid }, { required = { "customerId" } }),
      idempotent = true,
    },
  },
  transaction = {
    get = {
      path = "/api/v1/customer-purse/transaction/get", source = "PURSE", doc = "one purse transaction",
      body = T.object({ transactionId = T.uuid }, { required = { "transactionId" } }),
      idempotent = true,
    },
    find = {
      path = "/api/v1/customer-purse/transaction/find", source = "PURSE",
      doc = "a page of purse transactions, filtered",
      body = T.object{
        customerId = T.uuid, currencyFilter = T.string_filter, transactionStateFilter = T.enum_filter,
        pageNumber = T.count, pageSize = T.positive, sort = T.code, properties = T.text,
      },
      idempotent = true, paged = true,
    },
  },

  invoice = {
    get = {
      path = "/api/v1/invoice", source = "REF", doc = "an invoice, by id or by idempotency key",
      body = by_id_or_key(), idempotent = true,
    },
    create_single = {
      path = "/api/v1/invoice/single/create", source = "GUIDE", doc = "a single (limited) invoice",
      body = required({ amount = T.decimal(), currency = T.currency, description = T.text,
                        idempotencyKey = T.uuid, expiration = T.datetime, externalId = T.text,
                        returnUrl = T.uri, supportUrl = T.uri, logoUrl = T.uri },
                      { "amount", "currency", "description" }),
      idempotent = false, key = "idempotencyKey", fetch = "invoice.get", implies = { type = "SINGLE" },
    },
    create_single_fiat = {
      path = "/api/v1/invoice/single-fiat/create", source = "GUIDE",
      doc = "a single invoice priced in fiat (the crypto amount follows the rate)",
      body = required({ currency = T.currency, fiatAmount = T.decimal(), fiatCurrency = T.currency,
                        description = T.text, amount = T.decimal(), idempotencyKey = T.uuid },
                      { "currency", "fiatAmount", "fiatCurrency", "description" }),
      idempotent = false, key = "idempotencyKey", fetch = "invoice.get", implies = { type = "SINGLE_FIAT" },
      volatile = { "amount" }, -- recalculated every 15 minutes from fiatAmount
    },
    create_unlimited = {
      path = "/api/v1/invoice/unlimited/create", source = "REF", doc = "an unlimited invoice (any deposits)",
      body = required({ currency = T.currency, description = T.text, idempotencyKey = T.uuid,
                        returnUrl = T.uri, logoUrl = T.uri, supportUrl = T.uri, externalId = T.text,
                        fiatAvailable = T.boolean }, { "currency", "description" }),
      idempotent = false, key = "idempotencyKey", fetch = "invoice.get", implies = { type = "UNLIMITED" },
    },
    create_bound = {
      path = "/api/v1/invoice/bound/create", source = "CLIENT",
      doc = "a bound invoice: any amount at or above lowerBound (required fields unknown)",
      body = T.object{ lowerBound = T.decimal(), currency = T.currency, description = T.text,
                       idempotencyKey = T.uuid, externalId = T.text, fiatAvailable = T.boolean },
      idempotent = false, key = "idempotencyKey", fetch = "invoice.get", implies = { type = "BOUND" },
    },
  },

  payout = {
    get = {
      path = "/api/v1/payout", source = "REF", doc = "a payout, by id or by idempotency key",
      body = by_id_or_key(), idempotent = true,
    },
    withdrawal = {
      path = "/api/v1/payout/withdrawal", source = "REF", doc = "a payout's withdrawal",
      body = required({ requestId = T.id }, { "requestId" }), idempotent = true,
    },
    create = {
      path = "/api/v1/payout/create", source = "GUIDE", doc = "a payout to one address",
      body = required({ depositAddress = T.text, amount = T.decimal(), currency = T.currency,
                        comment = T.text, idempotencyKey = T.uuid, executionDate = T.datetime,
                        externalId = T.text }, { "depositAddress", "amount", "currency" }),
      idempotent = false, key = "idempotencyKey", fetch = "payout.get",
    },
    create_mass = {
      path = "/api/v1/payout/mass/create", source = "GUIDE",
      doc = "a mass payout (the recipients' field is undocumented: other fields pass through unchecked)",
      body = T.object({ currency = T.currency, name = T.text, comment = T.text, idempotencyKey = T.uuid },
                      { open = true }),
      idempotent = false, key = "idempotencyKey", fetch = "payout.get_mass",
    },
    get_mass = {
      path = "/api/v1/payout/mass", source = "GUIDE-rel", inferred = true,
      doc = "a mass payout (payload inferred: by id or by idempotency key)",
      body = by_id_or_key(), idempotent = true,
    },
  },

  settlement = {
    payout = {
      path = "/api/v1/settlement/payout", source = "REF", doc = "a settlement payout, by id or key",
      body = by_id_or_key(), idempotent = true,
    },
    payout_withdrawals = {
      path = "/api/v1/settlement/payout/withdrawals", source = "REF", list = true,
      doc = "a settlement payout's withdrawals (a list or an object: the docs cannot tell)",
      body = required({ requestId = T.id }, { "requestId" }), idempotent = true,
    },
    wallet = {
      path = "/api/v1/settlement/wallet", source = "REF", doc = "a settlement wallet and its balances",
      body = required({ address = T.text }, { "address" }), idempotent = true,
    },
    wallet_transactions = {
      path = "/api/v1/settlement/wallet/transactions", source = "REF",
      doc = "a page of a settlement wallet's transactions",
      body = T.object{ walletAddress = T.text, addressTo = T.text, opcodes = T.array(T.code),
                       currency = T.currency, pageNumber = T.count, pageSize = T.positive, sort = T.code,
                       properties = T.text },
      idempotent = true, paged = true, each = "each_wallet_transaction",
    },
    report_outgoing = {
      path = "/api/v1/settlement/report/outgoing", source = "REF", doc = "the outgoing settlement report",
      body = period(), idempotent = true,
    },
    report_incoming = {
      path = "/api/v1/settlement/report/incoming", source = "REF", doc = "the incoming settlement report",
      body = period(), idempotent = true,
    },
  },

  report = {
    payout = {
      path = "/api/v1/report/payout", source = "REF", doc = "the payout report for a period",
      body = period(), idempotent = true,
    },
    invoice = {
      path = "/api/v1/report/invoice", source = "REF", doc = "the invoice report for a period",
      body = period(), idempotent = true,
    },
  },

  exchange = {
    pairs = {
      path = "/api/v1/exchange/pairs", source = "REF", envelope = "account",
      doc = "the currency pairs that can be exchanged", idempotent = true,
    },
    limit = {
      path = "/api/v1/exchange/limit", source = "REF", doc = "the upper limit for a pair",
      body = T.object{ sourceCurrency = T.currency, destinationCurrency = T.currency }, idempotent = true,
    },
    precalculate = {
      path = "/api/v1/exchange/pre-calculate", source = "REF",
      doc = "what an exchange would give (direction: the schema requires it, the page's example and"
        .. " the TS client send none, and no value is shown)",
      body = required({ sourceCurrency = T.currency, destinationCurrency = T.currency, amount = T.decimal(),
                        direction = T.code },
                      { "sourceCurrency", "destinationCurrency", "amount" }),
      idempotent = true,
    },
    create = {
      path = "/api/v1/exchange/create", source = "GUIDE",
      doc = "an exchange (no idempotency key: never sent twice)",
      body = required({ sourceCurrency = T.currency, destinationCurrency = T.currency, amount = T.decimal() },
                      { "sourceCurrency", "destinationCurrency", "amount" }),
      idempotent = false,
    },
    get = {
      path = "/api/v1/exchange/get", source = "REF", doc = "an exchange, by its (numeric) id",
      body = required({ id = T.integer{ min = 0, max = 9007199254740991 } }, { "id" }), idempotent = true,
    },
    average_rate = {
      path = "/api/v1/exchange/average-rate", source = "CLIENT", doc = "the average rate of a pair",
      body = T.object{ sourceCurrency = T.currency, destinationCurrency = T.currency }, idempotent = true,
    },
  },

  rate = {
    crypto = {
      path = "/api/v1/rate", source = "REF", envelope = "payload", doc = "exchange rates between currencies",
      body = T.object{ fromCurrencies = T.array(T.currency_ref), toCurrencies = T.array(T.currency_ref) },
      idempotent = true,
    },
    fiat = {
      path = "/api/v1/rate/fiat", source = "REF", envelope = "payload", doc = "fiat exchange rates",
      body = T.object{ from = T.array(T.currency_ref), to = T.array(T.currency_ref) }, idempotent = true,
    },
  },

  account = {
    get = {
      path = "/api/v1/account", source = "REF", envelope = "account", doc = "the account and its balances",
      idempotent = true,
    },
  },

  user = {
    current = {
      path = "/api/v1/user/current", source = "REF", envelope = "bare",
      doc = "the API key's user, permissions and available accounts", idempotent = true,
    },
  },

  subscription = {
    list = {
      path = "/api/v1/subscription/webhook", source = "REF", envelope = "account",
      doc = "the webhook subscriptions", idempotent = true,
    },
    create = {
      path = "/api/v1/subscription/webhook/create", source = "REF",
      doc = "a webhook subscription; the answer holds its publicKey and secretKey",
      body = required({ url = T.url, notificationEventTypes = T.array(EVENT_TYPES),
                        notificationServiceTypes = T.array(SERVICE_TYPES), requestId = T.uuid }, { "url" }),
      idempotent = false, key = "requestId", fetch = "subscription.list", fetch_list = "subscriptions",
    },
    delete = {
      path = "/api/v1/subscription/webhook", source = "REF", method = "DELETE", empty = true,
      doc = "delete a webhook subscription (true on success)",
      body = required({ requestId = T.uuid }, { "requestId" }), idempotent = true,
    },
  },

  tariff = {
    extended_fee = {
      path = "/api/v1/tariff/extended-fee", source = "REF", envelope = "payload",
      doc = "the fees of operations (each item's other fields pass through unchecked)",
      body = required({
        -- feeType: the schema requires it, the reference example's item has none
        items = T.array(T.object({ baseAmount = T.decimal(), currency = T.currency,
                                   feeType = T.enum{ "SERVICE", "FIX", "PERCENT" },
                                   opType = T.enum{ "INVOICE" } },
                                 { required = { "baseAmount", "currency", "opType" },
                                   open = true }),
                        { min = 1 }),
      }, { "items" }),
      idempotent = true,
    },
  },

  payment_widget = {
    find_unlimited_linked = {
      path = "/api/v1/payment-widget/unlimited-linked/find", source = "REF",
      doc = "an unlimited linked widget",
      body = required({ requestId = T.uuid }, { "requestId" }), idempotent = true,
    },
    create_unlimited_linked = {
      path = "/api/v1/payment-widget/unlimited-linked/create", source = "REF",
      doc = "an unlimited linked payment widget (its key forms the widget link; the reference sends"
        .. " cryptoCurrencies as Currency objects, the migration page as codes: both go)",
      body = T.object({ cryptoCurrencies = T.array(T.currency_ref), description = T.text,
                        idempotencyKey = T.uuid, externalId = T.text, returnUrl = T.uri, supportUrl = T.uri,
                        logoUrl = T.uri },
                      { open = true }),
      idempotent = false, key = "idempotencyKey",
      -- read back by the find, whose requestId the answer's idempotencyKey fills (the docs show
      -- find by requestId and the DTO's idempotencyKey; that they are one: inferred, and checked)
      fetch = "payment_widget.find_unlimited_linked", fetch_by = "requestId",
    },
    create_single_fiat = {
      path = "/api/v1/payment-widget/single-fiat/create", source = "GUIDE",
      doc = "a single-fiat payment widget (docs/payment-widget-2's curl line; fields past these pass"
        .. " through; no read-back: the find's payload is undocumented)",
      body = T.object({ description = T.text, fiatAmount = T.decimal(), fiatCurrency = T.currency,
                        cryptoCurrencies = T.array(T.currency_ref), idempotencyKey = T.uuid,
                        externalId = T.text }, { open = true }),
      idempotent = false, key = "idempotencyKey",
    },
    find_single_fiat = {
      path = "/api/v1/payment-widget/single-fiat/find", source = "GUIDE-rel", inferred = true,
      doc = "a single-fiat payment widget (payload undocumented: passed through)",
      body = T.object({}, { open = true }), idempotent = true,
    },
  },

  fiat = {
    order = {
      path = "/api/v1/fiat/order", source = "REF", doc = "a fiat order, by idempotency key",
      body = required({ idempotencyKey = T.text }, { "idempotencyKey" }), idempotent = true,
    },
    method = {
      path = "/api/v1/fiat/method", source = "REF", doc = "the fiat payment methods for a currency and place",
      body = T.object{ currency = T.currency_ref, geoId = T.uuid }, idempotent = true,
    },
    geo = {
      path = "/api/v1/fiat/geo", source = "REF", envelope = "account",
      doc = "the fiat places (the onramp guide sends {account, timestamp} only)", idempotent = true,
    },
  },

  fiat_deposit = {
    order = {
      path = "/api/v1/fiat/deposit/order", source = "REF", doc = "an onramp order",
      body = required({ id = T.uuid }, { "id" }), idempotent = true,
    },
    method = {
      path = "/api/v1/fiat/deposit/method", source = "REF", doc = "the onramp methods", body = fiat_method(),
      idempotent = true,
    },
    generate_key = {
      path = "/api/v1/fiat/deposit/key/generate", source = "REF", doc = "a key for the onramp widget",
      body = required({ idempotencyKey = T.text, merchantExternalId = T.text, returnUrl = T.uri,
                        externalAddress = T.text }, { "idempotencyKey" }),
      idempotent = false, key = "idempotencyKey", -- no read-back: never sent again once it may have left
    },
    fiat_currencies = {
      path = "/api/v1/fiat/deposit/fiatcurrencies", source = "ANCHOR", inferred = true,
      doc = "the fiat currencies onramp takes (payload undocumented: passed through)",
      body = T.object({}, { open = true }), idempotent = true,
    },
    create_order = {
      path = "/api/v1/fiat/deposit/create-order", source = "ANCHOR", inferred = true,
      doc = "an onramp order (payload undocumented: passed through)",
      body = T.object({ externalAddress = T.text }, { open = true }), idempotent = false,
    },
    confirm_order = {
      path = "/api/v1/fiat/deposit/confirm-order", source = "ANCHOR", inferred = true,
      doc = "confirm an onramp order (payload undocumented: passed through)",
      body = T.object({}, { open = true }), idempotent = false,
    },
  },

  fiat_withdrawal = {
    order = {
      path = "/api/v1/fiat/withdrawal/order", source = "REF", doc = "an offramp order",
      body = required({ id = T.uuid }, { "id" }), idempotent = true,
    },
    method = {
      path = "/api/v1/fiat/withdrawal/method", source = "REF", doc = "the offramp methods",
      body = fiat_method(),
      idempotent = true,
    },
    geo = {
      path = "/api/v1/fiat/withdrawal/geo", source = "REF", envelope = "account", doc = "the offramp places",
      idempotent = true,
    },
  },

  c2f = {
    order = {
      path = "/api/v1/c2f/order", source = "REF", doc = "a crypto-to-fiat order",
      body = required({ orderId = T.uuid }, { "orderId" }), idempotent = true,
    },
    rate = {
      path = "/api/v1/c2f/order/{type}/rate", source = "REF", doc = "fix a crypto-to-fiat rate",
      params = { type = T.code }, body = T.object{ fiatCurrency = T.currency_ref, currency = T.currency_ref },
      idempotent = false,
    },
    limit = {
      path = "/api/v1/c2f/order/{type}/limit", source = "REF", doc = "the crypto-to-fiat limits",
      params = { type = T.code }, body = T.object{ fiatCurrency = T.currency_ref }, idempotent = true,
    },
  },
}
