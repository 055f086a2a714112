-- .luacheckrc: `make lint`.  No globals anywhere; specs may use busted's.
std = "max"
max_line_length = 110
files["spec"] = { std = "+busted" }
files["lua/calypso/cosocket.lua"] = { read_globals = { "ngx" } } -- only ever loaded inside nginx
files["emulator/lua"] = { std = "luajit", globals = { "ngx" } }
files["examples/openresty"] = { std = "luajit", globals = { "ngx" } }
files["spec/support/probe.lua"] = { std = "luajit", globals = { "ngx" } } -- runs inside nginx
files["spec/support/claims_receiver.lua"] = { std = "luajit", globals = { "ngx" } } -- so does this
files["bench/wrk.lua"] = { std = "luajit", globals = { "wrk" } } -- wrk's own script API
