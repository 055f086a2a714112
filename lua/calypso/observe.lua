--- Seeing every call: the client's hooks, its logger, and calypso.meta.
--
--    local client = calypso.new{ ..., log_level = "debug",
--      on_response = function(info) metrics.observe(info.path, info.status, info.elapsed_ms) end }
--    local customer = client.customer.create{ email = "ada@example.com" }
--    calypso.meta(customer) --> { status = 200, attempts = 1, elapsed_ms = 41.2, ... }
--
-- Hooks, options of `calypso.new`, each given one info table; every
-- transport calls them alike:
--
-- * `on_request(info)`, before each attempt leaves: `method`, `path`,
--   `attempt`, `account` (the one the envelope names: the client's, or the
--   per-call `account` option's; none for an envelope without one),
--   `idempotency_key` (when the call has one).
-- * `on_response(info)`, after each attempt: the same, and `status` (0: no
--   answer), `elapsed_ms` (this attempt), `bytes_sent`, `bytes_received`; on
--   failure `kind`, `code`, `message`, `trace_id`; on success `trace_id` if
--   the body has a `traceId`.
-- * `on_retry(info)`, when the client will try again: `method`, `path`,
--   `attempt` (the one that failed), `account`, `kind`, `code`, `status`, `rule` (the
--   retry policy's, or `"clock"` for a clock correction), `wait_ms`, and
--   `clock_offset_ms` after a correction.
--
-- No info ever holds the secret, the Key or the Sign.  With `log_bodies =
-- true`, `on_response`'s info also has `request_body` (the envelope sent,
-- which holds no header) and `response_body` (the bytes received).  A hook
-- that raises does not break the call: its first error is logged at
-- `"warn"`, later ones of the same hook are not.
--
-- The logger, `logger(level, message)`, gets logfmt lines: at `"debug"` one
-- per attempt, at `"info"` one per retry or clock correction, at `"warn"` a
-- hook that raised or a blocking call in an nginx phase.  `log_level`
-- (default `"warn"`; `CALYPSO_LOG` for the default client) drops the levels
-- below it; `"off"` drops all.  Without a logger: `ngx.log` in nginx, else
-- stderr.
-- @module calypso.observe
local type = type -- on every call's path: an upvalue, not a lookup in _G
local M = {}

--- The log levels, quietest last: `log_level` takes their names.
M.levels = { debug = 1, info = 2, warn = 3, off = 4 }

-- result -> the call table of the call that returned it (calypso.retry
-- sets its attempts and began, a success here its ended and status, and
-- drops its payload): no table of its own per call.
local meta_of = setmetatable({}, { __mode = "k" })

local function ms(seconds)
  return math.floor(seconds * 1e4 + 0.5) / 10 -- to 0.1 ms
end

-- A success's trace id: the body's traceId, if it is a string.
local function trace_of(result)
  local trace = type(result) == "table" and result.traceId
  return type(trace) == "string" and trace or nil
end

--- calypso.meta(result) -> { status, attempts, elapsed_ms, account?, trace_id?,
-- idempotency_key?, read_back? } | nil: how the call that returned result
-- went.  Kept in a weak table, so results stay plain tables; nil for a
-- value no call returned (and for `true`, an empty answer's result).
function M.meta(result)
  local call = meta_of[result]
  if not call then return nil end
  return { status = call.status, attempts = call.attempts, elapsed_ms = ms(call.ended - call.began),
           account = call.account, trace_id = trace_of(result), idempotency_key = call.key,
           read_back = call.read_back }
end

-- logfmt: a bare value, or a quoted one when it has spaces, quotes or '='.
-- Milliseconds are written with one decimal, other numbers as integers
-- where they are whole: the same text on every Lua.
local function value(k, v)
  if type(v) == "number" then
    if k:find("_ms$") then return ("%.1f"):format(v) end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return ("%d"):format(v) end
  end
  v = tostring(v)
  if v ~= "" and not v:find('[%s"=\\]') then return v end
  return '"' .. v:gsub('[\\"]', "\\%0"):gsub("\n", "\\n") .. '"'
end

local ORDER = { "hook", "method", "path", "attempt", "status", "kind", "code", "elapsed_ms",
                "bytes_sent", "bytes_received", "rule", "wait_ms", "clock_offset_ms",
                "account", "idempotency_key", "trace_id", "message" }

--- `observe.logfmt(event, info) -> line`: the logfmt line the logger gets for
-- an info table (fields in a fixed order; bodies never).
function M.logfmt(event, info)
  local parts = { "calypso=" .. event }
  for _, k in ipairs(ORDER) do
    if info[k] ~= nil then parts[#parts + 1] = k .. "=" .. value(k, info[k]) end
  end
  return table.concat(parts, " ")
end

local NGX_LEVEL = { debug = "DEBUG", info = "INFO", warn = "WARN" }

--- The logger used when the client has none: `ngx.log` in nginx, else stderr.
function M.default_logger(level, message)
  local ngx = rawget(_G, "ngx")
  if ngx and ngx.log then
    ngx.log(ngx[NGX_LEVEL[level]], message)
  else
    io.stderr:write("level=", level, " ", message, "\n")
  end
end
local default_logger = M.default_logger -- the one watch.quiet trusts, whatever replaces the field

local Watch = {}
Watch.__index = Watch

--- A watch for a client, from its checked options (calypso.options).
-- @local
function M.new(options)
  return setmetatable({
    on_request = options.on_request,
    on_response = options.on_response,
    on_retry = options.on_retry,
    logger = options.logger or M.default_logger,
    level = M.levels[options.log_level or "warn"],
    bodies = options.log_bodies == true,
    raised = {}, -- hooks whose error was logged
    -- no hook and our own logger: no code of the caller's runs during a call
    quiet = not (options.on_request or options.on_response or options.on_retry or options.logger)
      and M.default_logger == default_logger,
  }, Watch)
end

--- watch:log(level, message): through the logger, if the level is on.
-- @local
function Watch:log(level, message)
  if M.levels[level] < self.level then return end
  pcall(self.logger, level, message) -- a logger that raises has nowhere to report
end

local function run_hook(self, name, info)
  local ok, problem = pcall(self[name], info)
  if not ok and not self.raised[name] then
    self.raised[name] = true
    local shown, text = pcall(tostring, problem) -- an error value's __tostring may raise too
    local words = shown and text or "(an error value that cannot be shown)"
    self:log("warn", M.logfmt("hook_failed", { hook = name, message = words
      .. " (the call went on; later errors of this hook are not logged)" }))
  end
end

--- Before attempt number call.attempts of call.
-- @local
function Watch:request(call)
  if self.on_request then
    run_hook(self, "on_request", { method = call.method, path = call.path, attempt = call.attempts,
                                   account = call.account, idempotency_key = call.key })
  end
end

--- After an attempt that began at `began` (monotonic seconds) ended with
-- result or err; status, sent, received [, request_body, response_body]
-- are the transport's last().  On success, records calypso.meta.
-- @local
function Watch:response(call, began, now, result, err, status, sent, received, req_body, resp_body)
  if result ~= nil and type(result) == "table" then
    -- The call is done with the caller's payload: let go of it, for on Lua
    -- 5.1 and LuaJIT meta_of holds its values strongly, and a payload that
    -- points to the result (record.reply = client:call(path, record)) would
    -- keep both alive for good.
    call.status, call.ended, call.payload = status, now, nil
    meta_of[result] = call
  end
  if not self.on_response and self.level > 1 then return end
  local info = { method = call.method, path = call.path, attempt = call.attempts, status = status,
                 elapsed_ms = ms(now - began), bytes_sent = sent, bytes_received = received,
                 account = call.account, idempotency_key = call.key }
  if result ~= nil then
    info.trace_id = trace_of(result)
  else
    info.kind, info.code, info.message, info.trace_id = err.kind, err.code, err.message, err.trace_id
  end
  self:log("debug", M.logfmt("attempt", info))
  if self.on_response then
    if self.bodies then info.request_body, info.response_body = req_body, resp_body end
    run_hook(self, "on_response", info)
  end
end

--- When attempt number call.attempts failed with err and the call waits
-- `wait` seconds before the next; correction: the clock offset a 011 just
-- set (calypso.retry), if any.
-- @local
function Watch:retry(call, err, wait, rule, correction)
  if not self.on_retry and self.level > 2 then return end
  local info = { method = call.method, path = call.path, attempt = call.attempts, kind = err.kind,
                 code = err.code, status = err.status, rule = rule, wait_ms = ms(wait),
                 clock_offset_ms = correction, account = call.account, idempotency_key = call.key }
  self:log("info", M.logfmt(rule == "clock" and "clock_correction" or "retry", info))
  if self.on_retry then run_hook(self, "on_retry", info) end
end

--- Marks a result as read back by its idempotency key (a keyed create
-- met 016): its meta then covers the whole call, the create's attempts
-- and the time since it began (monotonic seconds) included.  from: the
-- answer the result was found in, when it is an item of a list answer.
-- @local
function M.read_back(result, key, create_attempts, began, from)
  local call = meta_of[from or result]
  if call then
    meta_of[result] = call
    call.key, call.read_back = key, true
    call.attempts = call.attempts + (create_attempts or 0)
    call.began = began or call.began
  end
end

return M
