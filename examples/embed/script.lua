-- script.lua: the game-side script examples/embed/host.c runs.  It creates a
-- customer, then updates it, without ever blocking the host's frame loop:
-- the host waits on watch()'s descriptors, then calls frame().
-- Settings come from CALYPSO_API_KEY, CALYPSO_API_SECRET, CALYPSO_ACCOUNT,
-- CALYPSO_BASE_URL and CALYPSO_CAFILE (calypso.default()).
local calypso = require "calypso"

local client = calypso.default()
local stamp = tostring(os.time())
local step = "create"
local pending = assert(client.async.customer.create{
  email = "player+" .. stamp .. "@example.com", externalId = "player-" .. stamp,
  description = "new player",
})

local game = {}

--- What the host should wait on before the next frame.
function game.watch()
  return client:fds()
end

--- One frame: move the requests on; true while there is work left.
function game.frame()
  client:poll(0)
  if not pending:done() then return true end
  local customer, err = pending:result()
  if not customer then
    error(("%s failed: %s"):format(step, err.message))
  end
  if step == "create" then
    print("created " .. customer.id .. " (" .. customer.description .. ")")
    step = "update"
    pending = assert(client.async.customer.update{ id = customer.id, description = "level 2" })
    return true
  end
  print("updated " .. customer.id .. " (" .. customer.description .. ")")
  client:close()
  return false
end

return game
