-- uninstalled_spec.lua: the tree works without installing, from any
-- directory, with the paths `make env` prints (README, "Install").
local shell = require "support.shell"

-- The runtime running this suite, as make's LUA and as a command.
local function runtime()
  if rawget(_G, "jit") then return "luajit" end
  return "lua" .. _VERSION:match("%d+%.%d+")
end

describe("make env", function()
  it("prints absolute paths, so that calypso loads from another directory", function()
    local lua = runtime()
    local ok, line = shell.run("env -u MAKEFLAGS -u MAKELEVEL make -s env LUA=" .. lua)
    assert(ok, line)
    assert.truthy(line:find('^export LUA_PATH="/'), line)
    assert.truthy(line:find('LUA_CPATH="/', 1, true), line)
    local ran, out = shell.run("cd /tmp && " .. line:gsub("%s+$", "") .. " && " .. lua .. " -e "
      .. shell.quote('require "calypso"; print(package.searchpath("calypso", package.path))'))
    assert(ran, out)
    assert.truthy(out:find("/lua/calypso/init.lua", 1, true), out)
  end)

  it("puts the calypso command on PATH", function()
    local ok, line = shell.run("env -u MAKEFLAGS -u MAKELEVEL make -s env")
    assert(ok, line)
    local ran, out = shell.run("cd /tmp && " .. line:gsub("%s+$", "") .. " && command -v calypso"
      .. " && calypso webhook sign --secret s </dev/null")
    assert(ran, out)
    assert.truthy(out:find("/bin/calypso\n", 1, true), out)
    assert.truthy(out:find("%x+\n$"), out)
  end)
end)
