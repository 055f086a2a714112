-- hooks_nested_spec.lua: a hook that calls its own client.  A blocking
-- call keeps its request in the client's buffers while its hooks run; a
-- nested call used to overwrite them, and the outer customer.create
-- returned the inner purse call's 004.  Now the nested call is refused
-- with a clear error (logged as the hook's), the outer call sends its own
-- request and returns its own result, and the client is whole after.
-- client.async gives each request its own bytes, and an event loop each
-- call its own lane: there the nested call works.
local emulator = require "support.emulator"
local transports = require "support.transports"

describe("a hook that calls its own client", function()
  local emu
  local somebody = "0b6f1c1e-2d4b-4a79-880f-1e2d3c4b5a69"

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)
  before_each(function() emu:reset() end)

  -- A client whose on_request calls it again during a create; returns the
  -- client, what the nested calls gave, and the warn lines logged.
  local function client_with_nested_hook(opts)
    local client
    local nested, logged = {}, {}
    opts = opts or {}
    opts.logger = function(level, message) logged[#logged + 1] = level .. " " .. message end
    opts.on_request = function(info)
      if info.path:find("customer/create", 1, true) then
        local result, err = client.purse.get_all{ customerId = somebody }
        nested[#nested + 1] = result and "ok" or err.code or err.kind
      end
    end
    client = emu:client(opts)
    return client, nested, logged
  end

  it("refuses the nested call, and the outer call returns its own object", function()
    local client, nested, logged = client_with_nested_hook()
    local before = emu:stats().received
    local customer, err = client.customer.create{ description = "outer" }
    assert.is_nil(err)
    assert.are.equal("outer", customer.description)
    assert.are.same({}, nested) -- it raised inside the hook
    assert.are.equal(1, #logged, table.concat(logged, "\n"))
    assert.truthy(logged[1]:find("purse.get_all was called from a hook of its own client during a call",
      1, true), logged[1])
    assert.are.equal(before + 1, emu:stats().received) -- the create alone went out
    -- and the client is whole: its next call is sent and answered
    local again = assert(client.customer.create{ description = "second" })
    assert.are.equal("second", again.description)
    assert.are.equal("second", client.customer.update{ id = again.id, description = "second" }.description)
    client:close()
  end)

  it("lets the nested call through from client.async, the outer intact", function()
    local client, nested = client_with_nested_hook{ http2 = false }
    local req = assert(client.async.customer.create{ description = "outer" })
    local customer, err = req:wait()
    assert.is_nil(err)
    assert.are.equal("outer", customer.description)
    assert.are.same({ "004" }, nested) -- it ran, and got its own answer
    client:close()
  end)

  for _, kind in ipairs({ "cqueues", "luv" }) do
    it("lets the nested call through in a " .. kind .. " loop, the outer intact", function()
      local client, nested = client_with_nested_hook{ loop = kind }
      local customer, err
      transports.in_loop(kind, function() customer, err = client.customer.create{ description = "outer" } end)
      assert.is_nil(err)
      assert.are.equal("outer", customer.description)
      assert.are.same({ "004" }, nested)
      client:close()
    end)
  end
end)
