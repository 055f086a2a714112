-- spec/support/redis.lua: a real redis-server on a loopback port for one
-- spec, with no saving of its own; stop{ save = true } writes its data to
-- its folder, and start again from that folder loads it.
--   local r = redis.start()         r.port, r:cli("GET", "k"), r:stop(), r:restart()
--   redis.start{ password = "pw" }  a server that requires it (r:cli gives it)
local shell = require "support.shell"

local M = {}

local Redis = {}
Redis.__index = Redis

-- Starts redis-server on self.port; true once it answers PING (within 5 s).
local function launch(self)
  assert(shell.run(("redis-server --port %d --bind 127.0.0.1 --save '' --appendonly no --daemonize yes"
    .. " --dir %s --dbfilename dump.rdb --pidfile %s/redis.pid --logfile %s/redis.log%s")
    :format(self.port, self.dir, self.dir, self.dir,
            self.password and " --requirepass " .. shell.quote(self.password) or "")))
  return pcall(shell.until_true, function() return self:cli("PING") == "PONG" end,
               "redis-server on port " .. self.port, 5)
end

function M.start(opts)
  local _, dir = shell.run("mkdir -p build/redis && mktemp -d \"$PWD/build/redis/run.XXXXXX\"")
  local self = setmetatable({ dir = dir:gsub("%s+$", ""), password = opts and opts.password }, Redis)
  for _ = 1, 10 do -- a port below the ephemeral range; another if that one is taken
    self.port = 21000 + math.random(0, 9000)
    if launch(self) then return self end
  end
  error("redis-server did not start:\n" .. select(2, shell.run("cat " .. self.dir .. "/redis.log")))
end

--- r:cli(...) -> its output, trimmed (redis-cli --raw)
function Redis:cli(...)
  local args = {}
  for i, a in ipairs{ ... } do args[i] = shell.quote(tostring(a)) end
  local auth = self.password and "--no-auth-warning -a " .. shell.quote(self.password) .. " " or ""
  local _, out = shell.run(("redis-cli -p %d %s--raw %s"):format(self.port, auth, table.concat(args, " ")))
  return (out:gsub("%s+$", ""))
end

--- Stops the server (after writing its data to its folder, with save).
function Redis:stop(opts)
  self:cli("shutdown", opts and opts.save and "save" or "nosave")
  shell.until_true(function() return self:cli("PING") ~= "PONG" end, "redis-server to stop")
end

function Redis:restart() assert(launch(self), "redis-server did not start again") end

function Redis:remove()
  self:stop()
  shell.run("rm -rf " .. shell.quote(self.dir))
end

return M
