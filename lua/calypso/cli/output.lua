--- How the `calypso` command prints: an answer's JSON as the server sent it
-- (exact numbers and all), indented on a terminal and on one line when
-- piped; errors as one line on stderr; exit statuses by error kind.
-- Our own indenter because it must keep the server's bytes (a decoder and
-- encoder pair would rewrite numbers and key order).
-- @module calypso.cli.output
-- @local
local M = {}

--- Exit statuses: 0 success, 1 a usage error (argparse's), then one per error kind
-- (8 is the sandbox's).
M.status = { validation = 2, api = 3, network = 4, timeout = 5, tls = 6, decode = 7, idempotency = 9 }

--- JSON text, indented two spaces per level; strings are copied untouched.
function M.indent(json)
  local out, depth, i, n = {}, 0, 1, #json
  local function newline() out[#out + 1] = "\n" .. ("  "):rep(depth) end
  while i <= n do
    local c = json:sub(i, i)
    if c == '"' then
      local j = i + 1
      while j <= n do
        local d = json:sub(j, j)
        if d == "\\" then j = j + 2 elseif d == '"' then break else j = j + 1 end
      end
      out[#out + 1] = json:sub(i, j)
      i = j
    elseif c == "{" or c == "[" then
      local close = c == "{" and "}" or "]"
      local k = i + 1
      while json:sub(k, k):find("^%s$") do k = k + 1 end
      if json:sub(k, k) == close then -- empty: keep {} and [] together
        out[#out + 1] = c .. close
        i = k
      else
        depth = depth + 1
        out[#out + 1] = c
        newline()
      end
    elseif c == "}" or c == "]" then
      depth = depth - 1
      newline()
      out[#out + 1] = c
    elseif c == "," then
      out[#out + 1] = ","
      newline()
    elseif c == ":" then
      out[#out + 1] = ": "
    elseif not c:find("^%s$") then
      out[#out + 1] = c
    end
    i = i + 1
  end
  return table.concat(out)
end

--- Is standard output a terminal?
function M.is_terminal()
  local ok = os.execute("test -t 1")
  return ok == true or ok == 0
end

--- Prints an answer body: indented on a terminal, else as received on one line.
function M.answer(body, pretty)
  if body == nil or body == "" then return end
  io.stdout:write(pretty and M.indent(body) or (body:gsub("\n", "")), "\n")
end

-- What makes a rerun safe, after an error that may have been applied.
local function rerun_advice(err, row)
  local key = err.idempotency_key
  if err.code == "016" and err.fetch_error and key and row and row.fetch then
    return "calypso: what idempotency key " .. key .. " names exists, but reading it back failed ("
      .. tostring(err.fetch_error.message) .. "): rerun with --idempotency-key " .. key .. " to get it,"
      .. " without making another\n"
  end
  if not err.maybe_applied then return nil end
  if key and row and row.fetch then
    return "calypso: the request may have been applied. Its idempotency key is " .. key .. ": rerun with"
      .. " --idempotency-key " .. key .. " to get what it made, without making another\n"
  elseif key then
    return "calypso: the request may have been applied. Its idempotency key is " .. key .. "; this call"
      .. " cannot be read back, so check before you send it again\n"
  end
  return "calypso: the request may have been applied, and it has no idempotency key: check before you"
    .. " send it again, or it may be applied twice\n"
end

--- Prints an error to stderr, and what makes a rerun safe when the
-- request may have been applied; returns its exit status.  row: the
-- endpoint's (nil for call).
function M.failure(err, row)
  io.stderr:write(tostring(err), "\n") -- "calypso api error (HTTP 400, code 003): ... [trace ...]"
  local advice = rerun_advice(err, row)
  if advice then io.stderr:write(advice) end
  return M.status[err.kind] or 1
end

return M
