-- fork_spec.lua: a client made before fork() (nginx init_by_lua, pre-forking
-- servers) never shares a connection with a child, and keeps its settings.
local emulator = require "support.emulator"
local testsys = require "testsys"

describe("a client used on both sides of fork()", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)

  -- Runs f in a child process; returns the child's exit status (0: f returned true).
  local function in_child(f)
    local pid = testsys.fork()
    if pid == 0 then
      local ok, good = pcall(f)
      testsys.exit(ok and good and 0 or 1)
    end
    return testsys.wait(pid)
  end

  it("gives the child a connection of its own and leaves the parent's intact", function()
    local client = emu:client()
    assert(client.customer.create{ description = "parent, before" })
    local parent_connection = emu:stats().last.connection

    assert.are.equal(0, in_child(function()
      local made = client.customer.create{ description = "child" }
      return made ~= nil and emu:stats().last.connection ~= parent_connection
    end))

    local after = client.customer.create{ description = "parent, after" }
    assert.is_table(after)
    assert.are.equal(parent_connection, emu:stats().last.connection)
    client:close()
  end)

  it("keeps the settings in the child: the same CA, key and limits", function()
    -- Every customer answer is longer than 64 bytes: a 200 the cap refuses
    -- proves the request passed TLS (cafile) and the Key and Sign checks.
    local client = emu:client{ max_response_bytes = 64 }
    local _, err = client.customer.create{}
    assert.are.equal("decode", err.kind)
    assert.are.equal(0, in_child(function()
      local _, child_err = client.customer.create{}
      return child_err.kind == "decode" and child_err.status == 200
    end))
    client:close()
  end)

  it("lets the child close its copy without closing the parent's", function()
    local client = emu:client()
    assert(client.customer.create{})
    local parent_connection = emu:stats().last.connection
    assert.are.equal(0, in_child(function()
      client:close()
      return tostring(client) == "calypso.Client (closed)"
    end))
    assert.is_table(client.customer.create{})
    assert.are.equal(parent_connection, emu:stats().last.connection)
    client:close()
  end)
end)
