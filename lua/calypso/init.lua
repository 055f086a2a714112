--- calypso: a client for the Calypso Pay merchant API.
--
--    local calypso = require "calypso"
--    local client = calypso.new{ key = ..., secret = ..., account = "0x..." }
--    local customer, err = client.customer.create{ email = "ada@example.com" }
--
-- Runtime failures return nil and an error table (kind, message, status,
-- code, trace_id); programmer mistakes raise.  The module-level
-- calypso.customer.* use a default client configured from the environment.
-- @module calypso
-- @field null what a JSON null decodes to, and how to send one
-- @field array calypso.array(t) -> t: send t as a JSON array, even when empty
-- @field webhook calypso.webhook: verify(raw_body, sign, secret [, opts]) -> event | nil, err
-- @field uuid4 calypso.uuid4() -> a random UUID from OpenSSL's CSPRNG
-- @field meta calypso.meta(result) -> { status, attempts, elapsed_ms, trace_id?,
-- idempotency_key?, read_back? } | nil: how the call that returned result went
-- Every endpoint group (customer, invoice, payout, ... : calypso.api) is also
-- here, bound to the default client.
local core = require "calypso.core"
local client = require "calypso.client"
local observe = require "calypso.observe"
local options = require "calypso.options"
local webhook = require "calypso.webhook"

local M = {
  version = core.version,
  null = core.null,   -- what a JSON null decodes to, and how to send one
  array = core.array, -- calypso.array(t) -> t: send t as a JSON array, even when empty
  webhook = webhook,  -- calypso.webhook.verify(raw_body, sign, secret) -> event | nil, err
  uuid4 = core.uuid4, -- calypso.uuid4() -> a random UUID (OpenSSL), for your own idempotency keys
  meta = observe.meta, -- calypso.meta(result) -> how the call went (calypso.observe)
}

--- calypso.new(opts) -> client.  Options: see calypso.options.  Raises on a
-- missing or malformed option, naming it.
function M.new(opts)
  local checked, problem = options.check(opts)
  if not checked then error("calypso.new: " .. problem, 2) end
  -- The core raises only for what it reads itself (secret_file,
  -- secret_env) or cannot set up: say so from the caller's line too.
  local made, core_client = pcall(core.new, checked)
  if not made then error("calypso.new: " .. tostring(core_client):gsub("^calypso: ", ""), 2) end
  return client.new(core_client, checked)
end

--- calypso.sign(secret, body) -> lowercase hex HMAC-SHA512 of body.
function M.sign(secret, body)
  if type(secret) ~= "string" or secret == "" then
    error("calypso.sign: secret must be a non-empty string", 2)
  end
  if type(body) ~= "string" then error("calypso.sign: body must be a string", 2) end
  return core.sign(secret, body)
end

local default_client

--- calypso.default() -> the client behind calypso.customer.*, made on first
-- use from CALYPSO_API_KEY, CALYPSO_API_SECRET, CALYPSO_ACCOUNT and the
-- optional CALYPSO_BASE_URL, CALYPSO_CAFILE.  Raises when one is missing.
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
  if default_client and default_client._closed then error("calypso: the default client is closed", level) end
end

for group, ns in pairs(client.bind(send_by_default, nil, false, default_open)) do
  M[group] = ns
end

return M
