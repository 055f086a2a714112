--- `calypso fixtures FILE`: a JSON file of calls run in order, where a
-- later call uses an earlier answer, as `stripe fixtures` does:
--
--    { "fixtures": [
--      { "name": "customer", "call": "customer.create", "params": { "email": "ada@example.com" } },
--      { "name": "invoice", "call": "invoice.create_single", "params": { "amount": "10.5",
--        "currency": "USDT_TRX", "description": "for ${customer.id}" } },
--      { "sandbox": "pay_invoice", "params": { "id": "${invoice.id}", "amount": "10.5" } } ] }
--
-- A step is one of: "call" (an endpoint row, "group.name", with its checks;
-- "idempotency_key" optional), "path" (client:call; "method", "envelope",
-- "list"), "trigger" (calypso.triggers; params are its overrides) or
-- "sandbox" (a simulation: pay_invoice, expire_invoice, advance_payout,
-- cancel_payout, payout_verification, expire_purse, credit, deposit,
-- advance).  "${name.field.0.id}" is an earlier named step's answer (a
-- number picks a list's item, from 0 as in JSON): a string that is only a
-- reference takes the value itself, with its type; one inside text takes
-- its text.  Numbers in the file stay the digits typed.  The whole file is
-- judged before anything is sent: its shape, each step's kind, each
-- reference to a step before it.  Calls go with the CALYPSO_* credentials,
-- or to this project's sandbox when they are unset; trigger and sandbox
-- steps need that sandbox, and the credentials then must point at it.
-- stdout: the named steps' answers, one JSON object, also when a step
-- failed (what ran before it); stderr: a line per step, and the error.
-- @module calypso.cli.fixtures
-- @local
local core = require "calypso.core"
local output = require "calypso.cli.output"
local suggest = require "calypso.suggest"
local triggers = require "calypso.triggers"
local values = require "calypso.cli.values"

local M = {}

local SIMULATIONS = { pay_invoice = true, expire_invoice = true, advance_payout = true, cancel_payout = true,
                      payout_verification = true, expire_purse = true, credit = true, deposit = true,
                      advance = true }
local KINDS = { "call", "path", "trigger", "sandbox" }
local STEP_KEYS = { name = true, params = true, call = true, path = true, trigger = true, sandbox = true,
                    method = true, envelope = true, list = true, idempotency_key = true }

--- Adds `calypso fixtures` to the argparse parser.
function M.add(parser)
  local cmd = parser:command("fixtures", "run a JSON file of calls in order; a later one uses an earlier"
    .. " answer as ${name.field}")
  cmd:argument("file", "the fixtures file (- reads stdin)")
  cmd:option("--name", "the sandbox's project, for trigger and sandbox steps (default: made from the"
    .. " working directory)")
end

-- Every ${...} in the strings of v (keys too), to f(name, path, text).
local function each_reference(v, f)
  if type(v) == "string" then
    for inner in v:gmatch("%${([^}]*)}") do f(inner) end
  elseif type(v) == "table" then
    for k, item in pairs(v) do
      each_reference(k, f)
      each_reference(item, f)
    end
  end
end

-- The steps of a decoded file, judged whole: nil and a message on the first fault.
local function judge(file)
  local steps = type(file) == "table" and (file.fixtures or (file[1] ~= nil and file))
  if type(steps) ~= "table" or steps[1] == nil then
    return nil, 'the file is {"fixtures": [steps]} or a list of steps, with one step or more'
  end
  local named = {}
  for i, step in ipairs(steps) do
    local where = "step " .. i
    if type(step) ~= "table" then return nil, where .. " is not an object" end
    for _, key in ipairs(values.sorted(step)) do
      if not STEP_KEYS[key] then return nil, where .. " has " .. tostring(key) .. ", which no step takes" end
    end
    if step.name ~= nil then
      if type(step.name) ~= "string" or not step.name:find("^[%a_][%w_]*$") then
        return nil, where .. "'s name is letters, digits and _, not starting with a digit"
      end
      if named[step.name] then
        return nil, where .. " is named " .. step.name .. ", as step " .. named[step.name] .. " is"
      end
      where = where .. " (" .. step.name .. ")"
    end
    local kind
    for _, k in ipairs(KINDS) do
      if step[k] ~= nil then
        if kind then return nil, where .. " has both " .. kind .. " and " .. k end
        kind = k
      end
    end
    if not kind then return nil, where .. " has none of call, path, trigger, sandbox" end
    local what = step[kind]
    if type(what) ~= "string" then return nil, where .. "'s " .. kind .. " is not a string" end
    if kind == "call" and not values.row(what) then
      return nil, where .. " calls " .. what .. ", which is no endpoint"
        .. suggest.words(what, values.row_names())
    elseif kind == "trigger" and not triggers.all[what] then
      return nil, where .. " triggers " .. what .. ", which is no trigger"
        .. suggest.words(what, triggers.names)
    elseif kind == "sandbox" and not SIMULATIONS[what] then
      return nil, where .. " asks the sandbox for " .. what .. ", which is none of "
        .. table.concat(values.sorted(SIMULATIONS), ", ")
    end
    if step.params ~= nil and type(step.params) ~= "table" then
      return nil, where .. "'s params is not an object"
    end
    local bad
    each_reference(step, function(inner)
      local name = inner:match("^([%a_][%w_]*)[%.%w_%-]*$")
      if bad then return end
      if not name then
        bad = "${" .. inner .. "} is not ${name.field...}"
      elseif not named[name] then
        bad = "${" .. inner .. "} names no step before it"
      end
    end)
    if bad then return nil, where .. ": " .. bad end
    step.kind = kind
    if step.name then named[step.name] = i end
  end
  return steps
end

-- The value ${inner} names in the answers so far, or nil and why.
local function lookup(answers, inner)
  local parts = {}
  for part in inner:gmatch("[^%.]+") do parts[#parts + 1] = part end
  local v = answers[parts[1]]
  for k = 2, #parts do
    local part = parts[k]
    if type(v) ~= "table" then return nil, "${" .. inner .. "}: " .. table.concat(parts, ".", 1, k - 1)
      .. " has no fields" end
    local item = v[part]
    if item == nil and part:find("^%d+$") then item = v[tonumber(part) + 1] end
    if item == nil then
      return nil, "${" .. inner .. "}: the answer has no " .. table.concat(parts, ".", 1, k)
    end
    v = item
  end
  return v
end

local function as_text(v)
  if type(v) == "number" then return (core.number_text(v)) or tostring(v) end
  if type(v) == "table" then return nil end
  return tostring(v)
end

-- v with every reference replaced; nil and why when one is missing.
local function substitute(v, answers)
  if type(v) == "string" then
    local whole = v:match("^%${([^}]*)}$")
    if whole then return lookup(answers, whole) end
    local problem
    local text = v:gsub("%${([^}]*)}", function(inner)
      local found, why = lookup(answers, inner)
      local shown = found ~= nil and as_text(found)
      if not shown then
        problem = problem or why or ("${" .. inner .. "} is an object or list: use it whole")
      end
      return shown or ""
    end)
    if problem then return nil, problem end
    return text
  elseif type(v) == "table" then
    local out = {}
    for k, item in pairs(v) do
      local key, why = substitute(k, answers)
      if key == nil then return nil, why end
      local value
      value, why = substitute(item, answers)
      if value == nil then return nil, why end
      out[key] = value
    end
    return (getmetatable(v) and setmetatable(out, getmetatable(v))) or out
  end
  return v
end

-- One step: result, err (err a calypso error, or a string for a reference).
local function run_step(step, params, client, sb)
  if step.kind == "call" then
    local _, group, name = values.row(step.call)
    local opts = step.idempotency_key and { idempotency_key = step.idempotency_key } or nil
    return client[group][name](params, opts)
  elseif step.kind == "path" then
    return client:call(step.path, params, { method = step.method, envelope = step.envelope,
      list = step.list or nil, empty = step.method == "DELETE" or nil })
  elseif step.kind == "trigger" then
    return sb:trigger(step.trigger, next(params) and params or nil)
  end
  return sb:control(step.sandbox, params)
end

local function read_file(path)
  if path == "-" then return io.stdin:read("a") end
  local f, why = io.open(path, "rb")
  if not f then return nil, why end
  local text = f:read("a")
  f:close()
  return text
end

-- The client for the calls, and the sandbox when a step needs one; nil and
-- an exit status when they cannot be had (the reason printed).
local function connect(args, steps)
  local needs_sandbox, has_calls = false, false
  for _, step in ipairs(steps) do
    local simulated = step.kind == "trigger" or step.kind == "sandbox"
    needs_sandbox, has_calls = needs_sandbox or simulated, has_calls or not simulated
  end
  if not has_calls then
    local sb, code = require("calypso.cli.sandbox").attach(args)
    if not sb then return nil, code end
    return {}, sb
  end
  return require("calypso.cli.sandbox").client(args, needs_sandbox)
end

-- The answers as one JSON object, in the order of the steps.
local function in_order(answers, order)
  local members = {}
  for _, name in ipairs(order) do
    members[#members + 1] = core.encode_object({ [name] = answers[name] }):sub(2, -2) -- "name":value
  end
  return "{" .. table.concat(members, ",") .. "}"
end

--- Runs `calypso fixtures FILE`; returns the exit status.
function M.run(args)
  local text, why = read_file(args.file)
  if not text then
    io.stderr:write("calypso: ", why, "\n")
    return 2
  end
  local steps, problem = judge(values.json(text))
  if not steps then
    io.stderr:write("calypso: ", args.file, ": ", problem, "\n")
    return 2
  end
  local client, sb = connect(args, steps)
  if not client then return sb end
  local answers, order, status = {}, {}, 0
  for i, step in ipairs(steps) do
    local label = ("step %d%s, %s %s"):format(i, step.name and " (" .. step.name .. ")" or "",
      step.kind, step[step.kind])
    local params, missing = substitute(step.params or {}, answers)
    if params == nil then
      io.stderr:write("calypso: ", label, ": ", missing, "; nothing of it was sent\n")
      status = 2
      break
    end
    local result, err = run_step(step, params, client, sb)
    if result == nil then
      io.stderr:write("calypso: ", label, " failed: ")
      status = output.failure(err, step.kind == "call" and values.row(step.call) or nil)
      break
    end
    io.stderr:write(label, ": ok\n")
    if step.name then answers[step.name], order[#order + 1] = result, step.name end
  end
  if client.close then client:close() end
  output.answer(in_order(answers, order), not args.compact and output.is_terminal())
  return status
end

return M
