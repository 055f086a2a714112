-- spec/unit/rockspec_spec.lua: the rockspecs install every module there is
-- (a Lua file under lua/calypso, every C file under src), and the
-- development rockspec is the release one but for its version.
local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

-- The rockspec's fields, as LuaRocks reads them: a Lua chunk of assignments.
local function load_rockspec(path)
  local env = {}
  local chunk = assert((loadstring or load)(read(path), "=" .. path, "t", env))
  if setfenv then setfenv(chunk, env) end
  chunk()
  return env
end

local function listing(cmd)
  local names, pipe = {}, assert(io.popen(cmd))
  for line in pipe:lines() do names[#names + 1] = line end
  pipe:close()
  table.sort(names)
  return names
end

describe("the rockspecs", function()
  local release = load_rockspec("calypso-0.1.0-1.rockspec")

  it("install every Lua module under lua/calypso", function()
    local listed = {}
    for name, source in pairs(release.build.modules) do
      if type(source) == "string" then listed[#listed + 1] = source end
      if type(source) == "string" then
        local expected = name == "calypso" and "lua/calypso/init.lua"
          or "lua/" .. name:gsub("%.", "/") .. ".lua"
        assert.are.equal(expected, source)
      end
    end
    table.sort(listed)
    assert.are.same(listing("ls lua/calypso/*.lua lua/calypso/*/*.lua"), listed)
  end)

  it("build every C file under src into calypso.core", function()
    local sources = {}
    for i, s in ipairs(release.build.modules["calypso.core"].sources) do sources[i] = s end
    table.sort(sources)
    assert.are.same(listing("ls src/*.c"), sources)
  end)

  it("say what LuaRocks shows: a license, Lua (and no rock Debian gives), the command", function()
    assert.are.equal("MIT", release.description.license)
    assert.are.same({ "lua >= 5.1, < 5.5" }, release.dependencies)
    assert.are.same({ calypso = "bin/calypso" }, release.build.install.bin)
  end)

  it("differ only in version between release and scm", function()
    local scm = read("calypso-scm-1.rockspec"):gsub("^.-\nrockspec_format", "rockspec_format")
    local rel = read("calypso-0.1.0-1.rockspec"):gsub("^.-\nrockspec_format", "rockspec_format")
    assert.are.equal(rel:gsub('version = "0%.1%.0%-1"', 'version = "scm-1"'), scm)
  end)
end)
