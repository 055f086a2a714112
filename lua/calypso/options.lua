--- The options of `calypso.new`, and of one call.
--
-- Every option of `calypso.new`, with its default and meaning, is in
-- `M.documented` below; the README's table and the LDoc page's
-- (`calypso.api`) are written from it by scripts/api-doc.
--
-- Per call, every endpoint function, `client:call` and `client.async` take
-- a table of their own:
--
--    timeout             seconds for each attempt of this call (more or less than the client's)
--    deadline            seconds for the whole call
--    max_retries         retries for this call (0 to 10)
--    idempotency_key     for a create with a key: the key to send instead of a fresh UUIDv4
--
-- An unknown or malformed option raises; messages name the option, never
-- its value (the value may be the secret).
-- @module calypso.options
local M = {}

--- The defaults of the options that have one.
M.defaults = {
  base_url = "https://api.calypso.finance",
  pay_url = "https://pay.calypso.finance",
  timeout = 30,
  connect_timeout = 10,
  max_response_bytes = 1024 * 1024,
  max_retries = 2,
  backoff_base = require("calypso.retry").base_delay,
  backoff_max = require("calypso.retry").max_delay,
  deadline = 60,
  clock_offset_ms = 0,
  max_connections = 8,
  http2 = false, -- measured: HTTP/1.1 on several connections is faster here (README "Speed")
  exact_numbers = true,
  max_response_values = require("calypso.core").limits.max_response_values,
  max_object_members = require("calypso.core").limits.max_object_members,
}

--- Every option of `calypso.new`, in the order the README gives them:
-- { names (one or more options that share the line), meaning (markdown)
-- [, default = the text shown when M.defaults has no value for it, or its
-- value depends on the runtime] }.  scripts/api-doc writes the tables;
-- spec/unit/docs_spec.lua holds this list to the options there are.
M.documented = {
  { { "key" }, "public API key, sent as the `Key` header; visible ASCII, no spaces", default = "required" },
  { { "secret" }, "secret key; keys the HMAC once (see \"The secret\")", default = "one of three" },
  { { "secret_file" }, "a file holding the secret (one final newline is dropped), read in C",
    default = "one of three" },
  { { "secret_env" }, "the name of an environment variable holding the secret, read in C",
    default = "one of three" },
  { { "account" }, "merchant account, `0x` and 40 hex digits", default = "required" },
  { { "base_url" }, "must be `https://`" },
  { { "pay_url" }, "the hosted payment pages `client:invoice_url` points at (`CALYPSO_PAY_URL` for the"
    .. " default client); a sandbox's client has the sandbox's own" },
  { { "cafile" }, "PEM CA bundle to trust *instead of* the system store" },
  { { "timeout" }, "seconds for one attempt, the whole exchange" },
  { { "connect_timeout" }, "seconds to connect (TCP and TLS)" },
  { { "max_response_bytes" }, "a longer response body is a `\"decode\"` error" },
  { { "max_response_values" }, "an answer of more JSON values in all (objects, arrays, members, elements)"
    .. " is a `\"decode\"` error", default = "`100000` (`10000` on PUC Lua 5.1 to 5.3)" },
  { { "max_object_members" }, "so is one object of more members. Lua 5.1 to 5.3 hash only some bytes of a"
    .. " long string: 28 000 strings made to collide, under 1 MiB, took Lua 5.1 1.5 s of CPU to decode,"
    .. " outside every timeout; these bounds make that cost finite (raise them for a larger answer you"
    .. " trust)", default = "`10000` (`1000` on PUC Lua 5.1 to 5.3)" },
  { { "max_retries" }, "retries after the first attempt, where the retry policy allows them" },
  { { "backoff_base", "backoff_max" }, "seconds: the first wait before a retry and the longest (exponential,"
    .. " with jitter; a server's `Retry-After` is followed instead, up to 5 s)", default = "`0.5`, `5`" },
  { { "deadline" }, "seconds for a whole call: every attempt and every wait" },
  { { "clock_offset_ms" }, "milliseconds added to the local clock when stamping requests" },
  { { "paths" }, "`{ [\"group.name\"] = \"/api/v1/…\" }`: replaces an endpoint's path (see \"inferred\""
    .. " below)" },
  { { "max_connections" }, "connections `client.async` may open at once; idle connections an event loop's"
    .. " client keeps (see \"Event loops\")" },
  { { "http2" }, "may `client.async` use HTTP/2 when the server offers it (then requests share one"
    .. " connection: for a proxy or server that limits connections; slower on a fast link, see \"Speed\");"
    .. " `false`: HTTP/1.1 on up to `max_connections`" },
  { { "exact_numbers" }, "decode numbers a double cannot hold exactly as strings of their text (see"
    .. " \"Exact amounts\"); `false`: the nearest double" },
  { { "loop" }, "`\"cqueues\"`, `\"luv\"`, `\"tarantool\"` or an adapter table: every call waits in that"
    .. " event loop instead of blocking it (see \"Event loops\"); `nil`: cosockets in nginx, else blocking" },
  { { "proxy" }, "`\"http://host:port\"`: an HTTP proxy to tunnel through (CONNECT); `nil` means none"
    .. " (see \"Proxies\")" },
  { { "on_request", "on_response", "on_retry" }, "hooks, each `function(info)`: see \"Seeing every call\"" },
  { { "logger" }, "`function(level, message)`; `nil`: `ngx.log` in nginx, else stderr" },
  { { "log_level" }, "`\"debug\"`, `\"info\"`, `\"warn\"` or `\"off\"` (`CALYPSO_LOG` for the default"
    .. " client)", default = "`\"warn\"`" },
  { { "log_bodies" }, "give `on_response` the bodies sent and received", default = "`false`" },
}

local function header_value(s)
  if s == "" or s:find("[^\33-\126]") then return "must be visible ASCII without spaces" end
end

local function secret_text(s)
  if s == "" then return "must not be empty" end
  if s:find("^%s") or s:find("%s$") then
    return "has whitespace at its start or end (a newline from a file, say); remove it"
  end
end

local function env_name(s)
  if not s:find("^[%a_][%w_]*$") then return "must be an environment variable's name" end
end

local function proxy_url(s)
  if not s:find("^http://[%w%.%-]+:%d+/?$") and not s:find("^http://%[[%x:]+%]:%d+/?$") then
    return 'must be "http://host:port"'
  end
end

local function account(s)
  if not s:match("^0x" .. ("%x"):rep(40) .. "$") then
    return 'must be "0x" followed by 40 hex digits'
  end
end

local function https_url(s)
  if not s:match("^https://[^/%s]+") or s:find("[^\33-\126]") then
    return "must be an https:// URL"
  end
end

local function readable_file(s)
  local f = io.open(s, "rb")
  if not f then return "must be a readable file" end
  f:close()
end


-- A number option's rule: its bounds (and whole: a whole number), which the
-- check says and M.bounds gives.  The core takes at least these ranges
-- (settings.c, envelope.c): an option calypso.new accepts, the core accepts.
local function number(min, max, whole, unit)
  return { type = "number", min = min, max = max, whole = whole, check = function(n)
    if n ~= n or n < min or n > max or (whole and n ~= math.floor(n)) then
      return ("must be %s from %s to %s"):format(whole and "a whole number" or "a number of " .. unit,
        ("%.17g"):format(min), ("%.17g"):format(max))
    end
  end }
end

local SECONDS = { 0.001, 1e6, false, "seconds" } -- a timeout, a deadline: 1 ms to 11 days
local unpack = table.unpack or unpack -- LuaJIT and 5.1 have the global

local function any() end

local function log_level(s)
  if not require("calypso.observe").levels[s] then
    return 'must be "debug", "info", "warn" or "off"'
  end
end


local function key_text(s)
  if s == "" or #s > 255 or s:find("[^\33-\126]") then
    return "must be 1 to 255 visible ASCII characters"
  end
end


local function endpoint_paths(t)
  local endpoints = require "calypso.endpoints"
  for label, path in pairs(t) do
    local group, name = tostring(label):match("^([%w_]+)%.([%w_]+)$")
    if not (group and endpoints[group] and endpoints[group][name]) then
      return "names no endpoint: " .. tostring(label)
    end
    if type(path) ~= "string" or not path:find("^/[\33-\126]*$") then
      return "must map to paths that start with / (for " .. label .. ")"
    end
  end
end

local spec = {
  key = { type = "string", required = true, check = header_value },
  secret = { type = "string", check = secret_text },
  secret_file = { type = "string", check = readable_file },
  secret_env = { type = "string", check = env_name },
  account = { type = "string", required = true, check = account },
  base_url = { type = "string", check = https_url },
  pay_url = { type = "string", check = https_url },
  cafile = { type = "string", check = readable_file },
  timeout = number(unpack(SECONDS)),
  connect_timeout = number(unpack(SECONDS)),
  max_response_bytes = number(1, 2147483647, true),
  max_response_values = number(1, 2147483647, true),
  max_object_members = number(1, 2147483647, true),
  max_retries = number(0, 10, true),
  backoff_base = number(0.001, 60, false, "seconds"),
  backoff_max = number(0.001, 60, false, "seconds"),
  deadline = number(unpack(SECONDS)),
  clock_offset_ms = number(-1e12, 1e12, true),
  max_connections = number(1, 1024, true),
  http2 = { type = "boolean", check = any },
  exact_numbers = { type = "boolean", check = any },
  proxy = { type = "string", check = proxy_url },
  loop = { type = "string or table", types = { string = true, table = true },
           check = function(v) return require("calypso.loop").problem(v) end },
  paths = { type = "table", check = endpoint_paths },
  on_request = { type = "function", check = any },
  on_response = { type = "function", check = any },
  on_retry = { type = "function", check = any },
  logger = { type = "function", check = any },
  log_level = { type = "string", check = log_level },
  log_bodies = { type = "boolean", check = any },
}

--- The names of calypso.new's options, sorted.
-- @local
function M.names()
  local out = {}
  for name in pairs(spec) do out[#out + 1] = name end
  table.sort(out)
  return out
end

-- What one call may set for itself (the second argument of an endpoint
-- function, the third of client:call).
local per_call_spec = {
  account = { type = "string", check = account },
  timeout = number(unpack(SECONDS)),
  deadline = number(unpack(SECONDS)),
  max_retries = number(0, 10, true),
  idempotency_key = { type = "string", check = key_text },
}

--- Each option of calypso.new ("per_call": of a call) -> { type = the Lua
-- type or types ("string or table"), required = true|nil, whole = true|nil
-- (a whole number) }: for scripts/lua-types, which writes the editor's types.
-- @local
function M.shapes(per_call)
  local out = {}
  for name, rule in pairs(per_call and per_call_spec or spec) do
    out[name] = { type = rule.type, required = rule.required, whole = rule.whole }
  end
  return out
end

--- The bounds of a number option of calypso.new ("per_call": of a call's):
-- min, max, whole; nil for another option.
-- @local
function M.bounds(name, per_call)
  local rule = (per_call and per_call_spec or spec)[name]
  if not (rule and rule.min) then return nil end
  return rule.min, rule.max, rule.whole
end

--- Returns a checked copy of opts with defaults filled in, or nil and a message.
-- @local
function M.check(opts)
  if type(opts) ~= "table" then return nil, "options must be a table, got " .. type(opts) end
  local out = {}
  for name in pairs(opts) do
    if type(name) ~= "string" then return nil, "option names must be strings" end
    if not spec[name] then return nil, "unknown option '" .. name .. "'" end
  end
  for name, rule in pairs(spec) do
    local value = opts[name]
    if value == nil then
      value = M.defaults[name]
      if value == nil and rule.required then return nil, "option '" .. name .. "' is required" end
    end
    if value ~= nil then
      if not (rule.types and rule.types[type(value)] or type(value) == rule.type) then
        return nil, "option '" .. name .. "' must be a " .. rule.type .. ", got " .. type(value)
      end
      local problem = rule.check(value)
      if problem then return nil, "option '" .. name .. "' " .. problem end
    end
    out[name] = value
  end
  local sources = (out.secret and 1 or 0) + (out.secret_file and 1 or 0) + (out.secret_env and 1 or 0)
  if sources == 0 then return nil, "option 'secret' is required (or 'secret_file', or 'secret_env')" end
  if sources > 1 then return nil, "give only one of options 'secret', 'secret_file' and 'secret_env'" end
  return out
end

--- Checks a call's options: account (the account the envelope names
-- instead of the client's), timeout (seconds per attempt), deadline
-- (seconds for the whole call), max_retries, idempotency_key (for a row
-- that has a key, the key to send instead of a fresh one); extra maps more
-- allowed names to their Lua type.  Returns a copy, or nil and a message
-- naming the option.
-- @local
function M.per_call(opts, extra)
  if type(opts) ~= "table" then return nil, "call options must be a table, got " .. type(opts) end
  local out = {}
  for name, value in pairs(opts) do
    local rule = per_call_spec[name]
    local want = rule and rule.type or extra and extra[name]
    if not want then return nil, "no option '" .. tostring(name) .. "'" end
    if type(value) ~= want then
      return nil, "option '" .. name .. "' must be a " .. want .. ", got " .. type(value)
    end
    local problem = rule and rule.check(value)
    if problem then return nil, "option '" .. name .. "' " .. problem end
    out[name] = value
  end
  return out
end

local env_names = {
  key = "CALYPSO_API_KEY",
  account = "CALYPSO_ACCOUNT",
  base_url = "CALYPSO_BASE_URL",
  pay_url = "CALYPSO_PAY_URL",
  cafile = "CALYPSO_CAFILE",
  log_level = "CALYPSO_LOG",
}

--- Options for the default client, read through getenv (CALYPSO_LOG sets
-- log_level); or nil and a message.  The secret is left where it is: the
-- client reads CALYPSO_API_SECRET itself (secret_env), so it is never
-- copied into Lua; has_env(name) says whether it is there.
-- @local
function M.from_env(getenv, has_env)
  local opts, missing = {}, {}
  for name, var in pairs(env_names) do
    local value = getenv(var)
    if value == "" then value = nil end
    opts[name] = value
    if value == nil and spec[name].required then missing[#missing + 1] = var end
  end
  if opts.log_level and log_level(opts.log_level) then
    return nil, 'CALYPSO_LOG must be "debug", "info", "warn" or "off"'
  end
  if has_env("CALYPSO_API_SECRET") then
    opts.secret_env = "CALYPSO_API_SECRET"
  else
    missing[#missing + 1] = "CALYPSO_API_SECRET"
  end
  if #missing > 0 then
    table.sort(missing)
    return nil, "the default client needs " .. table.concat(missing, ", ") .. " in the environment"
  end
  return opts
end

return M
