-- spec/support/tarantool_run.lua: calypso in a Tarantool process, with
-- loop = "tarantool" (Tarantool's Lua is LuaJIT: the core is the LuaJIT
-- build).  FILE holds {"options": {...}, "calls": [...]}, the options with
-- the emulator's credentials (options.record as spec/support/recorder.lua's).
--   tarantool spec/support/tarantool_run.lua FILE
--     the tarantool transport of spec/support/transports.lua: one client
--     makes the calls in order, in this script's fiber; the last line is
--     "ANSWERS " and the answers as JSON (spec/support/run_calls.lua)
--   tarantool spec/support/tarantool_run.lua FILE twenty
--     event_loops_spec's proof: twenty fibers each create a customer
--     (c1@example.com ... c20@example.com) while a fiber ticks every 10 ms;
--     the last line is "TWENTY " and {"elapsed": s, "max_gap": s, "ticks": n,
--     "results": [...]}, results[i] being fiber i's customer (or error)
package.path = "lua/?.lua;lua/?/init.lua;spec/support/?.lua;" .. package.path
package.cpath = "build/luajit/?.so;/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;" .. package.cpath
local calypso = require "calypso"
local cjson = require "cjson.safe"
local clock = require "clock"
local fiber = require "fiber"
local recorder = require "recorder"
local run_calls = require "run_calls"

local f = assert(io.open(arg[1], "rb"))
local request = assert(cjson.decode(f:read("*a")))
f:close()
local options, take = recorder.wrap(request.options)
options.loop = "tarantool"
local client = calypso.new(options)

local function twenty()
  local ticking, max_gap, ticks = true, 0, 0
  local last = clock.monotonic()
  fiber.create(function()
    while ticking do
      fiber.sleep(0.01)
      local now = clock.monotonic()
      max_gap, last, ticks = math.max(max_gap, now - last), now, ticks + 1
    end
  end)
  local results, finished = {}, fiber.channel(20)
  local began = clock.monotonic()
  for i = 1, 20 do
    fiber.create(function()
      local customer, err = client.customer.create{ email = "c" .. i .. "@example.com" }
      results[i] = customer or { error = tostring(err) }
      finished:put(true)
    end)
  end
  for _ = 1, 20 do finished:get() end
  local elapsed = clock.monotonic() - began
  ticking = false
  return { elapsed = elapsed, max_gap = max_gap, ticks = ticks, results = results }
end

if arg[2] == "twenty" then
  local run = twenty()
  client:close()
  io.write("TWENTY ", assert(cjson.encode(run)), "\n")
else
  local answers = run_calls(calypso, client, request.calls, take)
  client:close()
  io.write("ANSWERS ", assert(cjson.encode(answers)), "\n")
end
os.exit(0)
