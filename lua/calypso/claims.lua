--- Webhook claims: each event handled once, across workers and hosts.
--
--    local claims = calypso.webhook.claims(calypso.webhook.redis_store{ port = 6379 })
--    local state = claims:claim(event)   -- "new", "done", "busy", or nil and why
--    ... handle it ...
--    claims:done(event)                  -- or claims:release(event) when it failed
--
-- Calypso may deliver one event more than once (a retry of a delivery whose
-- answer it missed, a replay), and behind a load balancer those copies reach
-- different hosts.  A claim is taken before the handler runs and says what
-- became of the event:
--
-- * `"new"`: nobody has it; it is this caller's now, for `lease` seconds.
-- * `"done"`: a handler finished it (answer 2xx; do not handle it again).
-- * `"busy"`: another worker or host holds a claim on it that has not run
--   out (answer 5xx, so that Calypso sends it again later).
--
-- `done(event)` keeps it done for `keep` seconds (a week: Calypso retries a
-- delivery for about four days).  `release(event)` gives a failed handler's
-- claim up, so that the next delivery is handled.  A claim nobody finishes
-- or releases (its worker was killed) runs out after its lease, and the
-- next delivery takes it.  Only the holder's token finishes or releases a
-- claim: a handler slower than its lease cannot undo the claim another
-- worker took after it ran out.
--
-- A store is three functions, each answering `nil, why` when it cannot:
--
-- * `add(key, value, ttl)`: sets key only if absent; true, or false if present.
-- * `get(key)`: its value, or false if absent.
-- * `swap(key, old, new, ttl)`: if key holds old, sets it to new (or removes
--   it when new is nil); true, or false if it held something else.
--
-- `nginx_store(dict)` keeps claims in one host's `lua_shared_dict` (its
-- workers share them); `redis_store(opts)` in Redis, for several hosts
-- (`SET NX PX`, and a script for swap, so every step is atomic).
-- @module calypso.claims
local M = {}

local DEFAULT_LEASE, DEFAULT_KEEP = 300, 604800

local Claims = {}
Claims.__index = Claims

local function id_text(event)
  return require("calypso.webhook").id_text(event)
end

-- The claim's key: the subscription's requestId and the event id's exact text.
local function key_of(self, event)
  if type(event) ~= "table" or event.id == nil then
    error("calypso.webhook.claims: give the event verify returned (it has no id)", 3)
  end
  return self.prefix .. tostring(event.requestId) .. ":" .. id_text(event)
end

local function token()
  return "handling:" .. require("calypso.core").uuid4()
end

--- claims(store [, opts]) -> claims.  opts: `lease` (seconds a claim is
-- held, default 300: longer than any handler runs), `keep` (seconds an
-- event stays done, default 604800), `prefix` (before every key, default
-- "calypso:webhook:").  Raises on a store without the three functions or
-- a bad option.
function M.new(store, opts)
  if type(store) ~= "table" or type(store.add) ~= "function" or type(store.get) ~= "function"
     or type(store.swap) ~= "function" then
    error("calypso.webhook.claims: the store must have add, get and swap functions", 2)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "lease" and k ~= "keep" and k ~= "prefix" then
      error("calypso.webhook.claims: no option '" .. tostring(k) .. "'", 2)
    end
  end
  for _, name in ipairs{ "lease", "keep" } do
    local v = opts[name]
    if v ~= nil and (type(v) ~= "number" or v ~= v or v < 0.001 or v > 31536000) then
      error("calypso.webhook.claims: option '" .. name .. "' must be seconds, from 0.001 to a year", 2)
    end
  end
  if opts.prefix ~= nil and type(opts.prefix) ~= "string" then
    error("calypso.webhook.claims: option 'prefix' must be a string", 2)
  end
  return setmetatable({ store = store, lease = opts.lease or DEFAULT_LEASE, keep = opts.keep or DEFAULT_KEEP,
                        prefix = opts.prefix or "calypso:webhook:", held = {} }, Claims)
end

--- claims:claim(event) -> "new" | "done" | "busy" | nil, why
function Claims:claim(event)
  local key = key_of(self, event)
  for _ = 1, 3 do -- a claim that runs out between add and get is taken again
    local mine = token()
    local added, why = self.store.add(key, mine, self.lease)
    if added == nil then return nil, why end
    if added then
      self.held[key] = mine
      return "new"
    end
    local value
    value, why = self.store.get(key)
    if value == nil then return nil, why end
    if value ~= false then return value == "done" and "done" or "busy" end
  end
  return nil, "the store says the claim both exists and does not"
end

-- Ends this caller's claim on event: new is "done" (kept `keep` seconds)
-- or nil (released).  false: the claim was no longer this caller's.
local function finish(self, event, new, ttl)
  local key = key_of(self, event)
  local mine = self.held[key]
  if not mine then return false end
  self.held[key] = nil
  return self.store.swap(key, mine, new, ttl)
end

--- claims:done(event) -> true | false | nil, why: the handler finished
-- event; false when this caller held no claim on it (or it ran out and
-- another took it).
function Claims:done(event)
  return finish(self, event, "done", self.keep)
end

--- claims:release(event) -> true | false | nil, why: the handler failed;
-- the next delivery of event is handled.
function Claims:release(event)
  return finish(self, event, nil)
end

--- nginx_store(dict_name) -> store on a `lua_shared_dict`, which every
-- worker of one nginx shares.  A claim is never evicted to make room
-- (safe_add, safe_set): a full dict makes add fail ("no memory"), and the
-- receiver answers 5xx so that Calypso retries.  Raises when there is no
-- such dict.  swap reads and then writes: atomic for one worker, and two
-- workers race only for a claim that runs out in that instant.
function M.nginx_store(dict_name)
  local ngx = rawget(_G, "ngx")
  local dict = ngx and ngx.shared and ngx.shared[dict_name]
  if not dict then
    error("calypso.webhook.nginx_store: no lua_shared_dict named " .. tostring(dict_name), 2)
  end
  -- 20 bytes (SHA-1): a short key puts an entry in the dict's small slab class.
  local function k(key) return ngx.sha1_bin(key) end
  local function failed(err)
    local why = "lua_shared_dict " .. dict_name .. ": " .. tostring(err)
      .. (err == "no memory" and " (full: it keeps every claim for its time, and evicts none)" or "")
    ngx.log(ngx.ERR, "calypso.webhook.claims: ", why)
    return nil, why
  end
  return {
    add = function(key, value, ttl)
      local ok, err = dict:safe_add(k(key), value, ttl)
      if ok then return true end
      if err == "exists" then return false end
      return failed(err)
    end,
    get = function(key)
      local value = dict:get(k(key))
      return value == nil and false or value
    end,
    swap = function(key, old, new, ttl)
      if dict:get(k(key)) ~= old then return false end
      if new == nil then
        dict:delete(k(key))
        return true
      end
      local ok, err = dict:safe_set(k(key), new, ttl)
      if ok then return true end
      return failed(err)
    end,
  }
end

-- Redis's compare-and-set, one atomic step: KEYS[1] old new|"" ttl_ms.
local SWAP = "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end "
  .. "if ARGV[2] == '' then redis.call('del', KEYS[1]) "
  .. "else redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return 1"

--- redis_store(opts) -> store in Redis, through OpenResty's lua-resty-redis
-- (Debian: lua-nginx-redis, `require "nginx.redis"`; or `resty.redis`), so
-- in nginx where cosockets run (a request, a timer).  opts: `host`
-- ("127.0.0.1"), `port` (6379), `password`, `database`, `timeout` (seconds
-- per step, 1), `keepalive` (seconds an idle connection is kept, 60),
-- `pool_size` (30).  Every failure (Redis down, a timeout) is `nil, why`:
-- the receiver answers 5xx and Calypso retries; nothing is handled twice.
function M.redis_store(opts)
  opts = opts or {}
  local known = { host = "string", port = "number", password = "string", database = "number",
                  timeout = "number", keepalive = "number", pool_size = "number" }
  for k, v in pairs(opts) do
    if not known[k] then error("calypso.webhook.redis_store: no option '" .. tostring(k) .. "'", 2) end
    if type(v) ~= known[k] then
      error("calypso.webhook.redis_store: option '" .. k .. "' must be a " .. known[k], 2)
    end
  end
  local found, redis = pcall(require, "nginx.redis")
  if not found then found, redis = pcall(require, "resty.redis") end
  if not found then
    error("calypso.webhook.redis_store: needs lua-resty-redis (Debian: apt-get install lua-nginx-redis)", 2)
  end
  local host, port = opts.host or "127.0.0.1", opts.port or 6379
  local timeout_ms = math.floor((opts.timeout or 1) * 1000)
  local keepalive_ms = math.floor((opts.keepalive or 60) * 1000)
  local where = "redis " .. host .. ":" .. port
  -- A pooled connection has been authenticated and has selected its
  -- database: it serves only stores with the same server, password and
  -- database (without a pool of their own, a store with a wrong password
  -- or another database would be handed one and skip both).  The password
  -- enters the pool's name as a digest, which nothing logs.
  local ngx = rawget(_G, "ngx")
  local pool = { pool = table.concat({ "calypso", host, port, opts.database or 0,
                                       opts.password and ngx.md5(opts.password) or "" }, ":") }

  -- Runs f(red) on a pooled connection; returns what f does, or nil, why.
  local function with(f)
    local red = redis:new()
    red:set_timeouts(timeout_ms, timeout_ms, timeout_ms)
    local ok, err = red:connect(host, port, pool)
    if not ok then return nil, where .. ": " .. tostring(err) end
    if red:get_reused_times() == 0 then
      if opts.password then
        ok, err = red:auth(opts.password)
        if not ok then red:close() return nil, where .. ": auth: " .. tostring(err) end
      end
      if opts.database then
        ok, err = red:select(opts.database)
        if not ok then red:close() return nil, where .. ": select: " .. tostring(err) end
      end
    end
    local result, problem = f(red)
    if result == nil then
      red:close()
      return nil, where .. ": " .. tostring(problem)
    end
    red:set_keepalive(keepalive_ms, opts.pool_size or 30)
    return result
  end
  -- lua-resty-redis answers a Redis error (NOAUTH, READONLY, OOM, ...) with
  -- false and its words, a missing key with ngx.null: below, an error is
  -- never taken for "already claimed", "absent" or "not mine".
  local null = ngx and ngx.null
  local function ms(ttl) return math.max(1, math.floor(ttl * 1000 + 0.5)) end
  return {
    add = function(key, value, ttl)
      return with(function(red)
        local answer, err = red:set(key, value, "NX", "PX", ms(ttl))
        if not answer then return nil, err end
        return answer == "OK"
      end)
    end,
    get = function(key)
      return with(function(red)
        local value, err = red:get(key)
        if not value then return nil, err end
        return value ~= null and value or false
      end)
    end,
    swap = function(key, old, new, ttl)
      return with(function(red)
        local answer, err = red:eval(SWAP, 1, key, old, new or "", new and ms(ttl) or 0)
        if not answer then return nil, err end
        return answer == 1
      end)
    end,
  }
end

return M
