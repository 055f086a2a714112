-- spec/support/shell.lua: run a shell command and get its exit status and
-- output, the same on Lua 5.1/LuaJIT (whose popen:close() reports no status)
-- and on 5.2+.
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

return M
