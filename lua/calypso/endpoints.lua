--- The Calypso endpoints, as data.  One row per operation:
--   path        appended to base_url
--   fields      allowed payload fields, each naming a rule in calypso.validate
--   required    fields that must be present (default none)
--   one_of      at least one of these must be present (default no such rule)
--   idempotent  safe to send twice (update) or not (create: no idempotency key)
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
  },
}
