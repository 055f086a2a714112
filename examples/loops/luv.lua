-- examples/loops/luv.lua: three customers created at once on libuv's loop
-- (luv: Luvit, Neovim-style hosts), each call in a coroutine of its own;
-- while a call waits, its coroutine is parked and uv.run() goes on.
-- Credentials as for the default client (CALYPSO_API_KEY, ...).
--    lua5.4 examples/loops/luv.lua
local calypso = require "calypso"
local uv = require "luv"

local client = calypso.new{
  key = os.getenv("CALYPSO_API_KEY"),
  secret_env = "CALYPSO_API_SECRET",
  account = os.getenv("CALYPSO_ACCOUNT"),
  base_url = os.getenv("CALYPSO_BASE_URL"),
  cafile = os.getenv("CALYPSO_CAFILE"),
  loop = "luv",
}

for i = 1, 3 do
  coroutine.wrap(function()
    local customer, err = client.customer.create{ email = "loop" .. i .. "@example.com" }
    if customer then print("created " .. customer.id .. " " .. customer.email)
    else print("failed: " .. tostring(err)) end
  end)()
end
uv.run()
client:close()
