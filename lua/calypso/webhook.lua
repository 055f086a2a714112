--- Calypso's webhook deliveries: check the signature, then read the event.
--
--    local event, err = calypso.webhook.verify(raw_body, sign_header, secret)
--    local event, err = calypso.webhook.verify_nginx(secret)  -- in nginx
--
-- The Sign header is HMAC-SHA512 of the delivered body with the webhook
-- subscription's secretKey, in hex.  Sign exactly the bytes received:
-- a body decoded and encoded again is different bytes, and fails.
-- In nginx, `verify_nginx` reads the body and the Sign header itself, from
-- memory or from the temp file nginx writes a body larger than
-- `client_body_buffer_size` to.
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

--- webhook.nginx_body() -> raw_body | nil, err: the request body in nginx,
-- read first if need be: from memory, or from the temp file nginx keeps a
-- body larger than client_body_buffer_size in.  err (kind "validation",
-- field "body") says why there is none to read.
function M.nginx_body()
  local ngx = rawget(_G, "ngx")
  if not (ngx and ngx.req) then error("calypso.webhook.nginx_body: not in nginx", 2) end
  local read, why = pcall(ngx.req.read_body)
  if not read then
    return refuse("body", "nginx cannot read the request body here (" .. tostring(why)
      .. "): call it from a rewrite, access or content phase")
  end
  local body = ngx.req.get_body_data()
  if body then return body end
  local path = ngx.req.get_body_file()
  if not path then return "" end -- no body at all: the signature check says the rest
  local f, open_err = io.open(path, "rb")
  if not f then
    return refuse("body", "the body nginx buffered to " .. path .. " cannot be read: "
      .. tostring(open_err) .. "; raise client_body_buffer_size to keep bodies in memory")
  end
  body = f:read("*a")
  f:close()
  return body
end

--- webhook.verify_nginx(secret [, opts]) -> event | nil, err: verify() of
-- the request nginx is serving, its raw body (nginx_body) and Sign header.
function M.verify_nginx(secret, opts)
  local body, err = M.nginx_body()
  if not body then return nil, err end
  return M.verify(body, rawget(_G, "ngx").var.http_sign, secret, opts)
end

return M
