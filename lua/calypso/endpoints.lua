--- The Calypso endpoints, as data.  One row per operation:
--   path        appended to base_url (calypso.new's `paths` option overrides it)
--   inferred    the path is deduced from the docs' naming, not seen in them
--   fields      allowed payload fields, each naming a rule in calypso.rules
--   required    fields that must be present (default none)
--   one_of      at least one of these must be present (default no such rule)
--   idempotent  safe to send twice (update) or not (create: no idempotency key)
--   paged       answers are pages ({result, page, size, total, totalElements}):
--               the group also gets `each`, an iterator over every item
-- client.lua binds every row to client.<group>.<name>(params); adding an
-- endpoint is a row here and a test.
-- @module calypso.endpoints
return {
  customer = {
    create = {
      path = "/api/v1/customer-purse/customer/create",
      fields = { email = "email", description = "text", externalId = "text" },
      idempotent = false,
    },
    update = {
      path = "/api/v1/customer-purse/customer/update",
      fields = { id = "uuid", email = "email", description = "text", externalId = "text" },
      required = { "id" },
      one_of = { "email", "description", "externalId" },
      idempotent = true,
    },
    block = {
      path = "/api/v1/customer-purse/customer/block",
      inferred = true,
      fields = { customerId = "uuid" },
      required = { "customerId" },
      idempotent = true,
    },
    unblock = {
      path = "/api/v1/customer-purse/customer/unblock",
      inferred = true,
      fields = { customerId = "uuid" },
      required = { "customerId" },
      idempotent = true,
    },
  },
  purse = {
    get = { -- get-or-create: the same address comes back for the same customer and currency
      path = "/api/v1/customer-purse/purse/get",
      inferred = true,
      fields = { customerId = "uuid", currency = "code" },
      required = { "customerId", "currency" },
      idempotent = true,
    },
    get_all = {
      path = "/api/v1/customer-purse/purse/get-all",
      fields = { customerId = "uuid" },
      required = { "customerId" },
      idempotent = true,
    },
  },
  transaction = {
    get = {
      path = "/api/v1/customer-purse/transaction/get",
      fields = { transactionId = "uuid" },
      required = { "transactionId" },
      idempotent = true,
    },
    find = {
      path = "/api/v1/customer-purse/transaction/find",
      fields = {
        customerId = "uuid",
        currencyFilter = "string_filter",
        transactionStateFilter = "enum_filter",
        pageNumber = "count",
        pageSize = "positive",
        sort = "code",
        properties = "text",
      },
      idempotent = true,
      paged = true,
    },
  },
}
