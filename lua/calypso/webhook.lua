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

local VERIFY_OPTIONS = { exact_numbers = "boolean", seen = "function", claims = "table" }

--- webhook.verify(raw_body, sign, secret [, opts]) -> event | nil, err
-- event is the decoded body, unknown fields and event types kept.  err has
-- kind "validation" and field "sign" (missing or wrong signature), "body"
-- (signed, but not a JSON object), "id" (a delivery already handled, per
-- `opts.seen` or `opts.claims`: answer 2xx, or Calypso keeps sending it),
-- "busy" (`opts.claims`: another worker or host is handling it: answer 5xx)
-- or "seen" (`seen` or the claims' store could not tell, being full or down,
-- say: answer 5xx, so that Calypso sends it again later).  The comparison
-- takes constant time and accepts hex of either case.  Options:
--
--    exact_numbers  as calypso.new's (default true): amounts a double cannot
--                   hold come back as their exact text; false: as the nearest double
--    seen           function(event) -> true if this event was handled before,
--                   false if not, or nil and why when it cannot tell: called
--                   once the signature checks out; the receiver's defence
--                   against replays (see nginx_seen)
--    claims         a calypso.webhook.claims: the event is returned only when
--                   this call has claimed it ("new"); call claims:done(event)
--                   once handled, claims:release(event) if that failed
--
-- A delivery signs only its body, with no timestamp, and Calypso retries one
-- for days (19 retries; the last interval alone is about 34 hours): a
-- captured delivery stays valid, so a receiver should refuse event ids it
-- has handled.  Raises when raw_body or secret is not a
-- string, secret is empty, or opts has an unknown or mistyped key: those are
-- programming errors.
function M.verify(raw_body, sign, secret, opts)
  if type(raw_body) ~= "string" then error("calypso.webhook.verify: raw_body must be a string", 2) end
  if type(secret) ~= "string" or secret == "" then
    error("calypso.webhook.verify: secret must be a non-empty string", 2)
  end
  for k, v in pairs(opts or {}) do
    if not VERIFY_OPTIONS[k] then error("calypso.webhook.verify: no option '" .. tostring(k) .. "'", 2) end
    if type(v) ~= VERIFY_OPTIONS[k] then
      error("calypso.webhook.verify: option '" .. k .. "' must be a " .. VERIFY_OPTIONS[k], 2)
    end
  end
  if type(sign) ~= "string" then return refuse("sign", "the Sign header is missing") end
  if not core.verify_sign(secret, raw_body, sign) then
    local _, err = refuse("sign", "the Sign header does not match the body")
    err.hint = M.mismatch_hint(raw_body, sign, secret)
    return nil, err
  end
  local event, why = core.decode_object(raw_body, not (opts ~= nil and opts.exact_numbers == false))
  if not event then return refuse("body", "the body is not a JSON object: " .. why) end
  if opts and opts.claims then
    local state, store_why = opts.claims:claim(event)
    if state == "done" then
      return refuse("id", "event " .. M.id_text(event) .. " was handled before (a replay, or a"
        .. " delivery retried after it was accepted)")
    elseif state == "busy" then
      return refuse("busy", "event " .. M.id_text(event) .. " is being handled by another worker or host:"
        .. " answer 5xx, so that Calypso sends it again once that claim is done or has run out")
    elseif state ~= "new" then
      return refuse("seen", "event " .. M.id_text(event) .. " cannot be claimed (" .. tostring(store_why)
        .. "): answer 5xx, so that Calypso sends it again")
    end
  end
  if opts and opts.seen then
    local handled, unknown = opts.seen(event)
    if handled then
      return refuse("id", "event " .. M.id_text(event) .. " was handled before (a replay, or a"
        .. " delivery retried after it was accepted)")
    end
    if handled == nil and unknown ~= nil then
      return refuse("seen", "event " .. M.id_text(event) .. " cannot be checked against the deliveries"
        .. " handled (" .. tostring(unknown) .. "): answer 5xx, so that Calypso sends it again")
    end
  end
  return event
end

--- webhook.mismatch_hint(raw_body, sign, secret) -> words: what usually
-- makes a delivery's Sign not match, and which of it this one shows.
-- @local
function M.mismatch_hint(raw_body, sign, secret)
  if raw_body:find("\r?\n$") and core.verify_sign(secret, (raw_body:gsub("\r?\n$", "")), sign) then
    return "the body gained a newline at its end after Calypso signed it: verify the bytes as received"
  end
  if core.verify_sign(secret, raw_body .. "\n", sign) then
    return "the body lost the newline at its end: verify the bytes as received"
  end
  return "the Sign is HMAC-SHA512 of the exact bytes received, keyed with the subscription's secretKey:"
    .. " the usual causes are a body parsed and encoded again (other bytes), the API secret used"
    .. " instead of the subscription's secretKey, or a newline added or dropped at the end"
end

--- webhook.sign(body, secret) -> hex: the Sign header Calypso sends with a
-- delivery: lowercase hex HMAC-SHA512 of the exact body with the
-- subscription's secretKey.
function M.sign(body, secret)
  if type(body) ~= "string" then error("calypso.webhook.sign: body must be a string", 2) end
  if type(secret) ~= "string" or secret == "" then
    error("calypso.webhook.sign: secret must be a non-empty string", 2)
  end
  return core.sign(secret, body)
end

--- webhook.id_text(event) -> text: the event id's exact text, whatever
-- the runtime: digits for a numeric id (LuaJIT's tostring keeps 14, so
-- 123456789012341 and 123456789012342 would read alike), the string as it
-- is.  A key for "handled before" stores.
function M.id_text(event)
  local id = type(event) == "table" and event.id
  if type(id) == "number" then return (core.number_text(id)) or tostring(id) end
  return tostring(id)
end

--- webhook.decode_delivery(body) -> event | nil: a delivery's body as an
-- event (exact numbers), without checking its Sign: for test tools that
-- read what a sandbox sent.
-- @local
function M.decode_delivery(body)
  if type(body) ~= "string" then return nil end
  return (core.decode_object(body, true))
end

local next_id = 0

--- webhook.delivery(event, keys) -> body, headers: a whole signed delivery,
-- as Calypso would POST it, for testing a receiver without a server.
-- event: `eventType`, `service` and `data` (required); `requestId` (the
-- subscription's; default a fresh UUID), `id` (default a counter from 1),
-- `createdDate` (default now, UTC, as "2025-10-30T14:08:39"), `level`
-- (default "INFO").  keys: `secret` (the secretKey that signs) and `key`
-- (the publicKey sent as Key; default "test-public-key").  headers holds
-- Key, Sign and Content-Type.
function M.delivery(event, keys)
  if type(event) ~= "table" then error("calypso.webhook.delivery: event must be a table", 2) end
  if type(keys) ~= "table" or type(keys.secret) ~= "string" or keys.secret == "" then
    error("calypso.webhook.delivery: keys.secret must be a non-empty string", 2)
  end
  for _, field in ipairs{ "eventType", "service" } do
    if type(event[field]) ~= "string" then
      error("calypso.webhook.delivery: event." .. field .. " must be a string", 2)
    end
  end
  if type(event.data) ~= "table" then error("calypso.webhook.delivery: event.data must be a table", 2) end
  local full = {}
  for k, v in pairs(event) do full[k] = v end
  if full.id == nil then
    next_id = next_id + 1
    full.id = next_id
  end
  full.requestId = full.requestId or core.uuid4()
  full.createdDate = full.createdDate or os.date("!%Y-%m-%dT%H:%M:%S")
  full.level = full.level or "INFO"
  local body, why = core.encode_object(full)
  if not body then error("calypso.webhook.delivery: the event cannot be JSON: " .. why, 2) end
  return body, { Key = keys.key or "test-public-key", Sign = core.sign(keys.secret, body),
                 ["Content-Type"] = "application/json" }
end

local claims = require "calypso.claims"

--- webhook.claims(store [, opts]) -> claims: each event handled once across
-- workers and hosts (see calypso.claims): claim, done, release.
M.claims = claims.new
--- webhook.nginx_store(dict_name) -> a claims store on a lua_shared_dict (one host).
M.nginx_store = claims.nginx_store
--- webhook.redis_store(opts) -> a claims store in Redis (several hosts).
M.redis_store = claims.redis_store

--- webhook.receive_nginx{ secret =, claims =, handle = [, answer =] }: a
-- whole receiver in a content phase: verify, claim, answer, handle (see
-- calypso.receiver).
function M.receive_nginx(opts)
  -- no tail call: a raise must name the caller's line, on every Lua
  local done = require("calypso.receiver").nginx(opts, 3)
  return done
end

--- webhook.nginx_seen(dict_name [, ttl]) -> seen, forget: a `seen` for
-- verify() on an nginx `lua_shared_dict`, shared by the workers.  An event
-- counts as handled from the first verify that sees it, for ttl seconds
-- (default 604800: a week, longer than the retry schedule: its documented
-- last interval alone is about 34 h, and its 19 retries take about four
-- days if the undocumented middle ones climb steadily); its key is the
-- subscription's requestId and the event id's exact text (id_text).  A
-- seen id is never evicted to make room (safe_add): when the dict is full,
-- seen says so (logged at error level), verify refuses the delivery with
-- field "seen", and the receiver answers 5xx so that Calypso retries; size
-- the dict for a week of deliveries (the README says how).  Call
-- forget(event) when you refuse a delivery after verify accepted it (you
-- answer non-2xx), so that Calypso's retry is not taken for a replay.
-- Raises when the dict does not exist (`lua_shared_dict NAME 10m;`).
function M.nginx_seen(dict_name, ttl)
  local ngx = rawget(_G, "ngx")
  local dict = ngx and ngx.shared and ngx.shared[dict_name]
  if not dict then
    error("calypso.webhook.nginx_seen: no lua_shared_dict named " .. tostring(dict_name), 2)
  end
  ttl = ttl or 604800
  -- 20 bytes (SHA-1 of the subscription's requestId and the id's text): a
  -- short key puts an entry in the dict's 128-byte slab class, not 256.
  local function key(event)
    return ngx.sha1_bin(tostring(event.requestId) .. ":" .. M.id_text(event))
  end
  local function seen(event)
    local added, err = dict:safe_add(key(event), true, ttl)
    if added then return false end
    if err == "exists" then return true end
    local why = "lua_shared_dict " .. dict_name .. ": " .. tostring(err)
      .. (err == "no memory" and " (full: it keeps every id for its ttl, and evicts none)" or "")
    ngx.log(ngx.ERR, "calypso.webhook.nginx_seen: ", why, "; the delivery is refused so that Calypso"
      .. " retries it: make the dict larger (see the README)")
    return nil, why
  end
  local function forget(event) dict:delete(key(event)) end
  return seen, forget
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
