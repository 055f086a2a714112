-- sandbox_nginx_spec.lua: the sandbox from an OpenResty app, as a user runs
-- one: the sandbox started by `calypso sandbox start --env` under a private
-- home (0700), and an nginx whose workers run as nobody, trusting
-- $CALYPSO_CAFILE with lua_ssl_trusted_certificate and calling through
-- cosockets (spec/support/nobody.conf).  The CA must be readable by those
-- workers, the sandbox's keys not.
local openresty = require "support.openresty"
local shell = require "support.shell"

describe("the sandbox from an nginx whose workers run as nobody", function()
  local root = select(2, shell.run("pwd")):gsub("%s+$", "")
  local base, cli, env, server

  setup(function()
    assert(select(2, shell.run("id -u")):match("^0"),
      "this spec runs nginx workers as nobody: run it as root")
    base = select(2, shell.run("mktemp -d")):gsub("%s+$", "") -- 0700, as a home is
    assert(shell.run("mkdir -m 700 " .. base .. "/home " .. base .. "/shop"))
    cli = "cd " .. base .. "/shop && env -u XDG_RUNTIME_DIR -u CALYPSO_SANDBOX_DIR HOME=" .. base .. "/home "
      .. root .. "/bin/calypso "
    local ok, out = shell.run(cli .. "sandbox start --env")
    assert(ok, out)
    env = {}
    for name, value in out:gmatch("export (CALYPSO_[%u_]+)='([^']*)'") do env[name] = value end
    server = openresty.start({ port = env.CALYPSO_BASE_URL:match(":(%d+)$"), cafile = env.CALYPSO_CAFILE },
      "spec/support/nobody.conf")
  end)

  teardown(function()
    if server then server:stop() end
    if cli then shell.run(cli .. "sandbox stop") end
    if base then shell.run("rm -rf " .. base) end
  end)

  for _, c in ipairs{ { "/account", "through cosockets" },
                      { "/blocking", "through the blocking transport" } } do
    it("lets its workers make their client and reach the sandbox " .. c[2], function()
      -- (a worker that died would leave the connection unanswered: hence --max-time)
      local ok, out = shell.run("curl -sS --fail --max-time 10 " .. server.url .. c[1])
      assert(ok, out .. server:log():sub(-2000))
      assert.are.equal("account " .. env.CALYPSO_ACCOUNT .. "\n", out)
      assert.is_nil(server:log():find("Permission denied", 1, true), server:log())
      assert.is_nil(server:log():find("init_worker_by_lua error", 1, true), server:log())
    end)
  end

  it("runs those workers as nobody, with the CA readable and the sandbox's keys private", function()
    local _, pids = shell.run("pgrep -u nobody -f 'nginx: worker process'")
    assert.truthy(pids:find("%d"), "no nginx worker runs as nobody")
    local as_nobody = "su -s /bin/sh nobody -c "
    assert(shell.run(as_nobody .. shell.quote("cat " .. env.CALYPSO_CAFILE .. " >/dev/null")))
    local _, dirs = shell.run("ls -d " .. base .. "/home/.cache/calypso-sandboxes/*/")
    local dir = dirs:match("(%S+)/")
    assert.is_false((shell.run(as_nobody .. shell.quote("cat " .. dir .. "/ca.key"))))
  end)
end)
