-- examples/loops/tarantool.lua: three customers created at once from three
-- Tarantool fibers; a waiting call yields its fiber to Tarantool's loop.
-- Tarantool's Lua is LuaJIT: install calypso for LuaJIT (luarocks
-- --lua-version=5.1) or point LUA_PATH and LUA_CPATH at a LuaJIT build.
-- Credentials as for the default client (CALYPSO_API_KEY, ...).
--    tarantool examples/loops/tarantool.lua
local calypso = require "calypso"
local fiber = require "fiber"

local client = calypso.new{
  key = os.getenv("CALYPSO_API_KEY"),
  secret_env = "CALYPSO_API_SECRET",
  account = os.getenv("CALYPSO_ACCOUNT"),
  base_url = os.getenv("CALYPSO_BASE_URL"),
  cafile = os.getenv("CALYPSO_CAFILE"),
  loop = "tarantool",
}

local done = fiber.channel(3)
for i = 1, 3 do
  fiber.create(function()
    local customer, err = client.customer.create{ email = "loop" .. i .. "@example.com" }
    if customer then print("created " .. customer.id .. " " .. customer.email)
    else print("failed: " .. tostring(err)) end
    done:put(true)
  end)
end
for _ = 1, 3 do done:get() end
client:close()
os.exit(0)
