--- The client `calypso.new` returns: one C core (connection, secret,
-- signing), the endpoint groups bound from the rows, and the retry loop
-- around every call.
--
-- Each endpoint is `client.group.name(params [, opts])` and returns the
-- decoded JSON object, or `nil` and an error; `calypso.api` lists every one
-- with its fields.  `opts` are the per-call options: `timeout`, `deadline`,
-- `max_retries`, `idempotency_key` (`calypso.options`).
--
--    local customer, err = client.customer.create({ email = "ada@example.com" }, { timeout = 5 })
--    for tx in client.transaction.each{ customerId = customer.id } do ... end
--
-- `client.async` has the same functions (but the page walks), returning a
-- request instead (`calypso.async`); `client:poll`, `client:wait` and
-- `client:fds` drive them.
--
-- Transports: inside nginx, in a phase with cosockets (rewrite, access,
-- content, timer, ...), a call goes through `ngx.socket.tcp` and yields;
-- anywhere else it is the core's blocking libcurl transport, and in an nginx
-- phase without cosockets it logs a warning, once per phase and worker,
-- that it blocks the worker.
-- @module calypso.client
local async = require "calypso.async"
local core = require "calypso.core"
local endpoints = require "calypso.endpoints"
local loop = require "calypso.loop"
local observe = require "calypso.observe"
local option_rules = require "calypso.options"
local pages = require "calypso.pages"
local readback = require "calypso.readback"
local retry = require "calypso.retry"
local rows = require "calypso.rows"
local suggest = require "calypso.suggest"
local text = require "calypso.text"

local M = {}

local cosocket_phases = {
  rewrite = true, access = true, content = true, timer = true,
  ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true,
}

-- nginx's phase name, or nil outside nginx.
local function nginx_phase()
  local ngx = rawget(_G, "ngx")
  return ngx and ngx.get_phase and ngx.get_phase() or nil
end

local warned = {} -- nginx phases already warned about, in this worker

local function warn_blocking(watch, phase)
  if warned[phase] then return end
  warned[phase] = true
  watch:log("warn", observe.logfmt("blocking_phase", { message = "the " .. phase .. " phase has"
    .. " no cosockets, so this call blocks the worker (bounded by the client's deadline); make"
    .. " it from a request or ngx.timer.at.  Here TLS trusts the cafile option (or the system"
    .. " store), not lua_ssl_trusted_certificate" }))
end

-- A keyed create's outcome: the result, as the server sent it; or the
-- error, with its key, and whether to read the object back.  Any 016
-- (already exists) is: an earlier attempt of ours may have made it, or the
-- caller repeats a call with its key (a rerun after a dropped answer);
-- calypso.readback then says whether what the key names is this call's.
local function keyed(row, key, result, err)
  if result ~= nil then return result end
  err.idempotency_key = key
  return nil, err, err.code == "016" and row.fetch ~= nil
end

-- The read-back's per-call options: the create's own account, timeout and
-- max_retries, and what is left of its deadline (nil: the client's).
local function read_back_options(c, started)
  if not (c.timeout or c.max_retries or c.deadline or c.other_account) then return nil end
  return { account = c.other_account, timeout = c.timeout, max_retries = c.max_retries,
           deadline = c.deadline and math.max(0.001, c.deadline - (core.monotonic() - started)) }
end

-- One bound call, the driver's one path for every transport: send (which
-- runs calypso.retry); for a keyed row, keyed() and the read-back (fetch,
-- another such call in the same coroutine), judged by calypso.readback.
local function call(send, row, c, fetch, lossy)
  local key = row.key and c.key
  local started = key and core.monotonic()
  local result, err = send(c)
  if key == nil then return result, err end
  local read_back
  result, err, read_back = keyed(row, key, result, err)
  if read_back and fetch then
    local answer, fetch_err = fetch(readback.params(row, key), read_back_options(c, started))
    return readback.settle(row, c, key, err, started, answer, fetch_err, lossy)
  end
  return result, err
end

-- A call's per-call options (timeout, deadline, max_retries,
-- idempotency_key; more for client:call), checked; raises at the caller's
-- level naming what is wrong.  `level` is the caller's, seen from here.
local function per_call(opts, what, extra, level)
  if opts == nil then return nil end
  local checked, problem = option_rules.per_call(opts, extra)
  if not checked then error("calypso: " .. what .. ": " .. problem, level) end
  return checked
end

--- How the retry policy treats a row's calls: "idempotent" (gets,
-- updates, deletes), "keyed" (a create whose key a 016 can be read back
-- and checked by, row.fetch: sent again with the same key like an
-- idempotent call) or "unkeyed" (any other create: never sent again once
-- the request may have left).  scripts/api-doc writes the README's policy
-- table from this and calypso.retry.
-- @local
function M.retry_class(row)
  if row.idempotent then return "idempotent" end
  if row.key and row.fetch then return "keyed" end
  return "unkeyed"
end

-- The call table that send() and calypso.retry take.  idempotent: may it
-- be sent again after it may have left (a keyed row's key makes it so).
-- account: the one the envelope names (hooks, logs, calypso.meta), nil
-- when it names none; other_account: the per-call option's, if given.
-- attempts, began, ended and status: what became of it (calypso.retry and
-- calypso.observe fill them in; calypso.meta reads them), named here so
-- that the table is made at its size once: one filled later is rehashed
-- (on Lua 5.4 a rehash moves every member).
local function new_call(label, path, payload, route, method, idempotent, key, opts, account)
  if opts == nil and key == nil then -- the common call: only the fields it has (no nil to store)
    return { label = label, path = path, payload = payload, route = route, method = method,
             idempotent = idempotent, account = account, attempts = 0, began = false, ended = false,
             status = false }
  end
  return { label = label, path = path, payload = payload, route = route, method = method,
           idempotent = idempotent, key = key, account = account, other_account = opts and opts.account,
           timeout = opts and opts.timeout, deadline = opts and opts.deadline,
           max_retries = opts and opts.max_retries, attempts = 0, began = false, ended = false,
           status = false }
end

local NAMES_ACCOUNT = { full = true, account = true } -- the envelopes that carry an account

-- The core route of a call for another account (the per-call account
-- option): the row's route with that account in its envelope.  Kept per
-- row and account while in use (weak values), so a call pays for it once.
local function account_routes()
  local made = setmetatable({}, { __mode = "v" })
  return function(route_opts, account, label)
    local id = label .. " " .. account
    local route = made[id]
    if not route then
      route = core.route{ method = route_opts.method, envelope = route_opts.envelope,
                          empty = route_opts.empty, list = route_opts.list, account = account }
      made[id] = route
    end
    return route
  end
end

-- The names of t's keys, sorted.
local function names_of(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- A group's namespace: a call it lacks raises, naming the calls it has
-- (rather than Lua's "attempt to call a nil value" at the caller's line).
local function namespace(prefix, group)
  return setmetatable({}, { __index = function(ns, name)
    local calls = names_of(ns)
    error("calypso: " .. prefix .. group .. " has no " .. tostring(name) .. suggest.words(name, calls)
      .. "; its calls: " .. table.concat(calls, ", "), 2)
  end })
end

--- Builds { group = { name = function(params [, opts]) } } for every
-- endpoint row (internal: calypso.new and the default client use it).
-- @local  send(call) makes the call (see new_call); each function
-- validates first and returns the validation error without calling send.
-- opts are the per-call options (calypso.options.per_call).  how (optional):
--   paths       { ["group.name"] = path }: paths that replace the rows'
--   spawn       function(run, call) -> request | nil, err: each function
--               returns spawn's request, whose run() is the call (client.async);
--               no page walks then
--   check_open  function(level): raises when the client is closed
--   prefix      what a message calls the groups' parent (default "client.",
--               or "client.async." with spawn)
--   lossy       the client decodes numbers as doubles (exact_numbers =
--               false): a read-back compares amounts to a double's precision
--   account     the client's account: what a call's envelope names unless
--               the per-call account option names another
-- A paged row also gets a page walk, named by the row's `each` (default
-- "each"; calypso.pages).
function M.bind(send, how)
  how = how or {}
  local paths, spawn, check_open = how.paths, how.spawn, how.check_open
  local prefix, lossy, own_account = how.prefix, how.lossy, how.account
  local namespaces, runners = {}, {}
  local route_for = account_routes()
  for group in pairs(endpoints) do
    namespaces[group] = namespace(prefix or (spawn and "client.async." or "client."), group)
  end
  for group, group_rows in pairs(endpoints) do
    local ns = namespaces[group]
    for name, row in pairs(group_rows) do
      local label = group .. "." .. name
      local path = paths and paths[label]
      local method = row.method or "POST"
      local names_account = NAMES_ACCOUNT[row.envelope or "full"]
      local resent = M.retry_class(row) ~= "unkeyed" -- may it be sent again (with its key, if keyed)
      -- The read-back runs in the call's own coroutine: the row's runner, not
      -- the namespace's function (which, for client.async, spawns).
      local fetch = row.fetch and function(params, opts) return runners[row.fetch](params, opts) end
      -- The call table, checked; raises at `level` (the caller's, seen from
      -- here), or returns nil and a validation error (nothing is sent).
      local function prepare(params, opts, level)
        if params == ns then
          error("calypso: call " .. label .. " with a dot, not a colon: " .. group .. "." .. name
            .. "{ ... }", level)
        end
        if opts ~= nil then opts = per_call(opts, label, nil, level + 1) end
        local key = opts and opts.idempotency_key
        if key ~= nil and not row.key then
          error("calypso: " .. label .. " takes no idempotency_key: the API has no key for it", level)
        end
        local other = opts and opts.account
        if other ~= nil and not names_account then
          error("calypso: " .. label .. " takes no account: its envelope names none", level)
        end
        local to, payload, err = rows.request(row, label, params, path, key)
        if not to then return nil, err end
        if check_open then check_open(level + 1) end
        local key_sent = row.key and payload[row.key]
        local again = resent and (row.idempotent or key_sent ~= nil)
        local route = other and other ~= own_account and route_for(row, other, label) or row.route
        return new_call(label, to, payload, route, method, again, key_sent, opts,
                        names_account and (other or own_account) or nil)
      end
      local has_key = row.key ~= nil
      runners[label] = function(params, opts)
        local c, err = prepare(params, opts, 3)
        if not c then return nil, err end
        if not has_key then return send(c) end -- call()'s work is a key's (a Lua call fewer)
        return call(send, row, c, fetch, lossy)
      end
      -- The namespace's function: the runner itself, or (client.async) one
      -- that spawns the same call as a request.
      ns[name] = runners[label]
      if spawn then
        ns[name] = function(params, opts)
          local c, err = prepare(params, opts, 3)
          if not c then return nil, err end
          return spawn(function() return call(send, row, c, fetch, lossy) end, c)
        end
      end
      if row.paged and not spawn then
        local find = ns[name]
        local each = row.each or "each"
        -- opts: the walk's (first_page, max_pages) and every page's per-call
        -- options (timeout, deadline, max_retries), checked here, at the
        -- caller's line.
        ns[each] = function(params, opts)
          if params == ns then
            error("calypso: call " .. group .. "." .. each .. " with a dot, not a colon", 2)
          end
          if check_open then check_open(3) end
          local walk_opts, call_opts = {}, nil
          if opts ~= nil then
            if type(opts) ~= "table" then
              error("calypso: " .. group .. "." .. each .. " options must be a table", 2)
            end
            local rest = {}
            for k, v in pairs(opts) do
              if pages.defaults[k] ~= nil then
                local problem = pages.problem(k, v)
                if problem then error("calypso: " .. group .. "." .. each .. ": " .. problem, 2) end
                walk_opts[k] = v
              else
                rest[k] = v
              end
            end
            if next(rest) ~= nil then call_opts = per_call(rest, group .. "." .. each, nil, 3) end
            if call_opts and call_opts.idempotency_key then
              error("calypso: " .. group .. "." .. each .. " takes no idempotency_key", 2)
            end
          end
          return pages.walk(function(p) return find(p, call_opts) end, params, walk_opts)
        end
      end
    end
  end
  return namespaces
end

local CALL_OPTIONS = { idempotent = "boolean", method = "string", envelope = "string", empty = "boolean",
                       list = "boolean" }

-- A generic call (client:call, client.async.call) as a call table, from its
-- options; raises naming a wrong or unknown option.
local function generic_call(path, payload, opts, level, own_account)
  opts = per_call(opts, "call", CALL_OPTIONS, level + 1)
  if opts == nil then return new_call(nil, path, payload, nil, "POST", false, nil, nil, own_account) end
  local route
  local names_account = NAMES_ACCOUNT[opts.envelope or "full"]
  if opts.account ~= nil and not names_account then
    error("calypso: call: option 'account' needs an envelope that names an account (full or account)", level)
  end
  if opts.method ~= nil or opts.envelope ~= nil or opts.empty ~= nil or opts.list ~= nil
     or (opts.account ~= nil and opts.account ~= own_account) then
    local made, r = pcall(core.route, { method = opts.method, envelope = opts.envelope, empty = opts.empty,
                                        list = opts.list, account = opts.account })
    if not made then error(r, level) end
    route = r
  end
  return new_call(nil, path, payload, route, opts.method or "POST", opts.idempotent == true,
                  opts.idempotency_key, opts, names_account and (opts.account or own_account) or nil)
end

local Client = {}

-- A method is found in Client itself (a table lookup, no Lua call: every
-- client:envelope or client:call pays it).  A name Client lacks raises,
-- naming the groups (a private field, "_" and all, is just absent).
Client.__index = Client
setmetatable(Client, { __index = function(_, name)
  if type(name) ~= "string" or name:sub(1, 1) == "_" then return nil end
  local groups = names_of(endpoints)
  error("calypso: the client has no " .. name .. suggest.words(name, groups) .. "; its groups: "
    .. table.concat(groups, ", ") .. " (and the methods call, envelope, invoice_url, poll, wait, fds,"
    .. " clock_offset, close)", 2)
end })

--- client:call(path, payload [, opts]) -> result | nil, err
-- The generic signed call, with retries.  opts: the per-call options
-- (timeout, deadline, max_retries; calypso.options.per_call), and
--   idempotent       false: may the server safely receive it twice?
--   idempotency_key  nil: the key the payload carries, if any: reported on the
--                    error, calypso.meta and the hooks only (whether the call may
--                    be sent twice is `idempotent`'s to say)
--   method           "POST" or "DELETE"
--   envelope         "full" {account, timestamp, payload} (default), "account"
--                    {account, timestamp}, "payload" {timestamp, payload}, "bare" {timestamp}
--   empty            false: is a 2xx with an empty body the success true?
--   list             false: may a 2xx carry a JSON list, not only an object?
function Client:call(path, payload, opts)
  if getmetatable(self) ~= Client then
    error("calypso: call it with a colon: client:call(path, payload [, opts])", 2)
  end
  self._check_open(3)
  local c = generic_call(path, payload, opts, 3, self._account)
  local result, err = self._send(c)
  if err and c.key then err.idempotency_key = c.key end
  return result, err
end

--- The hosted payment page of invoice (a create's answer, or its
-- idempotencyKey) under pay_url: pay_url .. "/invoice/" .. key, as the
-- docs give it (reference/payment-link).  Raises at `level` for anything
-- else: a redirect to a wrong page is no error a shop would see.
-- @local
function M.invoice_url(pay_url, invoice, level, label)
  local key = invoice
  if type(invoice) == "table" then key = invoice.idempotencyKey end
  if type(key) ~= "string" or not text.is_uuid(key) then
    error(label .. ": give the invoice a create answered, or its idempotencyKey (a UUID); "
      .. (type(invoice) == "table" and "this one has no idempotencyKey"
        or type(invoice) == "string" and "this string is not a UUID" or "not a " .. type(invoice)), level)
  end
  return (pay_url:gsub("/+$", "")) .. "/invoice/" .. key
end

--- client:invoice_url(invoice) -> url: where a buyer pays invoice (a
-- create's answer, or its idempotencyKey): the documented
-- https://pay.calypso.finance/invoice/{idempotencyKey}, or under the
-- client's pay_url (a sandbox's own page).
function Client:invoice_url(invoice)
  if getmetatable(self) ~= Client then
    error("calypso: call it with a colon: client:invoice_url(invoice)", 2)
  end
  -- no tail call: level 3 must be the caller, on every Lua
  local url = M.invoice_url(self._pay_url, invoice, 3, "client:invoice_url")
  return url
end

--- client:envelope(payload [, timestamp_ms]) -> body, sign: what a call would send.
-- The core's own function (src/envelope.c), which takes this client for its core.
Client.envelope = core.envelope

--- client:poll([timeout]) -> running: moves the client.async requests along
-- for at most timeout seconds (default 0: never blocks), returning early
-- once one is done; running counts the requests not yet done.
function Client:poll(timeout)
  if timeout ~= nil and (type(timeout) ~= "number" or timeout ~= timeout or timeout < 0) then
    error("calypso: poll timeout must be a number of seconds, 0 or more", 2)
  end
  return self._async:poll(timeout)
end

--- client:wait(): blocks until every client.async request is done.
function Client:wait()
  self._async:wait()
end

--- client:fds() -> { [fd] = "r" | "w" | "rw" }, timeout | nil
-- For a host loop: the descriptors to wait on ("r" readable, "w" writable)
-- and the most seconds to wait before the next client:poll(0); timeout is
-- nil when no request is left.
function Client:fds()
  return self._async:fds()
end

--- client:clock_offset([ms]) -> ms: the correction added to the local clock.
function Client:clock_offset(ms)
  return self._core:clock_offset(ms)
end

--- client:close(): drop the connection and wipe the secret; idempotent.
-- A call on a closed client raises, at the caller's line.
function Client:close()
  self._core:close()
end

Client.__close = Client.close

function Client.__tostring(self)
  return tostring(self._core)
end

-- What calypso.retry needs from this client, with the transport's sleep.
local function retry_env(core_client, options, sleep)
  return {
    max_retries = options.max_retries,
    deadline = options.deadline,
    timeout = options.timeout,
    backoff_base = options.backoff_base,
    backoff_max = options.backoff_max,
    monotonic = core.monotonic,
    sleep = sleep,
    random = math.random,
    correct_clock = function(err)
      local offset = retry.clock_correction(err.date, core.time_ms())
      if not offset then return nil end
      return core_client:clock_offset(offset)
    end,
  }
end

-- send(call): the transport this call's context allows, inside the retry
-- loop.  The nginx parts are made on first use in nginx.  Only the
-- settings it needs are kept: the options table holds the secret.
local function sender(core_client, all_options, watch)
  local options = {
    max_retries = all_options.max_retries,
    deadline = all_options.deadline,
    timeout = all_options.timeout,
    backoff_base = all_options.backoff_base,
    backoff_max = all_options.backoff_max,
    connect_timeout = all_options.connect_timeout,
  }
  local blocking = retry_env(core_client, options, core.sleep)
  if all_options.loop then
    -- The event loop's transport for every call: each waits in the loop,
    -- its retries' waits too; calls run side by side, each on its own lane.
    local adapter = loop.adapter(all_options.loop)
    local transport = loop.new(core_client, adapter, watch.bodies, options.connect_timeout,
                               all_options.max_connections)
    local env = retry_env(core_client, options, adapter.sleep)
    env.monotonic = adapter.now
    return function(c) return retry.run(transport, c, env, watch) end, adapter
  end
  local cosocket, cosocket_env
  -- A blocking call keeps its request in the core client's buffers while it
  -- runs, hooks included: a call of the same client from a hook would write
  -- over them (and the outer call would send the inner one's request).
  -- Such a call is refused; the hook's error is logged, and the outer call
  -- goes on with its own request.  (Cosockets and client.async give each
  -- request its own bytes: a hook may call from there.)
  local busy = false
  -- With no hook and the default logger (watch.quiet) no code of the
  -- caller's runs during a call, so none can call again: no guard is needed,
  -- nor its pcall.
  local quiet = watch.quiet
  local in_nginx = rawget(_G, "ngx") ~= nil -- outside nginx there is never a phase to ask about
  return function(c)
    local phase = in_nginx and nginx_phase()
    if phase and cosocket_phases[phase] then
      if not cosocket then
        cosocket = require("calypso.cosocket").new(core_client, options)
        cosocket_env = retry_env(core_client, options, rawget(_G, "ngx").sleep)
      end
      return retry.run(cosocket, c, cosocket_env, watch)
    end
    if phase then warn_blocking(watch, phase) end
    if quiet then return retry.run(core_client, c, blocking, watch) end
    if busy then
      error("calypso: " .. (c.label or c.path) .. " was called from a hook of its own client during a"
        .. " call: that client's request is on its way; make it from another client, or after the call", 0)
    end
    busy = true
    local ran, result, err = pcall(retry.run, core_client, c, blocking, watch)
    busy = false
    if not ran then error(result, 0) end
    return result, err
  end
end

-- The client.async namespaces: the same rows and the same driver, each
-- call a request the engine runs as a coroutine (calypso.async).
local function async_namespaces(self, engine, options, watch)
  local function check(level)
    if self._core:is_closed() then error("calypso: the client is closed", level) end
    if nginx_phase() then
      error("calypso: client.async is for hosts that run their own loop; in nginx the plain"
        .. " calls already yield (cosockets): use ngx.thread.spawn to run them side by side", level)
    end
  end
  local transport = async.transport(self._core, watch.bodies)
  local env = retry_env(self._core, options, async.sleep)
  local function send(c) return retry.run(transport, c, env, watch) end
  local function spawn(run, c) return engine:spawn(run, c.path, c.key) end
  local namespaces = M.bind(send, { paths = options.paths, spawn = spawn, check_open = check,
                                    lossy = options.exact_numbers == false, account = options.account })
  --- client.async.call(path, payload [, opts]) -> request | nil, err (opts as client:call's)
  namespaces.call = function(path, payload, opts)
    if path == namespaces then
      error("calypso: call client.async.call with a dot, not a colon", 2)
    end
    check(3)
    local c = generic_call(path, payload, opts, 3, self._account)
    return spawn(function()
      local result, err = send(c)
      if err and c.key then err.idempotency_key = c.key end
      return result, err
    end, c)
  end
  return namespaces
end

--- Wraps a core client (from calypso.core.new) made with the checked options.
-- @local
function M.new(core_client, options)
  local watch = observe.new(options)
  local send, adapter = sender(core_client, options, watch)
  local engine = async.new(core_client, core.monotonic)
  local self = setmetatable({ _core = core_client, _send = send, _async = engine, _watch = watch,
                              _pay_url = options.pay_url or option_rules.defaults.pay_url,
                              _account = options.account },
                            Client)
  local function check_open(level)
    if self._core:is_closed() then error("calypso: the client is closed", level) end
    local can_wait = adapter and adapter.can_wait
    if can_wait then
      local can, why = can_wait()
      if not can then
        error("calypso: this call cannot wait here without blocking the loop: " .. why, level)
      end
    end
  end
  self._check_open = check_open
  local bound = M.bind(send, { paths = options.paths, check_open = check_open, account = options.account,
                               lossy = options.exact_numbers == false })
  for group, ns in pairs(bound) do self[group] = ns end
  self.async = async_namespaces(self, engine, options, watch)
  return self
end

return M
