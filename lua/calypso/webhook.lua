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

--- webhook.verify(raw_body, sign, secret [, opts]) -> event | nil, err
-- event is the decoded body, unknown fields and event types kept.  err has
-- kind "validation" and field "sign" (missing or wrong signature) or "body"
-- (signed, but not a JSON object).  The comparison takes constant time and
-- accepts hex of either case.  opts.exact_numbers: as calypso.new's (amounts
-- a double cannot hold come back as their exact text).  Raises when raw_body
-- or secret is not a string, secret is empty, or opts has an unknown key:
-- those are programming errors.
function M.verify(raw_body, sign, secret, opts)
  if type(raw_body) ~= "string" then error("calypso.webhook.verify: raw_body must be a string", 2) end
  if type(secret) ~= "string" or secret == "" then
    error("calypso.webhook.verify: secret must be a non-empty string", 2)
  end
  for k in pairs(opts or {}) do
    if k ~= "exact_numbers" then error("calypso.webhook.verify: no option '" .. tostring(k) .. "'", 2) end
  end
  if type(sign) ~= "string" then return refuse("sign", "the Sign header is missing") end
  if not core.verify_sign(secret, raw_body, sign) then
    return refuse("sign", "the Sign header does not match the body")
  end
  local event, why = core.decode_object(raw_body, opts ~= nil and opts.exact_numbers == true)
  if not event then return refuse("body", "the body is not a JSON object: " .. why) end
  return event
end

return M
