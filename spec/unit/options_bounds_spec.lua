-- spec/unit/options_bounds_spec.lua: calypso.options is the one place a
-- number option's bounds are said (M.bounds), and the core takes at least
-- them.  Every bound calypso.new accepts, the core accepts too; one past it
-- is refused by calypso.new saying why, never by the core's backstop
-- ("invalid (make clients with calypso.new ...)", which named no reason:
-- connect_timeout = 0.0001 and 1e10, timeout = 1e-4 reached it).  The
-- same holds for a call's own options, up to the core's attempt.
local calypso = require "calypso"
local options = require "calypso.options"

describe("the bounds of the number options", function()
  local base = { key = "k", secret = "s", account = "0x" .. ("ab"):rep(20), base_url = "https://127.0.0.1:9" }
  local function with(name, value)
    local opts = {}
    for k, v in pairs(base) do opts[k] = v end
    opts[name] = value
    return opts
  end

  local bounded = {}
  for _, name in ipairs(options.names()) do
    if options.bounds(name) then bounded[#bounded + 1] = name end
  end

  it("cover every number option", function()
    for _, name in ipairs(options.names()) do
      local rule_type = options.bounds(name) and "number"
      if name:find("timeout") or name:find("^max_") or name == "deadline" or name == "clock_offset_ms" then
        assert.are.equal("number", rule_type, name)
      end
    end
    assert.is_true(#bounded >= 9)
  end)

  for _, name in ipairs(bounded) do
    it("of " .. name .. ": the core takes both ends, calypso.new refuses past them, saying why", function()
      local min, max, whole = options.bounds(name)
      for _, v in ipairs{ min, max } do
        local ok, client = pcall(calypso.new, with(name, v))
        assert(ok, tostring(client))
        client:close()
      end
      local step = whole and 1 or min / 2
      for _, v in ipairs{ min - step, max + (whole and 1 or max) } do
        local ok, err = pcall(calypso.new, with(name, v))
        assert.is_false(ok, name .. " = " .. v)
        local said = tostring(err)
        assert.truthy(said:find("calypso.new: option '" .. name .. "' must be", 1, true), said)
        assert.is_nil(tostring(err):find("make clients with calypso.new", 1, true))
      end
    end)
  end

  it("of a call's timeout and deadline: the core's attempt takes both ends", function()
    local client = calypso.new(with("max_retries", 0))
    for _, name in ipairs{ "timeout", "deadline" } do
      local min, max = options.bounds(name, true)
      for _, v in ipairs{ min, max } do
        local result, err = client:call("/api/v1/account", {}, { [name] = v, envelope = "account" })
        assert.is_nil(result)
        assert.truthy(err.kind == "network" or err.kind == "timeout", tostring(err)) -- port 9: nothing there
      end
      local ok, problem = pcall(client.call, client, "/api/v1/account", {}, { [name] = min / 2 })
      assert.is_false(ok)
      local said = tostring(problem)
      assert.truthy(said:find("'" .. name .. "' must be a number of seconds from 0.001", 1, true), said)
    end
    client:close()
  end)
end)
