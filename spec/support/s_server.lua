-- spec/support/s_server.lua: an `openssl s_server` on a free loopback port,
-- for the TLS specs: ready once it says where it listens.
--   local server = s_server.start("-cert a.pem -key a.key -www", "env OPENSSL_CONF=x")
--   server.port ... server:stop()
local shell = require "support.shell"

local M = {}

local Server = {}
Server.__index = Server

function M.start(args, prefix)
  local pipe = assert(io.popen(("exec sh -c 'echo $$; exec %sopenssl s_server -accept 127.0.0.1:0 %s 2>&1'")
    :format(prefix and (prefix .. " ") or "", args)))
  local self = setmetatable({ pipe = pipe, pid = pipe:read("*l") }, Server)
  for line in pipe:lines() do
    self.port = line:match("^ACCEPT 127%.0%.0%.1:(%d+)")
    if self.port then break end
  end
  assert(self.port, "openssl s_server did not start")
  return self
end

function Server:stop()
  shell.run("kill " .. self.pid)
  self.pipe:close()
end

return M
