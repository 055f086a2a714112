-- spec/support/openresty.lua: run examples/openresty against an emulator.
--   local server = openresty.start(emu)   -- nginx with the example's config
--   openresty.start(emu, "spec/support/probe.conf")   -- or another config
--   openresty.start(emu, conf, { env = { NAME = "value" }, vars = { ["@X@"] = "y" } })
--     -- more environment for nginx, more @NAME@s to fill in
--   server.url, server:log(), server:stop()
-- It also runs spec/support/dns_server.lua for nginx's `resolver` (and a
-- silent one, @SILENT_RESOLVER@, for configs that want a resolver that never
-- answers), since
-- cosockets resolve host names only through it.  The example talks to the
-- emulator as https://localhost:<port>: nginx checks certificates by name,
-- and the emulator's certificate names localhost.
local emulator = require "support.emulator"
local shell = require "support.shell"

local M = {}

M.webhook_secret = "example-webhook-secret"

local Server = {}
Server.__index = Server

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

local function spawn(cmd) -- returns pid, first line of output
  local pipe = assert(io.popen("exec sh -c 'echo $$; exec " .. cmd .. "'"))
  local pid, line = pipe:read("*l"), pipe:read("*l")
  return pid, line, pipe
end

-- Ports below Linux's ephemeral range (32768-60999), so that no client
-- socket of the test run can be holding the one we pick.
local function free_port_guess()
  return 20000 + math.random(0, 12000)
end

function M.start(emu, conf_file, more)
  more = more or {}
  local self = setmetatable({}, Server)
  local ok, root = shell.run("pwd")
  assert(ok, root)
  root = root:gsub("%s+$", "")
  local multiarch = select(2, shell.run("gcc -print-multiarch")):gsub("%s+$", "")
  local _, dir = shell.run("mkdir -p build/openresty && mktemp -d " .. root .. "/build/openresty/run.XXXXXX")
  self.dir = dir:gsub("%s+$", "")
  assert(shell.run("mkdir -p " .. self.dir .. "/tmp"))
  self.dns_pid, self.dns_port, self.dns_pipe = spawn("lua5.4 spec/support/dns_server.lua")
  self.silent_pid, self.silent_port, self.silent_pipe = spawn("lua5.4 spec/support/dns_server.lua silent")
  local env = ("CALYPSO_API_KEY=%s CALYPSO_API_SECRET=%s CALYPSO_ACCOUNT=%s "
    .. "CALYPSO_BASE_URL=https://localhost:%s CALYPSO_CAFILE=%s CALYPSO_WEBHOOK_SECRET=%s"):format(
    emulator.key, emulator.secret, emulator.account, emu.port, emu.cafile, M.webhook_secret)
  for name, value in pairs(more.env or {}) do env = env .. " " .. name .. "=" .. shell.quote(value) end
  local started, out
  for _ = 1, 20 do
    local port = free_port_guess()
    local conf = read_file(conf_file or "examples/openresty/nginx.conf")
      :gsub("@DIR@", self.dir):gsub("@ROOT@", root):gsub("@PORT@", port)
      :gsub("@CAFILE@", emu.cafile):gsub("@RESOLVER@", "127.0.0.1:" .. self.dns_port)
      :gsub("@SILENT_RESOLVER@", "127.0.0.1:" .. self.silent_port)
      :gsub("@CJSON@", "/usr/lib/" .. multiarch .. "/lua/5.1")
      :gsub("@USER@", select(2, shell.run("id -u")):match("^0") and "user root;" or "")
    for name, value in pairs(more.vars or {}) do
      conf = conf:gsub(name, (tostring(value):gsub("%%", "%%%%")))
    end
    local f = assert(io.open(self.dir .. "/nginx.conf", "wb"))
    f:write(conf)
    f:close()
    started, out = shell.run(("env %s nginx -p %s -c %s/nginx.conf -e %s/error.log"):format(
      env, self.dir, self.dir, self.dir))
    self.url = "http://127.0.0.1:" .. port
    if started or not out:find("Address already in use", 1, true) then break end
  end
  if not started then
    self:stop()
    error("the example nginx did not start: " .. out)
  end
  -- Ready when /health answers (bounded polling, not a fixed sleep).
  local ready
  for _ = 1, 100 do
    ready = shell.run("curl -sf " .. self.url .. "/health")
    if ready then break end
    shell.run("sleep 0.05")
  end
  if not ready then
    local log = self:log()
    self:stop()
    error("the example nginx never answered:\n" .. log)
  end
  return self
end

function Server:log()
  return read_file(self.dir .. "/error.log")
end

function Server:stop()
  shell.run(("nginx -p %s -c %s/nginx.conf -s stop 2>/dev/null"):format(self.dir, self.dir))
  for _ = 1, 100 do -- the master removes its pid file as it exits
    if not io.open(self.dir .. "/nginx.pid") then break end
    shell.run("sleep 0.05")
  end
  shell.run("kill " .. self.dns_pid .. " " .. self.silent_pid)
  self.dns_pipe:close()
  self.silent_pipe:close()
  shell.run("rm -rf " .. self.dir)
end

return M
