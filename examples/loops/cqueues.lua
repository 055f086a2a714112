-- examples/loops/cqueues.lua: three customers created at once inside a
-- cqueues controller, each call reading like a blocking one while the
-- controller runs the others (and anything else it has).  Credentials as
-- for the default client: CALYPSO_API_KEY, CALYPSO_API_SECRET,
-- CALYPSO_ACCOUNT, and the optional CALYPSO_BASE_URL and CALYPSO_CAFILE.
--    lua5.4 examples/loops/cqueues.lua
local calypso = require "calypso"
local cqueues = require "cqueues"

local client = calypso.new{
  key = os.getenv("CALYPSO_API_KEY"),
  secret_env = "CALYPSO_API_SECRET", -- read in C: the secret never becomes a Lua string
  account = os.getenv("CALYPSO_ACCOUNT"),
  base_url = os.getenv("CALYPSO_BASE_URL"),
  cafile = os.getenv("CALYPSO_CAFILE"),
  loop = "cqueues",
}

local cq = cqueues.new()
for i = 1, 3 do
  cq:wrap(function()
    local customer, err = client.customer.create{ email = "loop" .. i .. "@example.com" }
    if customer then print("created " .. customer.id .. " " .. customer.email)
    else print("failed: " .. tostring(err)) end
  end)
end
assert(cq:loop())
client:close()
