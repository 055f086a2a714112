--- The Client object: one C core (connection, secret, signing) plus the
-- endpoint namespaces, bound from the rows in calypso.endpoints by `bind`.
-- @module calypso.client
local endpoints = require "calypso.endpoints"
local validate = require "calypso.validate"

local M = {}

--- Builds { group = { name = function(params) } } for every endpoint row.
-- send(path, payload) makes the call; each function validates first and
-- returns the validation error without calling send.
function M.bind(send)
  local namespaces = {}
  for group, rows in pairs(endpoints) do
    local ns = {}
    for name, row in pairs(rows) do
      local label = group .. "." .. name
      ns[name] = function(params)
        local payload, err = validate.params(row, label, params)
        if not payload then return nil, err end
        return send(row.path, payload)
      end
    end
    namespaces[group] = ns
  end
  return namespaces
end

local Client = {}
Client.__index = Client

--- client:call(path, payload) -> result | nil, err: the generic signed call.
function Client:call(path, payload)
  return self._core:call(path, payload)
end

--- client:envelope(payload [, timestamp_ms]) -> body, sign: what call() would send.
function Client:envelope(payload, timestamp_ms)
  return self._core:envelope(payload, timestamp_ms)
end

--- client:close(): drop the connection and wipe the secret; idempotent.
function Client:close()
  self._core:close()
end

Client.__close = Client.close

function Client.__tostring(self)
  return tostring(self._core)
end

--- Wraps a core client (from calypso.core.new).
function M.new(core_client)
  local self = setmetatable({ _core = core_client }, Client)
  for group, ns in pairs(M.bind(function(path, payload) return core_client:call(path, payload) end)) do
    self[group] = ns
  end
  return self
end

return M
