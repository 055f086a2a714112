-- tls_hints_spec.lua: a TLS failure's words fit where it happened, so the
-- user checks the right thing: inside nginx the trust store is
-- lua_ssl_trusted_certificate (not the cafile option); a certificate that
-- does not name the IP address connected to says to use its host name; a
-- client of a local sandbox that trusts only the system store is told to
-- pass the sandbox's CA (CALYPSO_CAFILE).  The judge is outcome.c, for
-- every transport; the transport says only what it trusted.
local emulator = require "support.emulator"
local openresty = require "support.openresty"
local shell = require "support.shell"

describe("the words of a TLS failure", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)

  it("name lua_ssl_trusted_certificate inside nginx, not the cafile option", function()
    -- an nginx that trusts an unrelated CA for its cosockets
    local probe = openresty.start({ port = emu.port, cafile = emu.other_cafile }, "spec/support/probe.conf")
    local body = require("cjson").encode({ options = { max_retries = 0 },
      calls = { { path = "/api/v1/account", opts = { envelope = "account" } } } })
    local ok, out = shell.run("curl -sS --fail -H 'Content-Type: application/json' --data-binary "
      .. shell.quote(body) .. " " .. probe.url .. "/call")
    probe:stop()
    assert(ok, out)
    local err = require("cjson").decode(out)[1].err
    assert.are.equal("tls", err.kind)
    assert.truthy(err.message:find("lua_ssl_trusted_certificate", 1, true), err.message)
    assert.is_nil(err.message:find("check the cafile option", 1, true), err.message)
  end)

  for _, transport in ipairs{ "blocking", "async" } do
    local function first(client, path, opts)
      if transport == "async" then return assert(client.async.call(path, {}, opts)):wait() end
      return client:call(path, {}, opts)
    end

    it("say to use the host name when the certificate does not name the IP address (" .. transport .. ")",
      function()
      -- the wrong-host listener's certificate names wrong.invalid only
      local client = emu:client{ base_url = emu.wrong_host_url, max_retries = 0, http2 = false }
      local _, err = first(client, "/api/v1/account", { envelope = "account" })
      client:close()
      assert.are.equal("tls", err.kind)
      assert.truthy(err.message:find("does not name this IP address: connect by the host name", 1, true),
        err.message)
    end)

    it("name CALYPSO_CAFILE for a local sandbox's client that trusts only the system store ("
      .. transport .. ")", function()
      local client = emu:client{ base_url = "https://localhost:" .. emu.port, cafile = emulator.NONE,
                                 max_retries = 0, http2 = false }
      local _, err = first(client, "/api/v1/account", { envelope = "account" })
      client:close()
      assert.are.equal("tls", err.kind)
      assert.truthy(err.message:find("a local sandbox's certificate comes from its own CA", 1, true),
        err.message)
      assert.truthy(err.message:find("CALYPSO_CAFILE", 1, true), err.message)
    end)
  end
end)
