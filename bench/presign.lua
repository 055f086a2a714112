-- bench/presign.lua: the body and Sign of one create, stamped now, for wrk
-- (valid for the server's 3-minute window).  Prints two lines.
local calypso = require "calypso"
local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"),
}
local body, sign = client:envelope({ email = "ada@example.com", description = "bench" })
print(body)
print(sign)
