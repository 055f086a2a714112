--- The keyed read-back: what a create with an idempotency key returns when
-- an attempt meets "already exists" (016).  The object the key names is
-- fetched (the row's `fetch`, see calypso.rows), and it is this call's
-- result only if it is this call's object: its key is the key sent, and
-- every field the call set that the object carries agrees with what was
-- sent (each field by its type's agree: amounts by exact decimal value, so
-- 10 and 10.00 agree and 10.000000000000000001 does not; dates by instant;
-- lists of codes as sets), and what the row implies (an unlimited invoice
-- create's object is no SINGLE invoice); fields the server may change after
-- the create (a fiat invoice's crypto amount) are not compared.  A client
-- that decodes numbers as doubles (exact_numbers = false) compares amounts
-- to a double's precision.  Otherwise the key was used for something else
-- (what Stripe calls an idempotency error): the call fails with kind
-- "idempotency", `err.idempotency_key` and the object found as
-- `err.existing`, and is not retried.  Both client.lua paths (the blocking
-- and cosocket calls, and client.async) take their verdict from settle().
-- @module calypso.readback
-- @local
local core = require "calypso.core"
local observe = require "calypso.observe"

local M = {}

--- The params of the fetch that reads back row's object by key.
function M.params(row, key)
  if row.fetch_list then return nil end
  return { [row.fetch_by or row.key] = key }
end

local function same_key(a, b)
  return type(a) == "string" and type(b) == "string" and a:lower() == b:lower()
end

-- A value for a message: short, and never a whole object.
local function shown(v)
  if v == nil or v == core.null then return "none" end
  if type(v) == "table" then return #v > 0 and "a list" or "an object" end
  if type(v) == "string" then
    return '"' .. (#v > 40 and v:sub(1, 37) .. "..." or v) .. '"'
  end
  if type(v) == "number" then return (core.number_text(v)) or tostring(v) end -- every digit
  return tostring(v)
end

-- What err.existing shows of the object found: a copy without what is
-- secret (another subscription's secretKey).
local function existing(object)
  if object.secretKey == nil then return object end
  local out = {}
  for k, v in pairs(object) do out[k] = v end
  out.secretKey = "[redacted]"
  return out
end

local function conflict(label, key, field, sent, object, err, fetch_attempts)
  local words = field and ("its " .. field .. " is " .. shown(object[field]) .. ", this call's "
    .. shown(sent)) or "it is another object"
  return nil, core.error("idempotency", label .. ": idempotency key " .. key .. " already names"
    .. " another object (" .. words .. ")", {
    idempotency_key = key, existing = existing(object), field = field, code = err.code, status = err.status,
    attempts = (err.attempts or 0) + fetch_attempts, retryable = false, maybe_applied = false,
    request_sent = true,
    hint = "a key names one operation: send a fresh key for a new one, and the same key only to"
      .. " repeat the same call",
  })
end

--- The call's outcome after its 016 (err) and the fetch (answer or
-- fetch_err): the object, with calypso.meta covering the whole call (the
-- create's attempts since `started` included); or the 016 with
-- fetch_error (the object could not be read); or an idempotency error.
-- c is the call (its label and the checked payload it sent), key its key;
-- lossy: the client decodes numbers as doubles.
function M.settle(row, c, key, err, started, answer, fetch_err, lossy)
  local label = c.label
  if answer == nil then
    err.fetch_error = fetch_err
    return nil, err
  end
  local meta = observe.meta(answer)
  local fetch_attempts = meta and meta.attempts or 1
  local object = answer
  if row.fetch_list then
    object = nil
    local list = type(answer) == "table" and answer[row.fetch_list]
    for _, item in ipairs(type(list) == "table" and list or {}) do
      if type(item) == "table" and same_key(item[row.key], key) then
        object = item
        break
      end
    end
    if object == nil then
      err.fetch_error = core.error("api", row.fetch .. " lists no object whose " .. row.key .. " is "
        .. key, { status = 200, attempts = fetch_attempts, retryable = false, maybe_applied = false })
      return nil, err
    end
  end
  if type(object) ~= "table" or not same_key(object[row.key], key) then
    return conflict(label, key, row.key, key, type(object) == "table" and object or {}, err, fetch_attempts)
  end
  local payload = c.payload
  if row.volatile then -- not compared: the server may change them after the create
    payload = {}
    for k, v in pairs(c.payload) do payload[k] = v end
    for _, name in ipairs(row.volatile) do payload[name] = nil end
  end
  local agrees, field = row.body.agree(payload, object, lossy)
  if not agrees then return conflict(label, key, field, payload[field], object, err, fetch_attempts) end
  for name, value in pairs(row.implies or {}) do
    if object[name] ~= nil and object[name] ~= core.null and object[name] ~= value then
      return conflict(label, key, name, value, object, err, fetch_attempts)
    end
  end
  observe.read_back(object, key, err.attempts, started, answer)
  return object
end

return M
