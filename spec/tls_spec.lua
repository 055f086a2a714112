-- tls_spec.lua: the client's own floor under TLS, whatever OpenSSL's policy.
-- A server that offers only TLS 1.1 (openssl s_server, with the emulator's
-- certificate) is met by a client in a child process whose OPENSSL_CONF
-- allows TLS 1.0 at security level 0, as some hosts configure it: only the
-- client's own minimum (TLS 1.2) can refuse the handshake there.
local emulator = require "support.emulator"
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
  local emu, conf, server, server_pid, port

  setup(function()
    emu = emulator.start()
    conf = emu.dir .. "/loose.cnf"
    local f = assert(io.open(conf, "w"))
    f:write(LOOSE_CONF)
    f:close()
    server = assert(io.popen(("exec sh -c 'echo $$; exec env OPENSSL_CONF=%s openssl s_server"
      .. " -accept 127.0.0.1:0 -cert %s/server.pem -key %s/server.key -tls1_1"
      .. " -cipher DEFAULT@SECLEVEL=0 -www 2>&1'"):format(
      conf, emu.dir, emu.dir)))
    server_pid = server:read("*l")
    for line in server:lines() do -- ready once it says where it listens
      port = line:match("^ACCEPT 127%.0%.0%.1:(%d+)")
      if port then break end
    end
    assert(port, "openssl s_server did not start")
  end)

  teardown(function()
    if server_pid then shell.run("kill " .. server_pid) end
    if server then server:close() end
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
    ]]):format(package.path, package.cpath, port, emu.cafile, tostring(async))
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
