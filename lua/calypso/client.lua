--- The Client object: one C core (connection, secret, signing) plus the
-- endpoint namespaces, bound from the rows in calypso.endpoints by `bind`,
-- and the retry loop of calypso.retry around every call.
-- @module calypso.client
local core = require "calypso.core"
local endpoints = require "calypso.endpoints"
local retry = require "calypso.retry"
local validate = require "calypso.validate"

local M = {}

--- Builds { group = { name = function(params) } } for every endpoint row.
-- send(path, payload, idempotent) makes the call; each function validates
-- first and returns the validation error without calling send.
function M.bind(send)
  local namespaces = {}
  for group, rows in pairs(endpoints) do
    local ns = {}
    for name, row in pairs(rows) do
      local label = group .. "." .. name
      ns[name] = function(params)
        local payload, err = validate.params(row, label, params)
        if not payload then return nil, err end
        return send(row.path, payload, row.idempotent)
      end
    end
    namespaces[group] = ns
  end
  return namespaces
end

local Client = {}
Client.__index = Client

--- client:call(path, payload [, opts]) -> result | nil, err
-- The generic signed call, with retries; opts.idempotent (default false)
-- says whether the server may safely receive it twice.
function Client:call(path, payload, opts)
  local idempotent = opts ~= nil and opts.idempotent == true
  return retry.run(self._core, path, payload, idempotent, self._retry)
end

--- client:envelope(payload [, timestamp_ms]) -> body, sign: what a call would send.
function Client:envelope(payload, timestamp_ms)
  return self._core:envelope(payload, timestamp_ms)
end

--- client:clock_offset([ms]) -> ms: the correction added to the local clock.
function Client:clock_offset(ms)
  return self._core:clock_offset(ms)
end

--- client:close(): drop the connection and wipe the secret; idempotent.
function Client:close()
  self._core:close()
end

Client.__close = Client.close

function Client.__tostring(self)
  return tostring(self._core)
end

-- What calypso.retry needs from this client, built once.
local function retry_env(core_client, options)
  return {
    max_retries = options.max_retries,
    deadline = options.deadline,
    timeout = options.timeout,
    monotonic = core.monotonic,
    sleep = core.sleep,
    random = math.random,
    correct_clock = function(err)
      if not err.date then return false end
      -- Date has whole seconds: aim at the middle of the server's second.
      core_client:clock_offset(err.date * 1000 + 500 - core.time_ms())
      return true
    end,
  }
end

--- Wraps a core client (from calypso.core.new) made with the checked options.
function M.new(core_client, options)
  local self = setmetatable({ _core = core_client, _retry = retry_env(core_client, options) }, Client)
  local env = self._retry
  local send = function(path, payload, idempotent)
    return retry.run(core_client, path, payload, idempotent, env)
  end
  for group, ns in pairs(M.bind(send)) do self[group] = ns end
  return self
end

return M
