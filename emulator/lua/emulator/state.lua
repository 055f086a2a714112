-- state.lua: everything the emulator remembers, in one nginx shared dict so
-- that the API and the control endpoints see the same thing.  Customers are
-- stored as JSON under "customer:<id>".
local cjson = require("cjson").new()

local dict = ngx.shared.calypso_emulator
local M = {}

-- Forgets everything but the generation, which counts the resets: a
-- request that began before one (a stalled one, say) may see that its run
-- is over (M.generation) and leave no trace in the next.
function M.reset()
  local generation = dict:get("generation") or 0
  dict:flush_all()
  dict:flush_expired() -- flush_all only marks items expired; this frees them
  dict:set("generation", generation + 1)
end

function M.generation() return dict:get("generation") or 0 end

function M.count(name, by) return dict:incr(name, by or 1, 0) end

function M.get_number(name) return dict:get(name) or 0 end

function M.set_number(name, value) dict:set(name, value) end

function M.put_json(name, value) dict:set(name, cjson.encode(value)) end

function M.get_json(name)
  local raw = dict:get(name)
  return raw and cjson.decode(raw) or nil
end

function M.delete(name) dict:delete(name) end

return M
