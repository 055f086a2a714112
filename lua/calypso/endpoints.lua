--- The Calypso endpoints, as data: one row per operation (calypso.rows says
-- what a row may hold, and checks each one when this module loads, so a
-- typo fails at require).  Fields are calypso.types values.  client.lua
-- binds every row to client.<group>.<name>(params); adding an endpoint is a
-- row here and a test.  Sources: calypso-api.md (the Customer Purse API,
-- "PURSE") and calypso-api-merchant.md (its evidence tags).
-- @module calypso.endpoints
local rows = require "calypso.rows"
local T = require "calypso.types"

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
}
