-- bench/module.lua: sequential client.customer.create calls through calypso
-- for BENCH_SECONDS (or exactly BENCH_CALLS of them: bench/lua-share); prints
-- calls per second.  Every call is validated, stamped, signed, sent, checked
-- and decoded: the real path.
-- BENCH_CORE=1: the same creates with the Lua layer taken out, the core
-- client's own attempt (client._core, private) called with the row's path
-- and a fresh payload: still built, stamped, signed, sent, judged
-- (outcome.c) and decoded, but no row checks, retry policy, watch or
-- calypso.meta.  Row 1f: what the C core and its libraries cost.
-- BENCH_LAYER=1: both, in one process, in alternating blocks of 500 for
-- BENCH_SECONDS; prints the median of the blocks' CPU ratios (os.clock: a
-- create's against the core's attempt alone).  Row 1l: the Lua layer's own
-- cost, set against the core under the same machine conditions (each pair
-- of blocks within some 50 ms), not against wrk 10 s away.
local calypso = require "calypso"
local core = require "calypso.core"

local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"), base_url = os.getenv("BENCH_BASE_URL"),
  cafile = os.getenv("BENCH_CAFILE"),
}
local params = { email = "ada@example.com", description = "bench" }
local create = client.customer.create
local attempt, core_client = client._core.attempt, client._core
local path = require("calypso.endpoints").customer.create.path
local function core_create() -- a fresh payload each call, as the row's checked copy is
  return attempt(core_client, path, { email = "ada@example.com", description = "bench" }, 10000)
end
if os.getenv("BENCH_CORE") == "1" then create = core_create end
local seconds = tonumber(os.getenv("BENCH_SECONDS"))
local calls = tonumber(os.getenv("BENCH_CALLS"))
assert(create(params)) -- connect and handshake before the clock starts
if calls then
  for _ = 1, calls do assert(create(params)) end
  return
end
if os.getenv("BENCH_LAYER") == "1" then
  local function block(f) -- CPU seconds of 500 calls
    local began = os.clock()
    for _ = 1, 500 do assert(f(params)) end
    return os.clock() - began
  end
  block(core_create) -- warm both paths (and LuaJIT's traces) first
  block(create)
  local ratios, stop_at = {}, core.monotonic() + seconds
  repeat -- each pair in the other order from the last: what one block leaves (garbage) falls on both
    local own, full
    if #ratios % 2 == 0 then
      own = block(core_create)
      full = block(create)
    else
      full = block(create)
      own = block(core_create)
    end
    ratios[#ratios + 1] = full / own
  until core.monotonic() >= stop_at
  table.sort(ratios)
  print(ratios[math.floor((#ratios + 1) / 2)])
  return
end
local n, started = 0, core.monotonic()
local stop_at = started + seconds
repeat
  for _ = 1, 50 do assert(create(params)) end
  n = n + 50
until core.monotonic() >= stop_at
print(n / (core.monotonic() - started))
