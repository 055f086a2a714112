-- spec/support/proxy.lua: a real HTTP CONNECT proxy on loopback (Debian's
-- tinyproxy), for the `proxy` option's tests.
--   local p = proxy.start{ allow_port = emu.port }  -- CONNECT only to that port
--   p.url                        -- "http://127.0.0.1:<port>"
--   p:connects() -> { "127.0.0.1:22136", ... }   the CONNECT targets it was asked for
--   p:stop()
local socket = require "socket"
local shell = require "support.shell"

local M = {}

local Proxy = {}
Proxy.__index = Proxy

local function ready(port)
  for _ = 1, 100 do -- bounded polling until it accepts, not a fixed sleep
    local conn = socket.connect("127.0.0.1", port)
    if conn then
      conn:close()
      return true
    end
    socket.sleep(0.05)
  end
  return false
end

function M.start(opts)
  local ok, dir = shell.run("mkdir -p build/proxy && mktemp -d \"$PWD/build/proxy/run.XXXXXX\"")
  assert(ok, dir)
  local self = setmetatable({ dir = dir:gsub("%s+$", "") }, Proxy)
  self.log_file = self.dir .. "/proxy.log"
  for _ = 1, 20 do
    self.port = 20000 + math.random(0, 12000)
    local f = assert(io.open(self.dir .. "/proxy.conf", "w"))
    f:write(("Port %d\nListen 127.0.0.1\nTimeout 30\nLogFile %q\nLogLevel Connect\n"
      .. "PidFile %q\nMaxClients 50\nAllow 127.0.0.1\nConnectPort %d\n"):format(
      self.port, self.log_file, self.dir .. "/proxy.pid", opts.allow_port))
    f:close()
    self.pipe = assert(io.popen("exec sh -c 'echo $$; exec tinyproxy -d -c "
      .. self.dir .. "/proxy.conf 2>&1'"))
    self.pid = self.pipe:read("*l")
    if ready(self.port) then
      self.url = "http://127.0.0.1:" .. self.port
      return self
    end
    shell.run("kill " .. self.pid)
    self.pipe:close()
  end
  error("tinyproxy did not start")
end

function Proxy:connects()
  local f = io.open(self.log_file, "rb")
  local text = f and f:read("*a") or ""
  if f then f:close() end
  local targets = {}
  for target in text:gmatch("Request %(file descriptor %d+%): CONNECT (%S+) HTTP/1%.1") do
    targets[#targets + 1] = target
  end
  return targets
end

function Proxy:stop()
  shell.run("kill " .. self.pid)
  self.pipe:close()
  shell.run("rm -rf " .. self.dir)
end

return M
