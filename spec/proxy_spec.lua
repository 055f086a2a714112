-- proxy_spec.lua: the `proxy` option, the same on all three transports: a
-- call goes through an HTTP CONNECT tunnel (a real tinyproxy on loopback),
-- TLS is still verified end to end, a proxy that refuses the tunnel is a
-- network error before anything was sent, and without the option the
-- environment's https_proxy and friends are ignored.
local emulator = require "support.emulator"
local proxy = require "support.proxy"
local testsys = require "testsys"
local transports = require "support.transports"

local CREATE = "/api/v1/customer-purse/customer/create"
local ENV_PROXIES = { "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "http_proxy" }

describe("the proxy option", function()
  local emu, over, open, closed

  setup(function()
    emu = emulator.start()
    over = transports.start(emu)
    open = proxy.start{ allow_port = tonumber(emu.port) }
    closed = proxy.start{ allow_port = 443 } -- refuses CONNECT to the emulator
  end)

  teardown(function()
    closed:stop()
    open:stop()
    over:stop()
    emu:stop()
  end)

  for _, name in ipairs(transports.names) do
    describe("over the " .. name .. " transport", function()
      it("tunnels through the proxy, and TLS is verified end to end", function()
        local before = #open:connects()
        local answer = over:run(name, { proxy = open.url, max_retries = 0 },
          { { path = CREATE, payload = { description = "through the proxy" } } })[1]
        assert.is_nil(answer.err)
        assert.are.equal("through the proxy", answer.result.description)
        local connects = open:connects()
        assert.are.equal(before + 1, #connects)
        assert.truthy(connects[#connects]:find(":" .. emu.port .. "$"), connects[#connects])
      end)

      it("is a network error, with nothing sent, when the proxy refuses the tunnel", function()
        local received = emu:stats().received
        local answer = over:run(name, { proxy = closed.url, max_retries = 0 }, { { path = CREATE } })[1]
        assert.is_nil(answer.result)
        assert.are.equal("network", answer.err.kind)
        assert.are.equal("connect", answer.err.cause)
        assert.is_false(answer.err.request_sent)
        assert.is_false(answer.err.maybe_applied)
        assert.are.equal(received, emu:stats().received)
      end)
    end)
  end

  describe("left unset", function()
    before_each(function()
      for _, var in ipairs(ENV_PROXIES) do testsys.setenv(var, "http://127.0.0.1:1") end
    end)
    after_each(function()
      for _, var in ipairs(ENV_PROXIES) do testsys.setenv(var, nil) end
    end)

    for _, name in ipairs{ "blocking", "async" } do
      it("ignores the environment's proxy variables on the " .. name .. " transport", function()
        local answer = over:run(name, { max_retries = 0 }, { { path = CREATE } })[1]
        assert.is_nil(answer.err)
        assert.are.equal(36, #answer.result.id)
      end)
    end
  end)
end)
