-- spec/support/shell.lua: run a shell command and get its exit status and
-- output, the same on Lua 5.1/LuaJIT (whose popen:close() reports no status)
-- and on 5.2+.  M.lua runs a Lua 5.4 script of this tree with the given
-- environment (the CALYPSO_* variables otherwise cleared).  M.background
-- runs a command beside the test, M.until_true waits for what it prints.
local M = {}

function M.quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- Returns ok (exit status 0), output (stdout and stderr together).
function M.run(cmd)
  local pipe = assert(io.popen("(" .. cmd .. ") 2>&1; echo \"shell-exit:$?\""))
  local out = pipe:read("*a")
  pipe:close()
  local status = tonumber(out:match("shell%-exit:(%d+)%s*$"))
  return status == 0, (out:gsub("shell%-exit:%d+%s*$", ""))
end

-- Runs lua5.4 with args, the tree's modules on its paths, every CALYPSO_*
-- variable of ours cleared and then env's set; returns ok, output.
function M.lua(env, args)
  local prefix = "env -u CALYPSO_API_KEY -u CALYPSO_API_SECRET -u CALYPSO_ACCOUNT"
    .. " -u CALYPSO_BASE_URL -u CALYPSO_CAFILE -u CALYPSO_LOG"
  for name, value in pairs(env) do prefix = prefix .. " " .. name .. "=" .. M.quote(value) end
  return M.run(prefix .. " LUA_PATH='lua/?.lua;lua/?/init.lua;;'"
    .. " LUA_CPATH='build/?.so;;' lua5.4 " .. args)
end

local function read(path)
  local f = io.open(path)
  if not f then return "" end
  local text = f:read("*a")
  f:close()
  return text
end

--- Polls until f() is true: a readiness check, `seconds` (20) at most;
-- raises naming `what` when it never is.
function M.until_true(f, what, seconds)
  local socket = require "socket"
  local stop_at = socket.gettime() + (seconds or 20)
  while not f() do
    if socket.gettime() > stop_at then error("gave up waiting for " .. what, 2) end
    socket.sleep(0.02)
  end
end

--- Starts the shell command cmd in the background, its output (stdout and
-- stderr) to a file; returns a handle: pid, text() (the output so far) and
-- wait() (its exit status, once it has exited).
function M.background(cmd)
  local out = os.tmpname()
  local script = ("(%s) >%s 2>&1 & echo $! >%s.pid; wait $!; echo \"exit:$?\" >>%s")
    :format(cmd, out, out, out)
  assert(os.execute("sh -c " .. M.quote(script) .. " 2>/dev/null &")) -- not its "Killed"
  local h = { out = out }
  M.until_true(function() return read(out .. ".pid"):find("%d") end, "the pid of " .. cmd)
  h.pid = tonumber(read(out .. ".pid"):match("%d+"))
  function h.text() return read(out) end
  function h.wait()
    M.until_true(function() return read(out):find("exit:%d+") end, "the exit of " .. cmd)
    return tonumber(read(out):match("exit:(%d+)"))
  end
  return h
end

return M
