-- bench/module.lua: sequential client.customer.create calls through calypso
-- for BENCH_SECONDS (or exactly BENCH_CALLS of them: bench/lua-share); prints
-- calls per second.  Every call is validated, stamped, signed, sent, checked
-- and decoded: the real path.
-- BENCH_CORE=1: the same creates with the Lua layer taken out, the core
-- client's own attempt (client._core, private) called with the row's path
-- and a fresh payload: still built, stamped, signed, sent, judged
-- (outcome.c) and decoded, but no row checks, retry policy, watch or
-- calypso.meta.  Row 1f: what the C core and its libraries cost.
local calypso = require "calypso"
local core = require "calypso.core"

local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"), base_url = os.getenv("BENCH_BASE_URL"),
  cafile = os.getenv("BENCH_CAFILE"),
}
local params = { email = "ada@example.com", description = "bench" }
local create = client.customer.create
if os.getenv("BENCH_CORE") == "1" then
  local attempt, core_client = client._core.attempt, client._core
  local path = require("calypso.endpoints").customer.create.path
  create = function() -- a fresh payload each call, as the row's checked copy is
    return attempt(core_client, path, { email = "ada@example.com", description = "bench" }, 10000)
  end
end
local seconds = tonumber(os.getenv("BENCH_SECONDS"))
local calls = tonumber(os.getenv("BENCH_CALLS"))
assert(create(params)) -- connect and handshake before the clock starts
if calls then
  for _ = 1, calls do assert(create(params)) end
  return
end
local n, started = 0, core.monotonic()
local stop_at = started + seconds
repeat
  for _ = 1, 50 do assert(create(params)) end
  n = n + 50
until core.monotonic() >= stop_at
print(n / (core.monotonic() - started))
