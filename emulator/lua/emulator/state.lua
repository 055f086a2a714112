-- state.lua: everything the emulator remembers, in one nginx shared dict so
-- that the API and the control endpoints see the same thing.  Customers are
-- stored as JSON under "customer:<id>".  What a merchant account owns
-- (customers, purses, invoices, payouts, exchanges, widgets, balances: the
-- OWNED prefixes) is kept per account: a request that acts for the key's
-- other account (auth.lua, or a control body's `account`) reads and writes
-- those under its own scope, so the two accounts' objects stay apart.
-- Counters, faults, the clock and webhook deliveries are the emulator's.
local cjson = require("cjson").new()
local config = require "emulator.config"

local dict = ngx.shared.calypso_emulator
local M = {}

local OWNED = { "customer:", "purse", "transaction", "invoice", "payout", "mass", "exchange:", "widget",
                "onramp-key:", "balances" }
local OTHER = "account2/" -- the other account's scope; the default account has none

-- name as stored for the account the request acts for.
local function scoped(name)
  if ngx.ctx.scope == nil then return name end
  for _, prefix in ipairs(OWNED) do
    if name:sub(1, #prefix) == prefix then return ngx.ctx.scope .. name end
  end
  return name
end

--- Acts for account (either of the key's, any case) from here on in this
--- request; nil or the default account: the default's objects.
function M.act_for(account)
  local other = type(account) == "string" and account:lower() == config.other_account:lower()
  ngx.ctx.scope = other and OTHER or nil
end

--- The account this request acts for.
function M.account()
  return ngx.ctx.scope and config.other_account or config.account
end

--- Runs f once acting for each account (a clock advance's catch-up).
function M.each_account(f)
  local before = ngx.ctx.scope
  local results = {}
  for i, scope in ipairs{ false, OTHER } do
    ngx.ctx.scope = scope or nil
    results[i] = f()
  end
  ngx.ctx.scope = before
  return results
end

--- The scope to hand a timer (timers have a context of their own), and
--- the way back into it there.
function M.scope() return ngx.ctx.scope end
function M.enter(scope) ngx.ctx.scope = scope end

-- Forgets everything but the generation, which counts the resets: a
-- request that began before one (a stalled one, say) may see that its run
-- is over (M.generation) and leave no trace in the next.
function M.reset()
  local generation = dict:get("generation") or 0
  dict:flush_all()
  dict:flush_expired() -- flush_all only marks items expired; this frees them
  dict:set("generation", generation + 1)
end

function M.generation() return dict:get("generation") or 0 end

function M.count(name, by) return dict:incr(name, by or 1, 0) end

function M.get_number(name) return dict:get(name) or 0 end

function M.set_number(name, value) dict:set(name, value) end

function M.put_json(name, value) dict:set(scoped(name), cjson.encode(value)) end

function M.get_json(name)
  local raw = dict:get(scoped(name))
  return raw and cjson.decode(raw) or nil
end

function M.delete(name) dict:delete(scoped(name)) end

return M
