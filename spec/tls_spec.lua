-- tls_spec.lua: the client's own floor under TLS, whatever OpenSSL's policy.
-- A server that offers only TLS 1.1 (openssl s_server, with the emulator's
-- certificate) is met by a client in a child process whose OPENSSL_CONF
-- allows TLS 1.0 at security level 0, as some hosts configure it: only the
-- client's own minimum (TLS 1.2) can refuse the handshake there.
local emulator = require "support.emulator"
local s_server = require "support.s_server"
local shell = require "support.shell"

local LOOSE_CONF = [[
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = DEFAULT@SECLEVEL=0
]]

-- The interpreter running this suite, for the child.
local function interpreter()
  if rawget(_G, "jit") then return "luajit" end
  return "lua" .. _VERSION:match("%d+%.%d+")
end

describe("the TLS floor", function()
  local emu, conf, server

  setup(function()
    emu = emulator.start()
    conf = emu.dir .. "/loose.cnf"
    local f = assert(io.open(conf, "w"))
    f:write(LOOSE_CONF)
    f:close()
    server = s_server.start(("-cert %s/server.pem -key %s/server.key -tls1_1 -cipher DEFAULT@SECLEVEL=0"
      .. " -www"):format(emu.dir, emu.dir), "env OPENSSL_CONF=" .. conf)
  end)

  teardown(function()
    if server then server:stop() end
    emu:stop()
  end)

  -- Runs a create (blocking or async) in a child under the loose OpenSSL
  -- policy; returns the error kind it printed.
  local function child_create(async)
    local script = ([[
      package.path = %q; package.cpath = %q
      local client = require("calypso").new{ key = "k", secret = "s", account = "0x" .. ("a"):rep(40),
        base_url = "https://127.0.0.1:%s", cafile = %q, timeout = 2, max_retries = 0, http2 = false }
      local result, err
      if %s then result, err = client.async.customer.create{}:wait()
      else result, err = client.customer.create{} end
      io.write("kind=", err and err.kind or "none", "\n")
    ]]):format(package.path, package.cpath, server.port, emu.cafile, tostring(async))
    local cmd = ("env OPENSSL_CONF=%s %s -e %s"):format(conf, interpreter(), shell.quote(script))
    local ok, out = shell.run(cmd)
    assert(ok, out)
    return out:match("kind=(%w+)")
  end

  it("refuses a TLS 1.1 server on the blocking transport", function()
    assert.are.equal("tls", child_create(false))
  end)

  it("refuses a TLS 1.1 server on client.async", function()
    assert.are.equal("tls", child_create(true))
  end)
end)
