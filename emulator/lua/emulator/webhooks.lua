-- webhooks.lua: deliveries to the webhook subscriptions
-- (merchant/subscriptions.lua), as Calypso documents them: an HTTP POST of
-- the envelope {requestId, id, createdDate, level, service, eventType, data}
-- with headers Key (the subscription's publicKey) and Sign (HMAC-SHA512 hex
-- of the exact body with its secretKey).  A delivery that fails (no 2xx, a
-- refused connection, a timeout) is retried on the documented schedule;
-- more than 100 errors within 10 minutes with no success block the
-- subscription (blockedByErrorCount).  Every attempt is recorded.  A
-- subscription's deliveries go one at a time, in the order of their events
-- (the docs promise no order; in order is what a receiver's test wants).
--   M.emit(service, eventType, data)    one event, to every subscriber
--   M.list()                            every delivery and its attempts
--   M.events(since)                     every event made after number since,
--                                       subscribed to or not (the last 1000)
--   M.redeliver(id)                     send delivery id's event once more
--   M.set_time_scale(x)                 every wait times x (tests: 0.01)
--   M.set_faults{duplicate, out_of_order, late}   faults for a receiver's test:
--       every delivery sent `duplicate` more times (the same bytes), later
--       ones overtaking earlier ones of a subscription (out_of_order), each
--       first sent `late` seconds after its event (by the sandbox's clock)
-- Receivers: http:// or https:// (verified against the system's CAs) on an
-- address or localhost; the emulator has no resolver for other names.
local cjson = require("cjson").new()
local clock = require "emulator.clock"
local hmac = require "emulator.hmac"
local ids = require "emulator.ids"
local money = require "emulator.money"
local state = require "emulator.state"

local M = {}

-- Seconds before retry n.  Documented: the first five (30, 60, 90, 150,
-- 240), the last (125430, about 34 h) and the count (19).  The thirteen
-- between are the emulator's choice: a geometric climb from 240 to 125430.
M.schedule = { 30, 60, 90, 150, 240 }
for n = 6, 18 do M.schedule[n] = math.floor(240 * (125430 / 240) ^ ((n - 5) / 14) + 0.5) end
M.schedule[19] = 125430

M.block_errors, M.block_window = 100, 600 -- more than 100 errors in 10 minutes, no success
M.timeout = 5                             -- seconds a receiver has to answer

-- Every wait is multiplied by this (1 unless a test compresses time).
local function scale()
  local x = state.get_number("webhook_time_scale")
  return x > 0 and x or 1
end

function M.set_time_scale(x)
  if type(x) ~= "number" or x <= 0 then return nil, "time_scale must be a positive number" end
  state.set_number("webhook_time_scale", x)
  return { time_scale = x }
end

local function subscriptions() return state.get_json("subscriptions") or {} end

local function listed(list, value)
  for _, v in ipairs(list or {}) do if v == value then return true end end
  return false
end

-- Does the subscription ask for this event?  Both lists empty: everything.
local function wants(sub, service, event_type)
  local events, services = sub.notificationEventTypes or {}, sub.notificationServiceTypes or {}
  if #events == 0 and #services == 0 then return true end
  return listed(events, event_type) or listed(services, service)
end

local function save(d) state.put_json("delivery:" .. d.id, d) end
local function load(id) return state.get_json("delivery:" .. tostring(id)) end

-- POSTs body to url; the status, or nil and what went wrong.
local function post(url, body, headers)
  local scheme, host, port, path = url:match("^(https?)://([^/:]+):?(%d*)(.*)$")
  if not scheme then return nil, "not an http(s) URL" end
  -- Never a byte that would end the request line (subscriptions refuse them too).
  if url:find("[%c%s]") then return nil, "a URL with a space or a control byte" end
  port = tonumber(port) or (scheme == "https" and 443 or 80)
  if path == "" then path = "/" end
  local sock = ngx.socket.tcp()
  sock:settimeout(M.timeout * 1000)
  local ok, err = sock:connect(host == "localhost" and "127.0.0.1" or host, port)
  if not ok then return nil, "connect: " .. tostring(err) end
  if scheme == "https" then
    ok, err = sock:sslhandshake(nil, host, true)
    if not ok then
      sock:close()
      return nil, "TLS: " .. tostring(err)
    end
  end
  local head = { "POST " .. path .. " HTTP/1.1", "Host: " .. host .. ":" .. port,
                 "Content-Type: application/json", "Content-Length: " .. #body, "Connection: close",
                 "User-Agent: calypso-emulator" }
  for name, value in pairs(headers) do head[#head + 1] = name .. ": " .. value end
  ok, err = sock:send(table.concat(head, "\r\n") .. "\r\n\r\n" .. body)
  if not ok then
    sock:close()
    return nil, "send: " .. tostring(err)
  end
  local line
  line, err = sock:receive("*l")
  sock:close()
  if not line then return nil, "receive: " .. tostring(err) end
  local status = tonumber(line:match("^HTTP/1%.[01] (%d%d%d)"))
  if not status then return nil, "not an HTTP answer: " .. line:sub(1, 80) end
  return status
end

-- Counts an error against the subscription; blocks it past the rule.
local function count_error(request_id, failed)
  local subs = subscriptions()
  local sub = subs[request_id]
  if not sub then return end
  local now = ngx.now()
  local window = M.block_window -- wall-clock time, even when retries are compressed
  sub.errorTimes = sub.errorTimes or {}
  if not failed then
    sub.errorTimes = {}
  else
    local kept = {}
    for _, t in ipairs(sub.errorTimes) do if now - t <= window then kept[#kept + 1] = t end end
    kept[#kept + 1] = now
    sub.errorTimes = kept
    if #kept > M.block_errors and not sub.blocked then
      sub.blocked = true
      sub.blockedByErrorCount = #kept
    end
  end
  state.put_json("subscriptions", subs)
end

local attempt, schedule

-- The receiver-test faults set_faults armed (none by default, and none
-- after a reset, which clears the state).
local NO_FAULTS = { duplicate = 0, out_of_order = false, late = 0 }
local function faults() return state.get_json("webhook_faults") or NO_FAULTS end

--- Arms faults for the deliveries to come (see the banner); {} clears them.
function M.set_faults(f)
  local armed = { duplicate = tonumber(f.duplicate) or 0, out_of_order = f.out_of_order == true,
                  late = tonumber(f.late) or 0 }
  if armed.duplicate < 0 or armed.duplicate > 10 or armed.duplicate ~= math.floor(armed.duplicate) then
    return nil, "duplicate must be a whole number from 0 to 10"
  end
  if armed.late < 0 then return nil, "late must be a number of seconds, 0 or more" end
  state.put_json("webhook_faults", armed)
  return armed
end

-- The subscription's queue of delivery ids; the head is the one in flight.
local function queue(request_id) return state.get_json("queue:" .. request_id) or {} end

-- Queues delivery d; starts it if nothing of its subscription is in flight.
-- Out of order: it goes ahead of those waiting (next after the one in flight).
local function enqueue(d)
  local q = queue(d.requestId)
  if faults().out_of_order and #q >= 2 then table.insert(q, 2, d.id) else q[#q + 1] = d.id end
  state.put_json("queue:" .. d.requestId, q)
  if #q == 1 then schedule(d, faults().late) end
end

-- Delivery d is over (delivered, failed, blocked): the next one goes.
local function dequeue(d)
  local q = queue(d.requestId)
  if q[1] == d.id then table.remove(q, 1) end
  state.put_json("queue:" .. d.requestId, q)
  local next_one = q[1] and load(q[1])
  if next_one then schedule(next_one, next_one.attempts[1] and 0 or faults().late) end
end

-- Schedules delivery d's next attempt after `seconds` (scaled) from now,
-- or from `from` (the sandbox's time of the attempt just made, when the
-- clock caught up), due by the sandbox's clock at due_at; a fresh token
-- makes any timer set before a no-op.
schedule = function(d, seconds, from)
  d.token, d.due_at = ids.hex(16), (from or clock.now()) + seconds
  save(d)
  local ok, err = ngx.timer.at(seconds * scale(), attempt, d.id, d.token)
  if not ok then
    d.state = "failed"
    d.attempts[#d.attempts + 1] = { at = ids.iso(), error = "no timer: " .. tostring(err) }
    save(d)
    dequeue(d)
  end
end

-- token: the delivery's current one, so that a timer left from before a
-- reset (which reuses ids), from a finished delivery, or from before the
-- clock moved the attempt on (catch_up) does nothing.
attempt = function(premature, id, token, at)
  if premature then return end
  local d = load(id)
  if not d or d.token ~= token or (d.state ~= "pending" and d.state ~= "retrying") then return end
  local sub = subscriptions()[d.requestId]
  if not sub or sub.blocked then
    d.state = sub and "blocked" or "unsubscribed"
    save(d)
    dequeue(d)
    return
  end
  local status, err = post(d.url, d.body, { Key = d.key, Sign = d.sign })
  local ok = status and status >= 200 and status < 300
  d.attempts[#d.attempts + 1] = { at = ids.iso(), status = status, error = err }
  count_error(d.requestId, not ok)
  local retries = #d.attempts - 1
  if ok or retries >= #M.schedule then
    d.state, d.next_in = ok and "delivered" or "failed", nil
    save(d)
    return dequeue(d)
  end
  d.state = "retrying"
  d.next_in = M.schedule[retries + 1]
  save(d)
  schedule(d, d.next_in, at)
end

-- A delivery record for one subscriber, sent at once.
local function deliver(sub, event, body)
  local n = state.count("deliveries")
  local d = { id = n, eventId = event.id, requestId = sub.requestId, url = sub.url,
              eventType = event.eventType, service = event.service, body = body, key = sub.publicKey,
              sign = hmac.sha512_hex(sub.secretKey, body), attempts = {}, state = "pending",
              token = ids.hex(16) }
  save(d)
  enqueue(d)
  return d
end

-- The event log (M.events): each event made, numbered from 1, the last
-- EVENTS_KEPT of them.
local EVENTS_KEPT = 1000
local function log_event(service, event_type, data)
  local n = state.count("events")
  state.put_json("event:" .. n, { n = n, service = service, eventType = event_type, data = data })
  state.delete("event:" .. (n - EVENTS_KEPT))
end

--- The events made after number `since` (0: all kept), oldest first, and
-- the number of the last one made.
function M.events(since)
  local last, out = state.get_number("events"), {}
  for n = math.max(since or 0, last - EVENTS_KEPT) + 1, last do
    out[#out + 1] = state.get_json("event:" .. n)
  end
  return out, last
end

--- One event to every subscriber that asks for it; returns the deliveries' ids.
function M.emit(service, event_type, data, level)
  local made = {}
  data.type = data.type or event_type -- "every event's data also carries type"
  log_event(service, event_type, data)
  for _, sub in pairs(subscriptions()) do
    if not sub.blocked and wants(sub, service, event_type) then
      local event = { requestId = sub.requestId, id = state.count("event_id"),
                      createdDate = ids.event_time(), level = level or "INFO",
                      service = service, eventType = event_type, data = data }
      local d = deliver(sub, event, money.unmark(cjson.encode(event)))
      made[#made + 1] = d.id
      for _ = 1, faults().duplicate do made[#made + 1] = M.redeliver(d.id).id end -- the same bytes
    end
  end
  return made
end

--- The clock moved on: every retry now due is made, in order, until none
-- is (a dead receiver meets all of its retries at once); returns how many
-- attempts were made.
function M.catch_up()
  local made = 0
  for _ = 1, 100000 do
    local due
    for id = 1, state.get_number("deliveries") do
      local d = load(id)
      if d and (d.state == "retrying" or d.state == "pending") and d.due_at and d.due_at <= clock.now() then
        due = d
        break
      end
    end
    if not due then break end
    attempt(false, due.id, due.token, due.due_at) -- made as if at its time
    made = made + 1
  end
  return made
end

--- Every delivery, oldest first.
function M.list()
  local out = {}
  for id = 1, state.get_number("deliveries") do
    local d = load(id)
    if d then
      d.attempts = money.list(d.attempts)
      d.sign, d.token, d.due_at = nil, nil, nil -- what was sent, but not the Sign: no listing carries one
      out[#out + 1] = d
    end
  end
  return out
end

--- Sends delivery id's event again, byte for byte (a replay, as an
-- attacker with a captured delivery would): a new delivery record.
function M.redeliver(id)
  local d = load(id)
  if not d then return nil, "no delivery " .. tostring(id) end
  local sub = subscriptions()[d.requestId]
  if not sub then return nil, "the subscription is gone" end
  local again = { eventId = d.eventId, eventType = d.eventType, service = d.service }
  local n = state.count("deliveries")
  again.id, again.requestId, again.url, again.body, again.key, again.sign =
    n, d.requestId, d.url, d.body, d.key, d.sign
  again.attempts, again.state, again.replay_of, again.token = {}, "pending", d.id, ids.hex(16)
  save(again)
  enqueue(again)
  return { id = n }
end

return M
