-- spec/support/shell.lua: run a shell command and get its exit status and
-- output, the same on Lua 5.1/LuaJIT (whose popen:close() reports no status)
-- and on 5.2+.  M.lua runs a Lua 5.4 script of this tree with the given
-- environment (the CALYPSO_* variables otherwise cleared).
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

return M
