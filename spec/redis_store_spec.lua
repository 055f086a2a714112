-- redis_store_spec.lua: calypso.webhook.redis_store's password and database
-- options, inside nginx (cosockets: the probe of spec/support/probe.conf)
-- against a real redis-server that requires a password.  Each /redis-store
-- runs its stores in one worker, so a store can meet the pooled connections
-- of one made before it.
local emulator = require "support.emulator"
local openresty = require "support.openresty"
local redis = require "support.redis"
local shell = require "support.shell"
local cjson = require "cjson"

local PASSWORD = "a redis password"

describe("calypso.webhook.redis_store", function()
  local emu, probe, server

  setup(function()
    emu = emulator.start()
    server = redis.start{ password = PASSWORD }
    probe = openresty.start(emu, "spec/support/probe.conf")
  end)

  teardown(function()
    probe:stop()
    server:remove()
    emu:stop()
  end)

  -- Runs the stores ({ options, key, value } each; options get the server's
  -- port) in the probe; returns their answers.
  local function run(stores)
    for _, one in ipairs(stores) do one.options.port = server.port end
    local body = shell.quote(cjson.encode{ stores = stores })
    local ok, out = shell.run("curl -sS --fail -X POST --data-binary " .. body .. " "
      .. probe.url .. "/redis-store")
    assert(ok, out .. probe:log():sub(-2000))
    return cjson.decode(out)
  end

  it("authenticates with password and writes to the database it names", function()
    local answers = run{ { options = { password = PASSWORD, database = 3 }, key = "k:db3", value = "v3" } }
    assert.is_true(answers[1].added, answers[1].add_err)
    assert.are.equal("v3", answers[1].got)
    assert.are.equal("v3", server:cli("-n", 3, "GET", "k:db3"))
    assert.are.equal("", server:cli("-n", 0, "GET", "k:db3"))
  end)

  it("keeps each database's connections apart: a store never reuses one selected for another", function()
    local answers = run{
      { options = { password = PASSWORD, database = 4 }, key = "k:first", value = "in 4" },
      { options = { password = PASSWORD, database = 5 }, key = "k:second", value = "in 5" },
      { options = { password = PASSWORD }, key = "k:third", value = "in 0" },
    }
    for i = 1, 3 do assert.is_true(answers[i].added, answers[i].add_err) end
    assert.are.equal("in 4", server:cli("-n", 4, "GET", "k:first"))
    assert.are.equal("in 5", server:cli("-n", 5, "GET", "k:second"))
    assert.are.equal("in 0", server:cli("-n", 0, "GET", "k:third"))
    assert.are.equal("", server:cli("-n", 4, "GET", "k:second"))
  end)

  it("fails, naming auth, with a wrong password; never reuses the right one's connection for it", function()
    local answers = run{
      { options = { password = PASSWORD }, key = "k:right", value = "v" },
      { options = { password = "wrong" }, key = "k:wrong", value = "v" },
      { options = {}, key = "k:none", value = "v" },
    }
    assert.is_true(answers[1].added, answers[1].add_err)
    assert.is_nil(answers[2].added)
    assert.truthy(answers[2].add_err:find(": auth: ", 1, true), answers[2].add_err)
    assert.falsy(answers[2].add_err:find("wrong", 1, true), answers[2].add_err) -- no password in the words
    assert.is_nil(answers[3].added)
    assert.truthy(answers[3].add_err:find("NOAUTH", 1, true), answers[3].add_err)
    assert.are.equal("", server:cli("GET", "k:wrong"))
  end)

  it("fails, naming select, with a database the server does not have", function()
    local answers = run{ { options = { password = PASSWORD, database = 99 }, key = "k", value = "v" } }
    assert.is_nil(answers[1].added)
    assert.truthy(answers[1].add_err:find(": select: ", 1, true), answers[1].add_err)
  end)
end)
