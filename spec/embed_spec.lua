-- embed_spec.lua: examples/embed/host.c, a C program embedding Lua 5.4 and
-- build/libcalypso.a (`make static`), creates and updates a customer on the
-- emulator from its own frame loop.  It runs from an empty directory with
-- Lua's search paths pointed nowhere, so every calypso module it loads came
-- from the library's preload chunks, not from disk.
local emulator = require "support.emulator"
local shell = require "support.shell"

describe("the embedding example (examples/embed)", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)

  -- host.c built as C (build/embed/host) and as C++ (build/embed/host-cxx).
  for _, host in ipairs{ "build/embed/host", "build/embed/host-cxx" } do
    it("creates and updates a customer with no Lua file of calypso on disk (" .. host .. ")", function()
      emu:reset()
      assert.is_true(shell.run("test -x " .. host), "make test builds " .. host)
      local ok, cwd = shell.run("pwd")
      assert.is_true(ok)
      cwd = cwd:gsub("%s+$", "")
      local empty = os.tmpname()
      os.remove(empty)
      assert.is_true(shell.run("mkdir " .. shell.quote(empty)))
      local env = {
        "PATH=/usr/bin:/bin",
        "LUA_PATH=/nonexistent/?.lua", "LUA_PATH_5_4=/nonexistent/?.lua",
        "LUA_CPATH=/nonexistent/?.so", "LUA_CPATH_5_4=/nonexistent/?.so",
        "CALYPSO_API_KEY=" .. emulator.key, "CALYPSO_API_SECRET=" .. emulator.secret,
        "CALYPSO_ACCOUNT=" .. emulator.account, "CALYPSO_BASE_URL=" .. emu.base_url,
        "CALYPSO_CAFILE=" .. emu.cafile,
      }
      for i, v in ipairs(env) do env[i] = shell.quote(v) end
      local ran, out = shell.run("cd " .. shell.quote(empty) .. " && env -i " .. table.concat(env, " ")
        .. " " .. shell.quote(cwd .. "/" .. host) .. " " .. shell.quote(cwd .. "/examples/embed/script.lua"))
      shell.run("rmdir " .. shell.quote(empty))
      assert.is_true(ran, out)

      local id = out:match("created (%x+%-%x+%-%x+%-%x+%-%x+) %(new player%)")
      assert.is_string(id, out)
      assert.truthy(out:find("updated " .. id .. " (level 2)", 1, true), out)
      local frames = tonumber(out:match("done after (%d+) frames"))
      assert.is_true(frames >= 2, out) -- two requests, each over at least one frame

      local stats = emu:stats()
      assert.are.equal(1, stats.created)
      assert.are.equal(2, stats.received)
      assert.truthy(stats.last.body:find('"description":"level 2"', 1, true))
      assert.truthy(stats.last.body:find(id, 1, true))
    end)
  end

  it("needs no lua-cjson: the core reads and writes JSON itself", function()
    local ok, out = shell.run("ldd build/embed/host")
    assert.is_true(ok, out)
    assert.is_nil(out:find("cjson", 1, true), out)
    assert.truthy(out:find("libcurl", 1, true), out)
  end)
end)
