-- tls_clock_spec.lua: a server certificate that is not yet valid (from
-- 2099, signed by the trusted throwaway CA, for the right name) fails the
-- handshake with kind "tls" and a hint to check this machine's clock, not
-- the cafile, on each of the three transports.
local emulator = require "support.emulator"
local s_server = require "support.s_server"
local transports = require "support.transports"

describe("a certificate not yet valid by this machine's clock", function()
  local emu, t, server

  setup(function()
    emu = emulator.start()
    t = transports.start(emu)
    server = s_server.start(("-cert %s/future.pem -key %s/server.key -www"):format(emu.dir, emu.dir))
  end)

  teardown(function()
    if server then server:stop() end
    t:stop()
    emu:stop()
  end)

  -- Eight handshakes each: nginx's sslhandshake reports a failed
  -- verification two ways (returned, or asserted inside lua-resty-core, about
  -- one in four here), and both must give the clock hint.
  for _, name in ipairs(transports.names) do
    it("is a tls error that points at the clock (" .. name .. ")", function()
      local options = { base_url = "https://127.0.0.1:" .. server.port, max_retries = 0, timeout = 5 }
      local calls = {}
      for i = 1, 8 do calls[i] = { path = "/api/v1/customer-purse/customer/create", payload = {} } end
      for i, answer in ipairs(t:run(name, options, calls)) do
        assert.are.equal("tls", answer.err.kind, i)
        assert.are.equal("tls_clock", answer.err.cause, i)
        local message = answer.err.message
        assert.truthy(message:find("check the system clock (NTP) first", 1, true), message)
        assert.is_false(answer.err.request_sent)
      end
    end)
  end
end)
