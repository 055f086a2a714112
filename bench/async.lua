-- bench/async.lua: client.async.customer.create with BENCH_IN_FLIGHT (16)
-- requests in flight for BENCH_SECONDS: as one finishes the next starts.
-- Prints calls per second; with BENCH_CALLS, makes exactly that many and
-- prints nothing (bench/run counts their instructions).  By default
-- (client.async's) HTTP/1.1 on as many connections as requests in flight;
-- BENCH_HTTP2=1: HTTP/2, one connection.
local calypso = require "calypso"
local core = require "calypso.core"

local in_flight = tonumber(os.getenv("BENCH_IN_FLIGHT") or "16")
local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"), base_url = os.getenv("BENCH_BASE_URL"),
  cafile = os.getenv("BENCH_CAFILE"), max_connections = in_flight,
  http2 = os.getenv("BENCH_HTTP2") == "1",
}
local seconds = tonumber(os.getenv("BENCH_SECONDS"))
local calls = tonumber(os.getenv("BENCH_CALLS"))
local params = { email = "ada@example.com", description = "bench" }

local reqs = {}
local function start(i) reqs[i] = assert(client.async.customer.create(params)) end

-- Warm up: open the connections and handshake before the clock starts.
for i = 1, in_flight do start(i) end
client:wait()

-- One pass over the requests: each one done is checked and, while fewer
-- than `budget` have been started in this pass, replaced by a new one.
-- Returns how many were done and how many started.
local function reap(budget)
  local done, started = 0, 0
  for i = 1, in_flight do
    local req = reqs[i]
    if req and req:done() then
      assert(req:result())
      done = done + 1
      if started < budget then
        start(i)
        started = started + 1
      else
        reqs[i] = nil
      end
    end
  end
  return done, started
end

if calls then
  local made = math.min(in_flight, calls)
  for i = 1, made do start(i) end
  while client:poll(1) > 0 or made < calls do
    local _, started = reap(calls - made)
    made = made + started
  end
  return
end

local n, started = 0, core.monotonic()
local stop_at = started + seconds
for i = 1, in_flight do start(i) end
while true do
  client:poll(1)
  local now = core.monotonic()
  n = n + reap(now < stop_at and in_flight or 0)
  if now >= stop_at and client:poll(0) == 0 then break end
end
print(n / (core.monotonic() - started))
