-- bench/module.lua: sequential client.customer.create calls through calypso
-- for BENCH_SECONDS; prints calls per second.  Every call is validated,
-- stamped, signed, sent, checked and decoded: the real path.
local calypso = require "calypso"
local core = require "calypso.core"

local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"), base_url = os.getenv("BENCH_BASE_URL"),
  cafile = os.getenv("BENCH_CAFILE"),
}
local seconds = tonumber(os.getenv("BENCH_SECONDS"))
local params = { email = "ada@example.com", description = "bench" }

assert(client.customer.create(params)) -- connect and handshake before the clock starts
local n, started = 0, core.monotonic()
local stop_at = started + seconds
repeat
  for _ = 1, 50 do assert(client.customer.create(params)) end
  n = n + 50
until core.monotonic() >= stop_at
print(n / (core.monotonic() - started))
