--- Calypso's webhook deliveries: check the signature, then read the event.
--    local event, err = calypso.webhook.verify(raw_body, ngx.req.get_headers()["Sign"], secret)
-- The Sign header is HMAC-SHA512 of the delivered body with the webhook
-- subscription's secretKey, in hex.  Sign exactly the bytes received:
-- a body decoded and encoded again is different bytes, and fails.
-- @module calypso.webhook
local core = require "calypso.core"

local M = {}

local function refuse(field, message)
  return nil, core.error("validation", "calypso.webhook.verify: " .. message, {
    field = field, attempts = 0, retryable = false, maybe_applied = false,
  })
end

--- webhook.verify(raw_body, sign, secret) -> event | nil, err
-- event is the decoded body, unknown fields and event types kept.  err has
-- kind "validation" and field "sign" (missing or wrong signature) or "body"
-- (signed, but not a JSON object).  The comparison takes constant time and
-- accepts hex of either case.  Raises when raw_body or secret is not a
-- string, or secret is empty: those are programming errors.
function M.verify(raw_body, sign, secret)
  if type(raw_body) ~= "string" then error("calypso.webhook.verify: raw_body must be a string", 2) end
  if type(secret) ~= "string" or secret == "" then
    error("calypso.webhook.verify: secret must be a non-empty string", 2)
  end
  if type(sign) ~= "string" then return refuse("sign", "the Sign header is missing") end
  if not core.verify_sign(secret, raw_body, sign) then
    return refuse("sign", "the Sign header does not match the body")
  end
  local event, why = core.decode_object(raw_body)
  if not event then return refuse("body", "the body is not a JSON object (" .. why .. ")") end
  return event
end

return M
