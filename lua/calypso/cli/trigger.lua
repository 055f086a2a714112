--- `calypso trigger EVENT [--override field=value ...]` and `calypso trigger
-- --list`: a documented event made end to end in this project's sandbox
-- (calypso.triggers), as `stripe trigger` does.  The answer of the last
-- step goes to stdout as JSON; the events the sandbox made go to stderr,
-- one line each.  An override's value is read as the field of the row the
-- trigger calls first takes it (numbers stay the digits typed); a field the
-- trigger does not take is refused before anything is made.
-- @module calypso.cli.trigger
-- @local
local core = require "calypso.core"
local output = require "calypso.cli.output"
local suggest = require "calypso.suggest"
local triggers = require "calypso.triggers"
local values = require "calypso.cli.values"

local M = {}

--- Adds the trigger's argument and options to cmd (`calypso trigger` and
-- `calypso sandbox trigger`); with_name: also --name, the sandbox's project.
function M.options(cmd, with_name)
  cmd:argument("event", "the trigger's name (calypso trigger --list)"):args("?")
  cmd:option("--override", "field=value: a field of what the trigger makes first; repeat for more")
    :count("*")
  cmd:flag("--list", "every trigger: what it makes, the fields it takes, the events it sends")
  if with_name then
    cmd:option("--name", "the sandbox's project (default: made from the working directory)")
  end
  return cmd
end

--- Adds `calypso trigger` to the argparse parser.
function M.add(parser)
  M.options(parser:command("trigger", "make a documented event happen in this project's sandbox,"
    .. " end to end (calypso sandbox start first)"), true)
end

local function list()
  for _, name in ipairs(triggers.names) do
    local t = triggers.all[name]
    local takes = type(t.takes) == "table" and table.concat(t.takes, ", ") or "the fields of " .. t.takes
    io.stdout:write(name, ": ", t.doc, "\n    takes ", takes, "\n    sends ", table.concat(t.events, ", "),
      "\n")
  end
  return 0
end

--- The --override list as a table of fields, each read as the trigger's row
-- takes it; nil and a message when one is malformed or given twice.
function M.overrides(trigger, given)
  local row = type(trigger.takes) == "string" and values.row(trigger.takes)
  local fields = row and values.row_fields(row) or {}
  local out = {}
  for _, item in ipairs(given or {}) do
    local field, value = item:match("^([%w_]+)=(.*)$")
    if not field then return nil, "--override takes field=value, not " .. item end
    if out[field] ~= nil then return nil, "--override gives " .. field .. " twice" end
    out[field] = values.for_type(fields[field], value)
  end
  return next(out) and out or nil
end

--- Runs `calypso trigger` (or `calypso sandbox trigger`); returns the exit status.
function M.run(args)
  if args.list then return list() end
  if not args.event then
    io.stderr:write("calypso: which trigger? calypso trigger --list names them\n")
    return 1
  end
  local trigger = triggers.all[args.event]
  if not trigger then
    io.stderr:write("calypso: no trigger ", args.event, suggest.words(args.event, triggers.names),
      "; calypso trigger --list names them\n")
    return 1
  end
  local overrides, problem = M.overrides(trigger, args.override)
  if problem then
    io.stderr:write("calypso: ", problem, "\n")
    return 2
  end
  local sb, code = require("calypso.cli.sandbox").attach(args)
  if not sb then return code end
  local result, events = sb:trigger(args.event, overrides)
  if result == nil then return output.failure(events) end
  for _, event in ipairs(events) do
    io.stderr:write("event ", triggers.label(event), "\n")
  end
  output.answer(core.encode_object(result), not args.compact and output.is_terminal())
  return 0
end

return M
