-- spec/many_accounts_spec.lua: one API key that acts for two accounts (the
-- emulator's account and other_account, both in user.current's
-- availableAccounts).  The per-call `account` option names the account an
-- envelope carries; calls for the two, interleaved, go over one
-- connection on every transport (spec/support/transports.lua), each
-- account sees only its own objects, a keyed create's read-back asks the
-- create's account, and the hooks, the log and calypso.meta say which
-- account each call was for.
local calypso = require "calypso"
local emulator = require "support.emulator"
local transports = require "support.transports"

local config = dofile("emulator/lua/emulator/config.lua")
local A, B = config.account, config.other_account

describe("many accounts on one key", function()
  local emu, t
  setup(function()
    emu = emulator.start()
    t = transports.start(emu)
  end)
  teardown(function()
    t:stop()
    emu:stop()
  end)
  before_each(function() emu:reset() end)

  -- The envelope account and connection of each API request the emulator saw, in order.
  local function seen()
    local out = {}
    for _, r in ipairs(emu:stats().recent) do
      out[#out + 1] = { account = r.body:match('^{"account":"(0x%x+)"'), connection = r.connection,
                        path = r.path }
    end
    return out
  end

  for _, name in ipairs(transports.names) do
    describe("on the " .. name .. " transport", function()
      it("makes calls for both accounts, interleaved on one connection, each seeing its own", function()
        local ka, kb = calypso.uuid4(), calypso.uuid4()
        local invoice = { amount = "10", currency = "USDT", description = "two accounts" }
        local answers = t:run(name, { record = true }, {
          { row = "invoice.create_single", params = invoice, opts = { idempotency_key = ka } },
          { row = "invoice.create_single", params = invoice, opts = { idempotency_key = kb, account = B } },
          { row = "account.get", params = nil, opts = { account = B } },
          { row = "account.get", params = nil },
          { row = "invoice.get", params = { idempotencyKey = kb } },                    -- A asks for B's
          { row = "invoice.get", params = { idempotencyKey = kb }, opts = { account = B } },
          { row = "invoice.get", params = { idempotencyKey = ka }, opts = { account = B } }, -- B asks for A's
          { row = "invoice.get", params = { idempotencyKey = ka }, opts = { account = A } },
        })
        local created_a, created_b = answers[1].result, answers[2].result
        assert.is_table(created_a, answers[1].err and answers[1].err.message)
        assert.is_table(created_b, answers[2].err and answers[2].err.message)
        assert.are_not.equal(created_a.id, created_b.id)
        assert.are.equal(B, answers[3].result.account)
        assert.are.equal(A, answers[4].result.account)
        assert.are.equal("004", answers[5].err.code)
        assert.are.equal(created_b.id, answers[6].result.id)
        assert.are.equal("004", answers[7].err.code)
        assert.are.equal(created_a.id, answers[8].result.id)

        -- What went out: each envelope named the account asked for, all on one connection.
        local wire = seen()
        assert.are.equal(8, #wire)
        local accounts = {}
        for i, r in ipairs(wire) do
          accounts[i] = r.account
          assert.are.equal(wire[1].connection, r.connection, "request " .. i .. " on another connection")
        end
        assert.are.same({ A, B, B, A, A, B, B, A }, accounts)

        -- What the hooks and calypso.meta said.
        for i, want in ipairs{ A, B, B, A, A, B, B, A } do
          for _, event in ipairs(answers[i].events) do
            if event.hook == "on_request" or event.hook == "on_response" then
              assert.are.equal(want, event.account, "call " .. i .. "'s " .. event.hook)
            elseif event.hook == "log" then
              assert.truthy(event.message:find(" account=" .. want, 1, true), event.message)
            end
          end
          if answers[i].meta then assert.are.equal(want, answers[i].meta.account, "call " .. i) end
        end
      end)

      it("reads a keyed create back from the account it was made for", function()
        local key = calypso.uuid4()
        local params = { amount = "7.5", currency = "USDT", description = "read back for B" }
        local answers = t:run(name, { record = true }, {
          { row = "invoice.create_single", params = params, opts = { idempotency_key = key, account = B } },
          { row = "invoice.create_single", params = params, opts = { idempotency_key = key, account = B } },
        })
        local first, again = answers[1].result, answers[2].result
        assert.is_table(first, answers[1].err and answers[1].err.message)
        assert.is_table(again, answers[2].err and answers[2].err.message)
        assert.are.equal(first.id, again.id)
        assert.is_true(answers[2].meta.read_back)
        assert.are.equal(B, answers[2].meta.account)
        local wire = seen() -- the create, the create met with 016, its read-back: all B's
        local create = "/api/v1/invoice/single/create"
        assert.are.same({ create, create, "/api/v1/invoice" }, { wire[1].path, wire[2].path, wire[3].path })
        assert.are.same({ B, B, B }, { wire[1].account, wire[2].account, wire[3].account })
      end)
    end)
  end

  describe("the account option", function()
    local client
    setup(function() client = emu:client() end)
    teardown(function() client:close() end)

    for _, c in ipairs{
      { "not an account", "0x12", "option 'account' must be \"0x\" followed by 40 hex digits" },
      { "a number", 42, "option 'account' must be a string" },
      { "an account with a space", " " .. B, "option 'account' must be" },
    } do
      it("raises at the caller's line and sends nothing for " .. c[1], function()
        local before = emu:stats().received
        local line = debug.getinfo(1, "l").currentline + 1 -- the create's
        local ok, err = pcall(function() local r = client.customer.create({}, { account = c[2] })
                                         return r end)
        assert.is_false(ok)
        assert.truthy(err:find(c[3], 1, true), err)
        assert.truthy(err:find("many_accounts_spec.lua:" .. line .. ":", 1, true), err)
        assert.are.equal(before, emu:stats().received)
      end)
    end

    it("raises for an endpoint whose envelope names no account, and sends nothing", function()
      local before = emu:stats().received
      assert.has_error(function() client.user.current(nil, { account = B }) end,
        "calypso: user.current takes no account: its envelope names none")
      assert.has_error(function() client.rate.crypto({}, { account = B }) end,
        "calypso: rate.crypto takes no account: its envelope names none")
      local ok, err = pcall(client.call, client, "/api/v1/user/current", nil,
                            { envelope = "bare", account = B })
      assert.is_false(ok)
      assert.truthy(err:find("needs an envelope that names an account", 1, true), err)
      assert.are.equal(before, emu:stats().received)
    end)

    it("lists both accounts in user.current, and refuses an account the key does not have", function()
      local user = assert(client.user.current())
      local listed = {}
      for _, a in ipairs(user.availableAccounts) do listed[#listed + 1] = a.account end
      assert.are.same({ A, B }, listed)
      local _, err = client.account.get(nil, { account = "0x" .. ("9"):rep(40) })
      assert.are.equal("001", err.code)
    end)

    it("takes the account in client:call and client.async, and tostring shows no secret", function()
      local mine = assert(client:call("/api/v1/account", nil, { envelope = "account", account = B }))
      assert.are.equal(B, mine.account)
      assert.are.equal(B, calypso.meta(mine).account)
      local req = assert(client.async.account.get(nil, { account = B }))
      assert.are.equal(B, assert(req:wait()).account)
      local async_call = assert(client.async.call("/api/v1/account", nil,
                                                  { envelope = "account", account = B }))
      assert.are.equal(B, assert(async_call:wait()).account)
      assert.are.equal(A, assert(client.account.get()).account)
    end)
  end)
end)
