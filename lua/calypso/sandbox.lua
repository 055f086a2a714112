--- A local Calypso sandbox for your own tests: the emulator this project
-- tests against (nginx with lua-nginx-module, a throwaway CA, loopback
-- ports), started and steered from Lua.
--
--    local sandbox = require "calypso.sandbox"
--    local sb = sandbox.start()                 -- well under a second after the first run
--    local client = sb:client()                 -- a calypso client that trusts it
--    local invoice = client.invoice.create_single{ amount = "10", currency = "USDT_TRX",
--      description = "test" }
--    sb:pay_invoice(invoice.id, "10")           -- the payment arrives
--    sb:stop()                                  -- also on collection, and on <close>
--
-- It needs Debian's nginx, libnginx-mod-http-lua, libnginx-mod-stream,
-- lua-cjson, openssl and curl; `start` names what is missing and starts
-- nothing.  The credentials it accepts are fixed (`sb.key`, `sb.secret`,
-- `sb.account`); `sb:env()` gives the CALYPSO_* variables for a shell or a
-- child process.
--
-- A sandbox belongs to a project: `calypso sandbox` keeps one per working
-- directory (or per `--name`) under `sandbox.home()`, and `status` lists
-- them.  Its folder stays private to the user (0700: certificates' keys,
-- logs); the CA a client must trust is published readable by everyone
-- (`sb.cafile`, a copy under /tmp), so that an nginx whose workers run as
-- another user (nobody) can load it with lua_ssl_trusted_certificate.
-- @module calypso.sandbox
local calypso = require "calypso"
local triggers = require "calypso.triggers"

local M = {}

local Sandbox = {}
Sandbox.__index = Sandbox

--- A value in single quotes for the shell (the command's --env uses it too).
-- @local
function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
local quote = M.quote

local function run(cmd)
  local pipe = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = pipe:read("*a")
  pipe:close()
  local status = tonumber(out:match("exit=(%d+)%s*$"))
  return status == 0, (out:gsub("exit=%d+%s*$", ""))
end

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

-- package.searchpath, which Lua 5.1 lacks.
local function searchpath(name, path)
  if package.searchpath then return package.searchpath(name, path) end
  for template in path:gmatch("[^;]+") do
    local file = template:gsub("%?", (name:gsub("%.", "/")))
    if exists(file) then return file end
  end
end

--- sandbox.script() -> path | nil, why: the emulator's start script, in this
-- source tree or in the rock's installed copy.
function M.script()
  local here = searchpath("calypso.sandbox", package.path)
  if not here then return nil, "cannot find calypso.sandbox on package.path" end
  local root = here:match("^(.*)/lua/calypso/sandbox%.lua$")
    or (here:find("^%.?/?lua/calypso/sandbox%.lua$") and ".")
  if root and exists(root .. "/emulator/bin/emulator") then return root .. "/emulator/bin/emulator" end
  local tree = here:match("^(.*)/share/lua/[^/]+/calypso/sandbox%.lua$")
  if tree then
    local ok, found = run("ls -d " .. quote(tree) .. "/lib/luarocks/rocks*/calypso/*/emulator/bin/emulator")
    found = ok and found:match("([^\n]+)")
    if found and exists(found) then return found end
  end
  return nil, "the emulator is not installed beside calypso.sandbox (" .. here .. ")"
end

-- The sandbox's fields from its folder and merchant; the collector stops it
-- unless it is detached (the calypso command leaves it running).  cafile:
-- the CA's public copy.
local function new(script, dir, made_dir, port, cafile, detached)
  local self = setmetatable({ script = script, dir = dir, made_dir = made_dir, port = port,
                              -- localhost: the name the certificate carries, which
                              -- cosockets check, and which needs no nginx resolver
                              base_url = "https://localhost:" .. port, cafile = cafile,
                              detached = detached or false }, Sandbox)
  -- The one merchant it accepts: the emulator's own config says who.
  local merchant = dofile(script:gsub("/bin/emulator$", "") .. "/lua/emulator/config.lua")
  self.key, self.secret, self.account = merchant.key, merchant.secret, merchant.account
  if not detached and newproxy then -- 5.1: a proxy's __gc, as tables have none
    local guard = newproxy(true)
    getmetatable(guard).__gc = function() self:stop() end
    self._guard = guard
  end
  return self
end

-- A sandbox folder holds this marker: "made" when start made the folder
-- (stop removes it), "given" when the caller named an empty one (stop
-- leaves it).  A folder without it is none of ours: never used, never removed.
local MARKER = "/.calypso-sandbox"

local function read_line(path)
  local f = io.open(path)
  if not f then return nil end
  local line = f:read("*l")
  f:close()
  return line
end

-- A folder path the emulator's nginx.conf and shell can take as is.
local function safe_path(dir)
  return dir:find("^/[%w%._/%-]+$") ~= nil
end

--- sandbox.resolve(dir) -> path | nil, why: dir made absolute (from $PWD)
-- and resolved (symbolic links of the parts that exist, "." and ".." of
-- the rest), so that "made by me" is decided on the folder that is really
-- meant: /tmp/x/not-yet/../victim is /tmp/x/victim.
function M.resolve(dir)
  if type(dir) ~= "string" or dir == "" then return nil, "no folder given" end
  if dir:sub(1, 1) ~= "/" then dir = (os.getenv("PWD") or ".") .. "/" .. dir end
  local ok, out = run("realpath -m -- " .. quote(dir))
  local resolved = ok and out:match("^([^\n]+)")
  if not resolved then return nil, "cannot resolve " .. dir end
  if resolved == "/" then return nil, "the root folder cannot hold a sandbox" end
  return resolved
end

-- Is a sandbox's nginx running in dir?
local function running_in(dir)
  local pid = tonumber(read_line(dir .. "/nginx.pid") or "")
  return pid ~= nil and run("kill -0 " .. pid)
end

-- Makes or claims dir (resolved) for a sandbox; true (made), false (given),
-- or nil and why.
local function claim(dir)
  if not safe_path(dir) then
    return nil, "the folder must be an absolute path of letters, digits, '.', '_', '-' and '/': " .. dir
  end
  local mark = read_line(dir .. MARKER)
  if mark and running_in(dir) then
    return nil, "a sandbox is already running in " .. dir .. " (sandbox.attach steers it)"
  end
  if mark then return mark == "made" end
  local made = not run("test -e " .. quote(dir))
  if not made and not run("test -d " .. quote(dir) .. " && test -z \"$(ls -A " .. quote(dir) .. ")\"") then
    return nil, dir .. " exists and is not a sandbox folder: name a new or empty one"
  end
  if made and not run("mkdir -p -m 700 " .. quote(dir)) then return nil, "cannot make " .. dir end
  local f = io.open(dir .. MARKER, "w")
  if not f then return nil, "cannot write in " .. dir end
  f:write(made and "made" or "given", "\n")
  f:close()
  return made
end

-- Removes the public copy of dir's CA that an earlier start made, if any.
local function drop_public_ca(dir)
  local public = read_line(dir .. "/ca-public")
  if public and public:find("^/tmp/calypso%-sandbox%-ca%.[%w]+$") then os.remove(public) end
  os.remove(dir .. "/ca-public")
end

-- Publishes dir's CA where any user may read it; its path, or nil and why.
local function publish_ca(dir)
  local ok, out = run("f=$(mktemp /tmp/calypso-sandbox-ca.XXXXXX) && cp " .. quote(dir .. "/ca.pem")
    .. " \"$f\" && chmod 644 \"$f\" && echo \"$f\"")
  local path = ok and out:match("(/tmp/calypso%-sandbox%-ca%.[%w]+)")
  if not path then return nil, "cannot publish the CA: " .. out end
  local f = io.open(dir .. "/ca-public", "w")
  if not f then return nil, "cannot write in " .. dir end
  f:write(path, "\n")
  f:close()
  return path
end

--- sandbox.home() -> the folder that holds the sandboxes of projects
-- (`calypso sandbox`, `sandbox.start{ name = }`): $XDG_RUNTIME_DIR, else
-- ~/.cache, then calypso-sandboxes: the user's own, not a guessable name in
-- a shared /tmp.
function M.home()
  local runtime = os.getenv("XDG_RUNTIME_DIR")
  local base = runtime and runtime ~= "" and runtime or (os.getenv("HOME") or "/nonexistent") .. "/.cache"
  return base .. "/calypso-sandboxes"
end

--- sandbox.project([dir]) -> name: the sandbox name of a project folder
-- (default $PWD): its last part and 8 hex digits of its whole path, so that
-- two folders named alike get sandboxes of their own.
function M.project(dir)
  local path = M.resolve(dir or os.getenv("PWD") or ".") or "/"
  local last = path:match("([^/]+)$") or "root"
  return last:gsub("[^%w%._%-]", "_"):sub(1, 40) .. "-" .. calypso.sign("calypso.sandbox", path):sub(1, 8)
end

local function valid_name(name)
  return type(name) == "string" and name:find("^[%w_%-][%w%._%-]*$") ~= nil and #name <= 64
end

--- sandbox.list() -> { { name, dir, running, base_url }, ... }: the sandboxes
-- under sandbox.home(), running or not, by name.
function M.list()
  local out = {}
  local ok, names = run("ls -1 " .. quote(M.home()) .. " 2>/dev/null")
  for name in (ok and names or ""):gmatch("[^\n]+") do
    local dir = M.home() .. "/" .. name
    if read_line(dir .. MARKER) then
      local port = tonumber(read_line(dir .. "/port") or "")
      out[#out + 1] = { name = name, dir = dir, running = running_in(dir),
                        base_url = port and ("https://localhost:" .. port) or nil }
    end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

--- sandbox.start([opts]) -> sandbox: starts one; raises naming what is
-- missing.  opts.dir: the folder for its certificates and logs: an absolute
-- path that is new (made, and removed by stop) or empty (kept); default a
-- fresh one under /tmp.  opts.name: instead of dir, the project sandbox of
-- that name under sandbox.home().  A folder where a sandbox runs already is
-- refused (attach to it).  opts.detached: leave it running when the
-- sandbox object is collected (stop it with sandbox.attach(dir):stop()).
function M.start(opts)
  local script, why = M.script()
  if not script then error("calypso.sandbox: " .. why, 2) end
  local dir = opts and opts.dir
  if opts and opts.name ~= nil then
    if dir then error("calypso.sandbox: give dir or name, not both", 2) end
    if not valid_name(opts.name) then
      error("calypso.sandbox: a name is 1 to 64 letters, digits, '.', '_' or '-'", 2)
    end
    if not run("mkdir -p -m 700 " .. quote(M.home())) then
      error("calypso.sandbox: cannot make " .. M.home(), 2)
    end
    dir = M.home() .. "/" .. opts.name
  end
  if dir then
    local resolved, problem = M.resolve(dir)
    if not resolved then error("calypso.sandbox: " .. problem, 2) end
    dir = resolved
  end
  if not dir then
    local ok, out = run("mktemp -d /tmp/calypso-sandbox.XXXXXX")
    if not ok then error("calypso.sandbox: mktemp failed: " .. out, 2) end
    dir = out:match("([^\n]+)")
    local f = assert(io.open(dir .. MARKER, "w"))
    f:write("made\n")
    f:close()
  end
  local made_dir, problem = claim(dir)
  if made_dir == nil then error("calypso.sandbox: " .. problem, 2) end
  drop_public_ca(dir) -- left by a sandbox whose nginx died without a stop
  local ok, out = run(quote(script) .. " start " .. quote(dir))
  if not ok then
    run(made_dir and ("rm -rf " .. quote(dir)) or ("cd " .. quote(dir) .. " && find . -mindepth 1 -delete"))
    error("calypso.sandbox: " .. out:gsub("%s+$", ""), 2)
  end
  local started = {}
  for name, value in out:gmatch("([%w_]+)=([^\n]+)") do started[name] = value end
  local cafile, ca_problem = publish_ca(started.dir)
  if not cafile then
    run(quote(script) .. " stop " .. quote(started.dir))
    error("calypso.sandbox: " .. ca_problem, 2)
  end
  return new(script, started.dir, made_dir, tonumber(started.port), cafile, opts and opts.detached)
end

--- sandbox.attach(dir) -> sandbox | nil, why: the sandbox running in dir
-- (started detached), to steer or stop it; nil when there is none, or its
-- nginx is gone.
function M.attach(dir)
  local script, why = M.script()
  if not script then return nil, why end
  local resolved = M.resolve(dir)
  if not resolved then return nil, "no sandbox in " .. tostring(dir) end
  dir = resolved
  local mark = read_line(dir .. MARKER)
  local port = tonumber(read_line(dir .. "/port") or "")
  if not (mark and port) then return nil, "no sandbox in " .. dir end
  if not running_in(dir) then return nil, "the sandbox in " .. dir .. " is not running" end
  return new(script, dir, mark == "made", port, read_line(dir .. "/ca-public") or dir .. "/ca.pem", true)
end

--- sb:options([overrides]) -> the calypso.new options that reach this sandbox.
function Sandbox:options(overrides)
  local o = { key = self.key, secret = self.secret, account = self.account, base_url = self.base_url,
              cafile = self.cafile, pay_url = self.base_url .. "/pay" }
  for k, v in pairs(overrides or {}) do o[k] = v end
  return o
end

--- sb:client([overrides]) -> a calypso client for this sandbox.
function Sandbox:client(overrides)
  return calypso.new(self:options(overrides))
end

--- sb:env() -> { CALYPSO_BASE_URL = ..., CALYPSO_CAFILE = ..., CALYPSO_API_KEY = ...,
-- CALYPSO_API_SECRET = ..., CALYPSO_ACCOUNT = ..., CALYPSO_PAY_URL = ... }: for the default client
-- and the calypso command.
function Sandbox:env()
  return { CALYPSO_BASE_URL = self.base_url, CALYPSO_CAFILE = self.cafile, CALYPSO_API_KEY = self.key,
           CALYPSO_API_SECRET = self.secret, CALYPSO_ACCOUNT = self.account,
           CALYPSO_PAY_URL = self.base_url .. "/pay" }
end

-- The client the controls and triggers use, made on first use.
local function control_client(self)
  self._control = self._control or self:client{ max_retries = 0 }
  return self._control
end

--- sb:control(name, body) -> the decoded answer | nil, err: one of the
-- emulator's control routes (/__emulator/NAME), through a client.
function Sandbox:control(name, body)
  return control_client(self):call("/__emulator/" .. name, body or {})
end

--- sb:pay_invoice(id, amount [, opts]) -> invoice | nil, err: a payment of
-- amount arrives and passes compliance (opts.mempool: it stops at
-- MEM_POOL_FOUND, and pay_invoice(id) confirms it; opts.outcome =
-- "DECLINED": it fails compliance and the invoice is DECLINED).  amount
-- may instead be "full", "half" or "double": that share of the invoice's
-- own amount, to the digit (an underpayment, an overpayment).
function Sandbox:pay_invoice(id, amount, opts)
  local share = (amount == "full" or amount == "half" or amount == "double") and amount or nil
  return self:control("pay_invoice", { id = id, amount = not share and amount or nil, share = share,
    mempool = opts and opts.mempool or nil, outcome = opts and opts.outcome })
end

--- sb:expire_invoice(id) -> invoice | nil, err: its expiration passes now.
function Sandbox:expire_invoice(id)
  return self:control("expire_invoice", { id = id })
end

--- sb:advance_payout(id [, opts]) -> payout | nil, err: a payout waiting for
-- confirmation is confirmed; a confirmed one is processed: COMPLETED, or
-- FAILED for want of funds; a mass payout goes IN_PROGRESS, then COMPLETED
-- (opts.outcome = "PARTIAL": PARTIAL).
function Sandbox:advance_payout(id, opts)
  return self:control("advance_payout", { id = id, outcome = opts and opts.outcome })
end

--- sb:cancel_payout(id) -> payout | nil, err: CANCELED, if not yet in progress.
function Sandbox:cancel_payout(id)
  return self:control("cancel_payout", { id = id })
end

--- sb:payout_verification(enabled) -> { enabled }: new payouts wait for confirmation
-- (PENDING_CONFIRMATION) until sb:advance_payout confirms them.
function Sandbox:payout_verification(enabled)
  return self:control("payout_verification", { enabled = enabled == true })
end

--- sb:expire_purse(customer_id, currency) -> purse | nil, err: the purse's
-- address expires (CUSTOMER_PURSE_EXPIRED); the next purse.get makes a new one.
function Sandbox:expire_purse(customer_id, currency)
  return self:control("expire_purse", { customerId = customer_id, currency = currency })
end

--- sb:credit(currency, amount) -> { currency, amount } | nil, err: adds to the balance.
function Sandbox:credit(currency, amount)
  return self:control("credit", { currency = currency, amount = amount })
end

--- sb:deposit(customer_id, currency, amount [, opts]) -> transaction | nil, err:
-- a deposit to the customer's purse walks MEM_POOL_FOUND,
-- PENDING_COMPLIANCE_CHECK and CONFIRMED (opts.outcome = "DECLINED": DECLINED
-- instead; opts.stop = "mempool" or "compliance" stops there, and
-- sb:deposit_step(transaction_id [, outcome]) moves it on), each state
-- announced to the webhook subscribers.
function Sandbox:deposit(customer_id, currency, amount, opts)
  return self:control("deposit", { customerId = customer_id, currency = currency, amount = amount,
    outcome = opts and opts.outcome, stop = opts and opts.stop })
end

--- sb:deposit_step(transaction_id [, outcome]) -> transaction | nil, err: moves a stopped deposit on.
function Sandbox:deposit_step(transaction_id, outcome)
  return self:control("deposit", { transactionId = transaction_id, outcome = outcome })
end

-- Does a delivery pass a filter of deliveries(): its fields, and `match`?
local function passes(d, filter)
  for _, field in ipairs{ "eventType", "service", "state", "requestId", "url" } do
    if filter[field] ~= nil and d[field] ~= filter[field] then return false end
  end
  return filter.match == nil or M.matches(d, filter.match)
end

--- sandbox.matches(delivery, match) -> bool: does a delivery's event match?
-- match: a function(event) -> bool, given the decoded delivery; or a table
-- whose every field equals the event's data field (or, for the envelope's
-- own fields such as eventType, the event's).
-- @local
function M.matches(d, match)
  local event = d.event or calypso.webhook.decode_delivery(d.body)
  if not event then return false end
  d.event = event
  if type(match) == "function" then return match(event) == true end
  for k, v in pairs(match) do
    local data = type(event.data) == "table" and event.data or {}
    if data[k] ~= v and event[k] ~= v then return false end
  end
  return true
end

--- sb:deliveries([filter]) -> list | nil, err: the webhook deliveries,
-- oldest first: { id, eventId, eventType, service, requestId (the
-- subscription), url, body, state ("pending", "retrying", "delivered",
-- "failed", "blocked"), attempts = { { at, status?, error? }, ... } }.
-- filter: only those whose eventType, service, state, requestId or url are
-- these, and whose event passes `match` (see sb:wait_for).
function Sandbox:deliveries(filter)
  local answer, err = self:control("deliveries")
  if not answer then return nil, err end
  if filter == nil then return answer.deliveries end
  if type(filter) ~= "table" then error("calypso.sandbox: deliveries takes a table of filters", 2) end
  local out = {}
  for _, d in ipairs(answer.deliveries) do
    if passes(d, filter) then out[#out + 1] = d end
  end
  return out
end

--- sb:wait_for(event_type [, match] [, timeout]) -> event | nil, err: waits
-- (polling the sandbox, at most timeout seconds, default 10) until a
-- delivery of event_type whose event passes match (a table of data fields,
-- or a function(event) -> bool) has been made, and returns its event: the
-- decoded body, with `delivery` (its record).  Each delivery is returned
-- once: a second wait_for for the same type waits for the next one.  err:
-- kind "timeout" when none came.
function Sandbox:wait_for(event_type, match, timeout)
  if type(match) == "number" and timeout == nil then match, timeout = nil, match end
  if type(event_type) ~= "string" then error("calypso.sandbox: wait_for takes an event type", 2) end
  if match ~= nil and type(match) ~= "table" and type(match) ~= "function" then
    error("calypso.sandbox: wait_for's match is a table of fields or a function", 2)
  end
  self._waited = self._waited or {}
  local core = require "calypso.core"
  local stop_at = core.monotonic() + (timeout or 10)
  repeat
    local list, err = self:deliveries{ eventType = event_type, match = match }
    if not list then return nil, err end
    for _, d in ipairs(list) do
      if not self._waited[d.id] then
        self._waited[d.id] = true
        d.event.delivery = d
        return d.event
      end
    end
    core.sleep(0.05)
  until core.monotonic() >= stop_at
  return nil, core.error("timeout", "calypso.sandbox: no " .. event_type .. " delivery"
    .. (match and " that matches" or "") .. " within " .. (timeout or 10) .. " s")
end

--- sb:redeliver(delivery_id) -> { id } | nil, err: sends that delivery's exact
-- bytes again, as a replay would (a new delivery record).
function Sandbox:redeliver(delivery_id)
  return self:control("redeliver", { id = delivery_id })
end

--- sb:advance(seconds) -> { advanced_s, now, invoices_expired, payouts_run,
-- delivery_attempts } | nil, err: moves the sandbox's clock on (seconds, or
-- a duration such as "15m", "2h", "1d"): invoices past their expiration
-- expire, confirmed payouts whose executionDate came run, and webhook
-- retries that fell due are made, at once, with no real waiting.  Requests'
-- timestamps are still judged by real time.
function Sandbox:advance(seconds)
  return self:control("advance", { seconds = seconds })
end

--- sb:webhook_faults{ duplicate =, out_of_order =, late = } -> what is armed
-- | nil, err: faults for testing a receiver, on the deliveries to come:
-- each sent `duplicate` (0 to 10) more times with the same bytes; later
-- ones overtaking earlier ones of a subscription (`out_of_order = true`);
-- each first sent `late` seconds after its event (by the sandbox's clock:
-- sb:advance brings it at once).  {} clears them.
function Sandbox:webhook_faults(opts)
  return self:control("webhook_faults", opts or {})
end

--- sb:fault{ mode =, count =, status =, retry_after =, seconds = } -> { ok } | nil,
-- err: misbehaviour of the API for the next `count` requests (default 1),
-- for testing your code's handling of it: "drop_reply" (the request is
-- processed and no answer comes: the maybe_applied case), "hold_reply"
-- (processed, the answer held `seconds`, default 30: time to kill the
-- process that asked, as a crash would), "fail_after"
-- (processed, then answered `status`, default 500), "status" (answered
-- `status`, such as 429, with Retry-After `retry_after`, before any
-- processing), "stall" (`seconds` before answering).
function Sandbox:fault(opts)
  if type(opts) ~= "table" or type(opts.mode) ~= "string" then
    error("calypso.sandbox: fault takes a table with a mode", 2)
  end
  return self:control("fault", opts)
end

--- sb:time_scale(x): every webhook retry wait is multiplied by x; 0.01
-- makes the first retry 0.3 s (the blocking rule's 10 minutes stay wall-clock).
function Sandbox:time_scale(x)
  return self:control("webhooks", { time_scale = x })
end

--- sb:emit(service, event_type, data [, level]) -> { deliveries } | nil, err:
-- any event, to every subscriber that asks for it.
function Sandbox:emit(service, event_type, data, level)
  return self:control("emit", { service = service, eventType = event_type, data = data, level = level })
end

--- sb:events([since]) -> list, last | nil, err: the events the sandbox made
-- after number `since` (default 0: the last 1000 kept), subscribed to or
-- not, oldest first: { n, service, eventType, data }; last is the number of
-- the last one made (pass it as since to see only what comes next).
function Sandbox:events(since)
  local answer, err = self:control("events", { since = since or 0 })
  if not answer then return nil, err end
  return answer.events, answer.last
end

-- A trigger's overrides, judged before anything is made: a table of field
-- names; for a trigger that reads a list of fields, only those (a row
-- judges the rest when it is called).
local function check_overrides(name, trigger, overrides)
  if overrides == nil then return true end
  if type(overrides) ~= "table" then return nil, "overrides must be a table of fields" end
  for field in pairs(overrides) do
    if type(field) ~= "string" then return nil, "overrides must be a table of fields" end
    if type(trigger.takes) == "table" then
      local known = false
      for _, f in ipairs(trigger.takes) do known = known or f == field end
      if not known then
        return nil, ("trigger %s takes %s, not %s"):format(name, table.concat(trigger.takes, " and "), field)
      end
    end
  end
  return true
end

--- The names sb:trigger takes (calypso.triggers: each with its doc and events).
M.triggers = triggers.names

--- sb:trigger(name [, overrides]) -> what it made, events | nil, err: a
-- documented event end to end, through the API and the simulations
-- (calypso.triggers lists them: invoice.paid, .underpaid, .overpaid,
-- .declined, .expired, .unlimited_deposit, deposit.confirmed, .declined,
-- purse.expired, payout.completed, .failed, .canceled,
-- .pending_confirmation, mass_payout.partial).  overrides replace fields
-- of what it makes first ({ amount = "25", currency = "BTC" }); a field it
-- does not take is refused before anything is made.  events: those the
-- sandbox made while it ran (see sb:events).
function Sandbox:trigger(name, overrides)
  local trigger = triggers.all[name]
  local core = require "calypso.core"
  if not trigger then
    return nil, core.error("validation", "calypso.sandbox: no trigger " .. tostring(name)
      .. require("calypso.suggest").words(tostring(name), triggers.names))
  end
  local fine, problem = check_overrides(name, trigger, overrides)
  if not fine then return nil, core.error("validation", "calypso.sandbox: " .. problem) end
  local none, before = self:events(1e15) -- no events: only the last one's number
  if not none then return nil, before end
  local ok, result = pcall(trigger.run, self, control_client(self), overrides)
  if not ok then
    if type(result) == "table" then return nil, result end
    return nil, core.error("validation", "calypso.sandbox: " .. tostring(result))
  end
  return result, (self:events(before))
end

--- sb:stats() -> what the sandbox has seen (requests, creates, the last request).
function Sandbox:stats()
  return self:control("stats")
end

--- sb:stop(): stops nginx and removes the folder it made; idempotent.
function Sandbox:stop()
  if self.stopped then return end
  self.stopped = true
  if self._control then self._control:close() end
  if self.dir then
    run(quote(self.script) .. " stop " .. quote(self.dir))
    drop_public_ca(self.dir)
    if self.made_dir then run("rm -rf " .. quote(self.dir)) end -- only a folder start made
  end
end

Sandbox.__gc = function(self)
  if not self.detached then self:stop() end
end
Sandbox.__close = Sandbox.stop

return M
