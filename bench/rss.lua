-- bench/rss.lua: resident set size (KiB) after 1 000 sequential creates
-- through calypso, and after BENCH_RSS_CALLS (100 000 in a full run).
local calypso = require "calypso"

local function rss_kib()
  local f = assert(io.open("/proc/self/status"))
  local kib = tonumber(f:read("*a"):match("VmRSS:%s*(%d+)"))
  f:close()
  return kib
end

local client = calypso.new{
  key = os.getenv("BENCH_KEY"), secret = os.getenv("BENCH_SECRET"),
  account = os.getenv("BENCH_ACCOUNT"), base_url = os.getenv("BENCH_BASE_URL"),
  cafile = os.getenv("BENCH_CAFILE"),
}
local params = { email = "ada@example.com", description = "bench" }
local total = tonumber(os.getenv("BENCH_RSS_CALLS"))
for _ = 1, 1000 do assert(client.customer.create(params)) end
print(rss_kib())
for _ = 1001, total do assert(client.customer.create(params)) end
print(rss_kib())
