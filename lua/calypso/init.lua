--- calypso: a client for the Calypso Pay merchant API.
--
--    local calypso = require "calypso"
--    local client = calypso.new{ key = ..., secret = ..., account = "0x..." }
--    local customer, err = client.customer.create{ email = "ada@example.com" }
--
-- Runtime failures return `nil` and an error table (`kind`, `message`,
-- `status`, `code`, `trace_id`, `hint`, ...); programmer mistakes raise.
-- Every endpoint group (`customer`, `invoice`, `payout`, ...: see
-- `calypso.api`) is also a field here, bound to the default client
-- (`calypso.default`), configured from the environment.
-- @module calypso
local core = require "calypso.core"
local client = require "calypso.client"
local observe = require "calypso.observe"
local options = require "calypso.options"
local text = require "calypso.text"
local webhook = require "calypso.webhook"

local M = {}

--- The module's version, as the rockspec's.
M.version = core.version

--- What a JSON `null` decodes to, and how to send one: `{ comment = calypso.null }`.
M.null = core.null

--- `calypso.array(t) -> t`: marks `t` to be sent as a JSON array, even when empty
-- (an unmarked empty table goes out as `{}`).
M.array = core.array

--- Webhook deliveries: `calypso.webhook.verify(raw_body, sign, secret [, opts])`;
-- see `calypso.webhook`.
M.webhook = webhook

--- `calypso.uuid4() -> string`: a random UUID from OpenSSL's CSPRNG, for your own
-- idempotency keys.
M.uuid4 = core.uuid4

--- `calypso.uuid5(namespace, name) -> string`: the RFC 9562 name-based UUID
-- (SHA-1) of `name` in `namespace` (a UUID's text).  The same order gives the
-- same key in every process, so a create retried after a crash or a restart
-- is the create it was, not a second one:
-- `{ idempotency_key = calypso.uuid5(MY_NAMESPACE, "order:" .. order.id) }`.
-- A namespace or name that is not a string, or a namespace that is not a
-- UUID, raises at the caller's line.
function M.uuid5(namespace, name)
  if type(namespace) ~= "string" or not text.is_uuid(namespace) then
    local got = type(namespace) == "string" and string.format("%q", namespace:sub(1, 40)) or type(namespace)
    error("calypso.uuid5: namespace must be a UUID's text (8-4-4-4-12 hex digits), got " .. got, 2)
  end
  if type(name) ~= "string" then
    error("calypso.uuid5: name must be a string, got " .. type(name), 2)
  end
  return (core.uuid5(namespace, name))
end

--- RFC 9562's namespaces for `calypso.uuid5`, for names that are a domain
-- (`DNS`), a URL, an ISO OID or an X.500 DN.  A merchant's own namespace is
-- any UUID made once (`calypso.uuid4()`) and kept in its configuration.
M.uuid_namespaces = {
  DNS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
  URL = "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
  OID = "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
  X500 = "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
}

--- `calypso.meta(result) -> { status, attempts, elapsed_ms, trace_id?,
-- idempotency_key?, read_back? } | nil`: how the call that returned `result`
-- went (see `calypso.observe`).
M.meta = observe.meta

--- `calypso.new(opts) -> client`: a client (see `calypso.client`).  The
-- options are `calypso.options`'; a missing or malformed one raises, naming
-- the option, never its value.
function M.new(opts)
  local checked, problem = options.check(opts)
  if not checked then error("calypso.new: " .. problem, 2) end
  -- The core raises only for what it reads itself (secret_file,
  -- secret_env) or cannot set up: say so from the caller's line too.
  local made, core_client = pcall(core.new, checked)
  if not made then error("calypso.new: " .. tostring(core_client):gsub("^calypso: ", ""), 2) end
  return client.new(core_client, checked)
end

--- `calypso.sign(secret, body) -> hex`: the lowercase hex HMAC-SHA512 of
-- `body` keyed with `secret`: the `Sign` header.
function M.sign(secret, body)
  if type(secret) ~= "string" or secret == "" then
    error("calypso.sign: secret must be a non-empty string", 2)
  end
  if type(body) ~= "string" then error("calypso.sign: body must be a string", 2) end
  return core.sign(secret, body)
end

--- `calypso.invoice_url(invoice [, client]) -> url`: where a buyer pays
-- invoice (a create's answer, or its idempotencyKey): the documented
-- `https://pay.calypso.finance/invoice/{idempotencyKey}`; under
-- `client`'s `pay_url` when one is given (a sandbox's client: the
-- sandbox's own page), else under `CALYPSO_PAY_URL` when it is set.
-- Raises for anything but an invoice or a UUID key.
function M.invoice_url(invoice, with_client)
  local pay_url
  if with_client ~= nil then
    if type(with_client) ~= "table" or type(with_client.invoice_url) ~= "function" then
      error("calypso.invoice_url: the second argument is a client", 2)
    end
    pay_url = with_client._pay_url
  else
    pay_url = os.getenv("CALYPSO_PAY_URL")
    if pay_url == nil or pay_url == "" then pay_url = options.defaults.pay_url end
  end
  -- no tail call: level 3 must be the caller, on every Lua
  local url = client.invoice_url(pay_url, invoice, 3, "calypso.invoice_url")
  return url
end

local default_client

--- `calypso.default() -> client`: the client behind `calypso.customer.*` and
-- the other module-level groups, made on first use from `CALYPSO_API_KEY`,
-- `CALYPSO_API_SECRET` (read in C, never copied into Lua), `CALYPSO_ACCOUNT`
-- and the optional `CALYPSO_BASE_URL`, `CALYPSO_CAFILE`, `CALYPSO_LOG`.
-- Raises, naming them, when one of the first three is missing.
function M.default()
  if default_client == nil then
    local opts, problem = options.from_env(os.getenv, core.has_env)
    if not opts then error("calypso: " .. problem, 2) end
    default_client = M.new(opts)
  end
  return default_client
end

local function send_by_default(call)
  return M.default()._send(call)
end

local function default_open(level)
  if default_client and default_client._core:is_closed() then
    error("calypso: the default client is closed", level)
  end
end

for group, ns in pairs(client.bind(send_by_default, { check_open = default_open, prefix = "calypso." })) do
  M[group] = ns
end

return M
