-- bench/micro.lua: nanoseconds per client:envelope(payload): envelope, JSON
-- (lua-cjson), HMAC-SHA512 and hex, as every call pays them, with no
-- network.  `lua micro.lua body` prints the body instead, so that
-- hmac_raw.c can sign exactly the same bytes.
local calypso = require "calypso"
local core = require "calypso.core"

local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"),
}
local payload = { email = "ada@example.com", description = "bench" }

if arg[1] == "body" then
  io.write((client:envelope(payload)))
  return
end

local n = tonumber(os.getenv("BENCH_ITERATIONS"))
for _ = 1, math.floor(n / 10) do client:envelope(payload) end -- warm-up
local started = core.monotonic()
for _ = 1, n do client:envelope(payload) end
print((core.monotonic() - started) / n * 1e9)
