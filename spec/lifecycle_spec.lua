-- lifecycle_spec.lua: a client survives collection, double close and errors,
-- and never shows its secret.
local calypso = require "calypso"
local emulator = require "support.emulator"
local testsys = require "testsys"

describe("client lifecycle", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)

  it("closes twice without complaint and then refuses to call", function()
    local client = emu:client()
    client:close()
    client:close()
    assert.are.equal("calypso.Client (closed)", tostring(client))
    assert.has_error(function() client.customer.create{} end, "calypso: the client is closed")
    assert.has_error(function() client:call("/api/v1/x", {}) end, "calypso: the client is closed")
    assert.has_error(function() client.async.customer.create{} end, "calypso: the client is closed")
  end)

  it("says so at the caller's line, not inside the library", function()
    local client = emu:client()
    client:close()
    for _, call in ipairs{ -- (not tail calls: those leave no line to point at)
      function() local r = client.customer.create{} return r end,
      function() local r = client:call("/api/v1/x", {}) return r end,
      function() local r = client.async.customer.create{} return r end,
      function() local r = client.async.call("/api/v1/x", {}) return r end,
      function() local r = client.transaction.each{ customerId = "c" } return r end,
    } do
      local ok, message = pcall(call)
      assert.is_false(ok)
      assert.truthy(message:find("^spec/lifecycle_spec%.lua:%d+: calypso: the client is closed$"), message)
    end
  end)

  it("still validates before noticing it is closed", function()
    local client = emu:client()
    client:close()
    local result, err = client.customer.create{ email = 42 }
    assert.is_nil(result)
    assert.are.equal("validation", err.kind)
  end)

  it("is collected with its connection when nothing refers to it", function()
    local cores = setmetatable({}, { __mode = "k" })
    for _ = 1, 20 do
      local client = emu:client()
      assert(client.customer.create{})
      cores[client._core] = true
    end
    collectgarbage()
    collectgarbage()
    assert.is_nil(next(cores))
    local fresh = emu:client()
    assert.is_table(fresh.customer.create{})
    fresh:close()
  end)

  it("closes through its __close metamethod", function()
    local client = emu:client()
    getmetatable(client).__close(client)
    assert.are.equal("calypso.Client (closed)", tostring(client))
  end)

  it("is closed by a to-be-closed variable where the runtime has them", function()
    local compile = loadstring or load -- Lua 5.1's load takes a function
    local chunk = compile("local client = ...; do local c <close> = client end; return tostring(client)")
    assert.are.equal(_VERSION == "Lua 5.4", chunk ~= nil) -- syntax only Lua 5.4 has
    if chunk then assert.are.equal("calypso.Client (closed)", chunk(emu:client())) end
  end)

  it("is reused after a timeout, an api error, a decode error and a validation error", function()
    local client = emu:client{ timeout = 1.5 }
    emu:fault{ mode = "stall", seconds = 4 }
    assert.are.equal("timeout", select(2, client.customer.create{}).kind)
    assert.are.equal("api", select(2, client.customer.update{
      id = "00000000-0000-4000-8000-000000000000", description = "x" }).kind)
    emu:fault{ mode = "not_json" }
    assert.are.equal("decode", select(2, client.customer.create{}).kind)
    assert.are.equal("validation", select(2, client.customer.create{ email = 1 }).kind)
    local customer, err = client.customer.create{ email = "ada@example.com" }
    assert.is_nil(err)
    assert.are.equal("ada@example.com", customer.email)
    client:close()
  end)
end)

describe("the secret", function()
  local SECRET = "b823a6b9ea72408583cef9ec8d67fa52"

  -- Every string reachable from v through tables, metatables and upvalues.
  local function strings(v, seen, out)
    seen, out = seen or {}, out or {}
    if type(v) == "string" then
      out[#out + 1] = v
    elseif (type(v) == "table" or type(v) == "function") and not seen[v] then
      seen[v] = true
      if type(v) == "table" then
        for k, x in pairs(v) do
          strings(k, seen, out)
          strings(x, seen, out)
        end
        strings(getmetatable(v), seen, out)
      else
        for i = 1, math.huge do
          local name, x = debug.getupvalue(v, i)
          if not name then break end
          if name ~= "_ENV" then strings(x, seen, out) end
        end
      end
    end
    return out
  end

  it("is not held by any Lua value reachable from the client", function()
    local client = calypso.new{ key = emulator.key, secret = SECRET, account = emulator.account }
    local found = strings(client)
    assert.is_true(#found > 5) -- the walk did reach the namespaces
    for _, s in ipairs(found) do assert.is_nil(s:find(SECRET, 1, true)) end
    client:close()
  end)

  describe("read by the core itself", function()
    local emu, dir

    setup(function()
      emu = emulator.start()
      dir = emu.dir
    end)
    teardown(function() emu:stop() end)

    local function write(name, text)
      local f = assert(io.open(dir .. "/" .. name, "wb"))
      f:write(text)
      f:close()
      return dir .. "/" .. name
    end

    -- { what, file contents }: each must sign as the secret itself does.
    for _, row in ipairs{
      { "a file holding just the secret", emulator.secret },
      { "a file that ends with a newline", emulator.secret .. "\n" },
      { "a file that ends with CR LF", emulator.secret .. "\r\n" },
    } do
      it("signs from secret_file: " .. row[1], function()
        local client = emu:client{ secret = emulator.NONE, secret_file = write("secret", row[2]) }
        local customer, err = client.customer.create{}
        assert.is_nil(err)
        assert.are.equal(36, #customer.id)
        client:close()
      end)
    end

    it("refuses a secret_file with more whitespace, naming the option, never the secret", function()
      local ok, message = pcall(emu.client, emu, { secret = emulator.NONE,
        secret_file = write("padded", " " .. emulator.secret .. "\n\n") })
      assert.is_false(ok)
      assert.truthy(message:find("calypso.new: the secret from secret_file has whitespace", 1, true))
      assert.is_nil(message:find(emulator.secret, 1, true))
    end)

    it("signs from secret_env", function()
      testsys.setenv("CALYPSO_SPEC_SECRET", emulator.secret)
      local client = emu:client{ secret = emulator.NONE, secret_env = "CALYPSO_SPEC_SECRET" }
      testsys.setenv("CALYPSO_SPEC_SECRET", nil)
      assert.is_table(client.customer.create{}) -- the key was set at calypso.new
      client:close()
    end)

    it("is left in the environment by the default client, never copied into Lua", function()
      local options = require "calypso.options"
      local env = { CALYPSO_API_KEY = emulator.key, CALYPSO_ACCOUNT = emulator.account,
                    CALYPSO_API_SECRET = SECRET }
      local opts = assert(options.from_env(function(name) return env[name] end,
        function(name) return env[name] ~= nil end))
      assert.is_nil(opts.secret)
      assert.are.equal("CALYPSO_API_SECRET", opts.secret_env)
      for _, s in ipairs(strings(opts)) do assert.is_nil(s:find(SECRET, 1, true)) end
    end)
  end)

  it("is not in tostring of the client, which names account and base URL", function()
    local client = calypso.new{ key = emulator.key, secret = SECRET, account = emulator.account }
    local text = tostring(client)
    assert.is_nil(text:find(SECRET, 1, true))
    assert.is_nil(text:find(emulator.key, 1, true))
    assert.truthy(text:find(emulator.account, 1, true))
    assert.truthy(text:find("https://api.calypso.finance", 1, true))
    client:close()
  end)
end)
