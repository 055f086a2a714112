-- examples/customers.lua: create a customer, update it, print both.
-- Uses the module-level default client, configured from CALYPSO_API_KEY,
-- CALYPSO_API_SECRET, CALYPSO_ACCOUNT and the optional CALYPSO_BASE_URL and
-- CALYPSO_CAFILE.  `make demo` points them at the local emulator; set them
-- yourself to talk to the real API.
local calypso = require "calypso"

local function show(title, customer)
  local names = {}
  for name in pairs(customer) do names[#names + 1] = name end
  table.sort(names)
  print(title .. ":")
  for _, name in ipairs(names) do
    local value = customer[name]
    if value == calypso.null then value = "null" end
    print(string.format("  %-12s %s", name, tostring(value)))
  end
end

local function fail(what, err)
  io.stderr:write(what, " failed: ", tostring(err), "\n")
  os.exit(1)
end

local stamp = os.time()
local created, err = calypso.customer.create{
  email = "ada+" .. stamp .. "@example.com",
  description = "VIP",
  externalId = "demo-" .. stamp,
}
if not created then fail("create", err) end
show("created", created)

local updated
updated, err = calypso.customer.update{
  id = created.id,
  description = "VIP since " .. os.date("!%Y-%m-%d"),
}
if not updated then fail("update", err) end
show("updated", updated)
