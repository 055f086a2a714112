-- control.lua: the test-only endpoints under /__emulator/.
--   GET  health            {"ok":true} once the server is up
--   POST reset             forget customers, counters, faults, skew
--   GET  stats             {"received","created","max_inflight" (most API requests at once),
--                           "last":{path,body,key,sign,connection,...},
--                           "recent":[the last 20 of those, oldest first]}
--   POST fault {mode,...}  arm a fault (see faults.lua)
--   POST seed {customerId, count}  make count transactions for a customer
--                           (states and currencies cycle, one state unknown)
--   POST clock {skew_ms, date}  shift the emulator's clock, to make timestamps
--                           stale; its Date header follows unless date=false
--   POST pay_invoice {id, amount, share, mempool, outcome}   a payment of amount
--                           (or share of the invoice's: "full", "half", "double",
--                           to the digit) to the invoice (merchant/invoices.lua): the
--                           invoice as it then is; mempool=true stops at
--                           MEM_POOL_FOUND, and {id} alone
--                           then confirms it; outcome "DECLINED": it fails compliance
--   POST expire_invoice {id}  an unpaid invoice's expiration passes now
--   POST advance_payout {id, outcome}  move a payout on (merchant/payouts.lua):
--                           confirm a PENDING_CONFIRMATION one; process a CONFIRMED
--                           one: COMPLETED, or FAILED for want of funds; a mass
--                           payout: IN_PROGRESS, then COMPLETED (outcome "PARTIAL":
--                           PARTIAL)
--   POST cancel_payout {id}   cancel a payout not yet in progress
--   POST payout_verification {enabled}  new payouts wait for confirmation
--   POST expire_purse {customerId, currency}  a purse's address expires
--                           (CUSTOMER_PURSE_EXPIRED; purses.lua)
--   POST credit {currency, amount}  add to the account's balance
--   POST deposit {customerId, currency, amount, outcome, stop}  a deposit to a
--                           customer's purse, through its states (purses.lua);
--                           {transactionId, outcome} moves a stopped one on
--   POST deliveries         every webhook delivery and its attempts (webhooks.lua)
--   POST events {since}     the events made after number since (0: the last
--                           1000), subscribed to or not, and the last's number
--   POST redeliver {id}     send delivery id's bytes once more (a replay)
--   POST emit {service, eventType, data, level}  any event, to the subscribers
--   POST webhooks {time_scale}  multiply every webhook wait (tests: 0.01)
--   POST webhook_faults {duplicate, out_of_order, late}  faults for a receiver's
--                           test (webhooks.lua); {} clears them
--   POST advance {seconds}  move the sandbox's clock on (90, "15m", "2h", "1d"):
--                           invoices past their expiration expire, confirmed
--                           payouts whose executionDate came run, webhook
--                           retries that fell due are made, at once
-- stats also counts invoices, payouts, exchanges, widgets, subscriptions and
-- onramp keys made (both accounts').  A POST body may also be a calypso
-- envelope: its payload is then the body.  A body's `account`, the key's
-- other account (config.lua), acts on that account's objects.
local cjson = require("cjson").new()
local api = require "emulator.api"
local faults = require "emulator.faults"
local accounts = require "emulator.merchant.accounts"
local invoices = require "emulator.merchant.invoices"
local payouts = require "emulator.merchant.payouts"
local clock = require "emulator.clock"
local ids = require "emulator.ids"
local purses = require "emulator.purses"
local respond = require "emulator.respond"
local state = require "emulator.state"
local money = require "emulator.money"
local webhooks = require "emulator.webhooks"

-- The control body: plain JSON (curl, the specs), or a calypso envelope
-- whose payload is the body (calypso.sandbox sends through the client).
local function body_json()
  ngx.req.read_body()
  local ok, value = pcall(cjson.decode, ngx.req.get_body_data() or "{}")
  if not (ok and type(value) == "table") then return {} end
  if type(value.payload) == "table" and value.timestamp ~= nil then value = value.payload end
  state.act_for(value.account) -- {account = the key's other one}: act on that account's objects
  return value
end

local actions = {}

-- A control amount: a plain decimal ("12.5", 12.5), or nil.  Other text
-- Lua would read as a number (".5", "+1", "0x10") would not be JSON.
local function decimal(v)
  if type(v) == "number" then return v == v and v > 0 and v < math.huge and v or nil end
  if type(v) == "string" and v:find("^%d+%.?%d*$") and not v:find("%.$") and tonumber(v) > 0 then
    return v
  end
  return nil
end

function actions.health() return { ok = true } end

function actions.reset()
  state.reset()
  return { ok = true }
end

function actions.stats()
  local recent = api.recent()
  return {
    received = state.get_number("received"),
    created = state.get_number("created"),
    max_inflight = state.get_number("max_inflight"),
    invoices = state.get_number("invoices"),
    payouts = state.get_number("payouts"),
    exchanges = state.get_number("exchanges"),
    widgets = state.get_number("widgets"),
    subscriptions = state.get_number("subscriptions_made"),
    onramp_keys = state.get_number("onramp_keys"),
    dropped_after_reset = state.get_number("dropped_after_reset"), -- stalls a reset ended (faults.lua)
    held_replies = state.get_number("held_replies"), -- answers the hold_reply fault held back
    raw_after_sent = state.get_number("raw_after_sent"), -- the raw fault's second writes (faults.lua)
    last = recent[#recent] or cjson.null,
    recent = recent,
  }
end

function actions.fault()
  local ok, err = faults.arm(body_json())
  if not ok then return nil, err end
  return { ok = true }
end

function actions.seed()
  local body = body_json()
  if type(body.customerId) ~= "string" or type(body.count) ~= "number" then
    return nil, "seed needs customerId and count"
  end
  return { ids = purses.seed(body.customerId, body.count) }
end

function actions.clock()
  local body = body_json()
  state.set_number("clock_skew_ms", tonumber(body.skew_ms) or 0)
  state.set_number("date_ignores_skew", body.date == false and 1 or 0)
  return { ok = true }
end

function actions.pay_invoice()
  local body = body_json()
  if body.amount ~= nil and not decimal(body.amount) then
    return nil, "amount must be a positive plain decimal, such as 12.5"
  end
  if body.outcome ~= nil and body.outcome ~= "DECLINED" and body.outcome ~= "CONFIRMED" then
    return nil, "outcome must be CONFIRMED or DECLINED"
  end
  if body.amount ~= nil and body.share ~= nil then return nil, "give amount or share, not both" end
  return invoices.pay(body.id, body.amount, body.mempool == true, body.outcome, body.share)
end

function actions.expire_invoice()
  return invoices.expire(body_json().id)
end

function actions.advance_payout()
  local body = body_json()
  return payouts.advance(body.id, body.outcome)
end

function actions.cancel_payout()
  return payouts.cancel(body_json().id)
end

function actions.payout_verification()
  return payouts.verification(body_json().enabled == true)
end

function actions.expire_purse()
  return purses.expire(body_json())
end

function actions.credit()
  local body = body_json()
  if type(body.currency) ~= "string" or not decimal(body.amount) then
    return nil, "credit needs currency and a positive plain decimal amount"
  end
  return { currency = body.currency, amount = accounts.add(body.currency, tonumber(body.amount)) }
end

function actions.deposit()
  local body = body_json()
  if body.amount ~= nil and not decimal(body.amount) then
    return nil, "amount must be a positive plain decimal, such as 12.5"
  end
  return purses.deposit(body)
end

function actions.deliveries()
  return { deliveries = money.list(webhooks.list()) }
end

function actions.events()
  local since = tonumber(body_json().since) or 0
  local events, last = webhooks.events(since)
  return { events = money.list(events), last = last }
end

function actions.redeliver()
  return webhooks.redeliver(body_json().id)
end

function actions.emit()
  local body = body_json()
  if type(body.service) ~= "string" or type(body.eventType) ~= "string" then
    return nil, "emit needs service and eventType"
  end
  return { deliveries = money.list(webhooks.emit(body.service, body.eventType,
    type(body.data) == "table" and body.data or {}, body.level)) }
end

-- "90", "90s", "15m", "2h", "1d" -> seconds, or nil.
local function duration(v)
  if type(v) == "number" then return v > 0 and v or nil end
  local n, unit = tostring(v):match("^(%d+%.?%d*)([smhd]?)$")
  n = tonumber(n)
  if not n or n <= 0 then return nil end
  return n * ({ [""] = 1, s = 1, m = 60, h = 3600, d = 86400 })[unit]
end

function actions.advance()
  local seconds = duration(body_json().seconds)
  if not seconds then return nil, "seconds must be a positive duration: 90, 90s, 15m, 2h or 1d" end
  local offset = clock.advance(seconds)
  -- what the new time makes due: expiries, scheduled payouts, then the
  -- webhook retries (the deliveries they announced included)
  local expired, ran = 0, 0
  local function catch_up() return { invoices.catch_up(), payouts.catch_up() } end
  for _, counts in ipairs(state.each_account(catch_up)) do
    expired, ran = expired + counts[1], ran + counts[2]
  end
  return { advanced_s = offset, now = ids.iso(), invoices_expired = expired, payouts_run = ran,
           delivery_attempts = webhooks.catch_up() }
end

function actions.webhook_faults()
  return webhooks.set_faults(body_json())
end

function actions.webhooks()
  return webhooks.set_time_scale(tonumber(body_json().time_scale))
end

local M = {}

function M.handle()
  -- Read every body, even unused: over HTTP/2 nginx resets a stream whose
  -- body it answered without reading, and curl reports that as an error.
  ngx.req.read_body()
  local action = actions[ngx.var.uri:match("^/__emulator/([%w_]+)$") or ""]
  if not action then return respond.json(404, { error = "no such control" }) end
  local result, err = action()
  -- message too, so that a client (calypso.sandbox) reports why
  if not result then return respond.json(400, { error = err, message = err }) end
  return respond.json(200, result)
end

return M
