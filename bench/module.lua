-- bench/module.lua: sequential client.customer.create calls through calypso
-- for BENCH_SECONDS (or exactly BENCH_CALLS of them: bench/lua-share); prints
-- calls per second.  Every call is validated, stamped, signed, sent, checked
-- and decoded: the real path.
local calypso = require "calypso"
local core = require "calypso.core"

local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"), base_url = os.getenv("BENCH_BASE_URL"),
  cafile = os.getenv("BENCH_CAFILE"),
}
local seconds = tonumber(os.getenv("BENCH_SECONDS"))
local calls = tonumber(os.getenv("BENCH_CALLS"))
local params = { email = "ada@example.com", description = "bench" }

assert(client.customer.create(params)) -- connect and handshake before the clock starts
if calls then
  for _ = 1, calls do assert(client.customer.create(params)) end
  return
end
local n, started = 0, core.monotonic()
local stop_at = started + seconds
repeat
  for _ = 1, 50 do assert(client.customer.create(params)) end
  n = n + 50
until core.monotonic() >= stop_at
print(n / (core.monotonic() - started))
