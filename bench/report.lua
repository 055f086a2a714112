-- bench/report.lua RAW ROUNDS SECONDS RSS_CALLS: turns bench/run's raw
-- lines ("name value") into the Markdown table of medians and ratios.
local raw, rounds, seconds, rss_calls = arg[1], arg[2], arg[3], tonumber(arg[4])

local values = {}
for line in io.lines(raw) do
  local name, value = line:match("^(%S+)%s+(%S+)$")
  values[name] = values[name] or {}
  table.insert(values[name], tonumber(value))
end

local function median_of(list)
  local v = {}
  for i, x in ipairs(list) do v[i] = x end
  table.sort(v)
  local n = #v
  return n % 2 == 1 and v[(n + 1) / 2] or (v[n / 2] + v[n / 2 + 1]) / 2
end

local function median(name) return median_of(values[name]) end

-- The median of per-round ratios: a round runs every contender back to back,
-- so each ratio compares runs made under the same machine conditions.
local function paired(a, b)
  local r = {}
  for i = 1, #values[a] do r[i] = values[a][i] / values[b][i] end
  return median_of(r)
end

local function command(cmd)
  local pipe = io.popen(cmd)
  local out = pipe:read("*a"):gsub("%s+$", "")
  pipe:close()
  return out
end

local calypso, wrk = median("calypso"), median("wrk")
local requests, luasec, floor = median("requests"), median("luasec"), median("curl_floor")
local envelope, keyed, oneshot = median("envelope_ns"), median("hmac_keyed_ns"), median("hmac_oneshot_ns")
local rss_1k, rss_n = values.rss_1k[1], values.rss_n[1]

local function row(...) print("| " .. table.concat({ ... }, " | ") .. " |") end
local function cpu(name) return ("%.0f µs"):format(median(name .. "_cpu_us")) end
local function rate(x) return ("%.0f/s"):format(x) end
local function times(x) return ((x < 0.1) and "%.3f×" or "%.2f×"):format(x) end

print("# calypso benchmark")
print()
print(("Medians of %s rounds of %s s each, one run of `make bench` on %s."):format(
  rounds, seconds, os.date("!%Y-%m-%d %H:%M UTC")))
print("A round runs every contender back to back; a ratio is the median of the rounds'")
print("own ratios, so it compares runs made while the shared machine ran at the same speed.")
print("Sequential signed creates over one HTTPS keep-alive connection to the local")
print("emulator (nginx + lua-nginx-module, one worker, loopback); client and server")
print("share the machine's cores. Rows 6 keep 16 creates in flight through `client.async`")
print("(curl multi: the core's own HTTP/1.1 by default, libcurl's HTTP/2 with `http2 = true`)")
print("against wrk with 16 connections.")
print()
row("measurement", "median", "ratio", "client CPU per call", "target")
row("---", "---", "---", "---", "---")
row("1. calypso `client.customer.create`, sequential", rate(calypso), times(paired("calypso", "wrk"))
  .. " of wrk", cpu("calypso"), "≥ 0.90× wrk")
row("1j. the same on LuaJIT", rate(median("calypso_luajit")),
  times(paired("calypso_luajit", "wrk")) .. " of wrk", cpu("calypso_luajit"), "")
row("1c. client CPU per create against wrk's", "", ("%s (Lua 5.4), %s (LuaJIT)"):format(
  times(paired("calypso_cpu_us", "wrk_cpu_us")), times(paired("calypso_luajit_cpu_us", "wrk_cpu_us"))), "",
  "≤ 1.15× wrk's")
row("1i. one create's client instructions (callgrind), Lua 5.4", ("%d"):format(median("create_ir")),
  ("%.1f%% in the Lua interpreter"):format(median("create_lua_percent")), "", "")
row("1i'. the same on LuaJIT", ("%d"):format(median("create_ir_luajit")),
  ("%.1f%% in the Lua interpreter"):format(median("create_lua_percent_luajit")), "", "")
row("1f. the core alone: its attempt in a loop (BENCH_CORE=1: no row checks, retry, watch or meta)",
  rate(median("core")), ("client CPU %s of wrk's: the rest of 1c is the Lua layer's"):format(
  times(paired("core_cpu_us", "wrk_cpu_us"))), cpu("core"), "")
row("1f'. the same on LuaJIT", rate(median("core_luajit")),
  ("client CPU %s of wrk's"):format(times(paired("core_luajit_cpu_us", "wrk_cpu_us"))), cpu("core_luajit"),
  "")
row("1fi. row 1f's client instructions (callgrind)", ("%d"):format(median("core_ir")),
  ("1i's %s"):format(times(median("core_ir") / median("create_ir"))), "", "")
row("1l. the Lua layer's own cost: a create's CPU against the core's attempt alone, in one process"
  .. " (BENCH_LAYER=1: blocks of 500 of each in turn)", "", ("%s (Lua 5.4), %s (LuaJIT)"):format(
  times(median("layer")), times(median("layer_luajit"))), "", "")
row("1w. wrk's instructions per request (callgrind; nothing to sign or decode)",
  ("%d"):format(median("wrk_ir")),
  ("calypso's 1i is %s"):format(times(median("create_ir") / median("wrk_ir"))), "", "")
row("2. wrk -t1 -c1, pre-signed body (the limit)", rate(wrk), "1.00×", cpu("wrk"), "")
row("2'. libcurl's HTTP engine, pre-built request (C)", rate(floor), times(paired("curl_floor", "wrk"))
  .. " of wrk", cpu("curl_floor"), "(why calypso does its own HTTP/1.1)")
row("3a. Python requests.Session, signed per call", rate(requests), times(paired("requests", "wrk"))
  .. " of wrk", cpu("requests"), ("calypso ≥ 5× it (now %s)"):format(times(paired("calypso", "requests"))))
row("3b. Lua luasec ssl.https + luaossl + cjson", rate(luasec), times(paired("luasec", "wrk"))
  .. " of wrk", cpu("luasec"), ("(calypso is %s it)"):format(times(paired("calypso", "luasec"))))
row("4. envelope + JSON + HMAC + hex, per call", ("%.0f ns"):format(envelope),
  times(paired("envelope_ns", "hmac_keyed_ns")) .. " of raw HMAC", "", "≤ 2× raw HMAC")
row("4'. raw OpenSSL HMAC-SHA512, keyed context reused", ("%.0f ns"):format(keyed), "1.00×", "", "")
row("4c. row 4 in instructions (callgrind: the same on a busy machine)", ("%d"):format(median("envelope_ir")),
  times(median("envelope_ir") / median("hmac_keyed_ir")) .. " of raw HMAC's", "", "≤ 1.3× raw HMAC")
row("4c'. row 4' in instructions", ("%d"):format(median("hmac_keyed_ir")), "1.00×", "", "")
row("4''. raw OpenSSL HMAC() one-shot", ("%.0f ns"):format(oneshot),
  times(paired("hmac_oneshot_ns", "hmac_keyed_ns")), "", "")
row("5. RSS after 1 000 calls", ("%d KiB"):format(rss_1k), "", "", "")
row(("5'. RSS after %d calls"):format(rss_calls), ("%d KiB"):format(rss_n),
  ("%+d KiB"):format(rss_n - rss_1k), "", "growth < 1024 KiB")
row("6. calypso `client.async`, 16 in flight, its default: HTTP/1.1 (16 connections)",
  rate(median("async16")), times(paired("async16", "wrk16")) .. " of wrk -c16", cpu("async16"),
  "≥ 1.1× wrk -c16")
row("6'. calypso `client.async`, 16 in flight, `http2 = true` (one connection)",
  rate(median("async16_http2")), times(paired("async16_http2", "wrk16")) .. " of wrk -c16",
  cpu("async16_http2"), "")
row("6i. one `client.async` create's client instructions (callgrind), HTTP/1.1",
  ("%d"):format(median("async_ir")), ("1i's %s"):format(times(median("async_ir") / median("create_ir"))),
  "", "")
row("6i'. the same with `http2 = true`", ("%d"):format(median("async_ir_http2")),
  ("1i's %s"):format(times(median("async_ir_http2") / median("create_ir"))), "", "")
row("6''. wrk -t1 -c16, pre-signed body", rate(median("wrk16")), "1.00×", cpu("wrk16"), "")
print()
print("Machine:")
print()
print("- CPU: " .. command("lscpu | sed -n 's/^Model name: *//p'") .. ", " .. command("nproc") .. " cores, "
  .. command("free -g | awk '/Mem:/ {print $2}'") .. " GiB")
print("- " .. command("uname -sr") .. ", " .. command(". /etc/os-release && echo $PRETTY_NAME"))
print("- " .. command("lua5.4 -v") .. "; " .. command("curl-config --version") .. "; "
  .. command("openssl version"))
print("- " .. command("nginx -v 2>&1") .. "; " .. command("wrk -v 2>&1 | head -1"):gsub(" %[.*", "")
  .. "; Python " .. command("/usr/bin/python3 -c 'import sys, requests;"
    .. " print(sys.version.split()[0], \"requests\", requests.__version__)'"))
