-- bench/luasec_client.lua: what a Lua user writes by hand without calypso:
-- luasec's ssl.https (verified TLS, a new connection per request), luaossl
-- for HMAC-SHA512 and lua-cjson.  Runs BENCH_SECONDS; prints calls per second.
local cjson = require "cjson"
local hmac = require "openssl.hmac"
local https = require "ssl.https"
local ltn12 = require "ltn12"
local socket = require "socket"

local key, secret = os.getenv("BENCH_KEY"), os.getenv("BENCH_SECRET")
local account = os.getenv("BENCH_ACCOUNT")
local url = os.getenv("BENCH_BASE_URL") .. "/api/v1/customer-purse/customer/create"

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function create()
  local body = cjson.encode{
    account = account, timestamp = math.floor(socket.gettime() * 1000),
    payload = { email = "ada@example.com", description = "bench" },
  }
  local out = {}
  local ok, status = https.request{
    url = url, method = "POST", source = ltn12.source.string(body), sink = ltn12.sink.table(out),
    headers = {
      ["Content-Type"] = "application/json", ["Accept"] = "application/json",
      ["Content-Length"] = tostring(#body), ["Key"] = key,
      ["Sign"] = hex(hmac.new(secret, "sha512"):final(body)),
    },
    verify = "peer", cafile = os.getenv("BENCH_CAFILE"), protocol = "any",
    options = { "all", "no_sslv2", "no_sslv3" },
  }
  assert(ok and status == 200, "status " .. tostring(status))
  return cjson.decode(table.concat(out))
end

create()
local n, started = 0, socket.gettime()
while socket.gettime() - started < tonumber(os.getenv("BENCH_SECONDS")) do
  create()
  n = n + 1
end
print(n / (socket.gettime() - started))
