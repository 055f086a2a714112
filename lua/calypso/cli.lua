--- The `calypso` command (bin/calypso): signed calls from the shell, with
-- the credentials of the default client (CALYPSO_API_KEY, CALYPSO_API_SECRET,
-- CALYPSO_ACCOUNT, CALYPSO_BASE_URL, CALYPSO_CAFILE).
--
--    calypso call PATH [JSON] [--method DELETE] [--envelope E] [--idempotent]
--    calypso customer create --email ada@example.com     (one per endpoint row)
--    calypso webhook sign --secret S < body
--    calypso webhook verify --secret S --sign SIGN < body
--    eval "$(calypso sandbox start --env)"   ... calypso sandbox stop
--    calypso trigger invoice.paid --override amount=25   (cli/trigger.lua)
--    calypso fixtures calls.json                         (cli/fixtures.lua)
--    calypso listen --forward-to http://localhost:8080/hook  (cli/forward.lua)
--
-- The parser is Debian's lua-argparse; the endpoint subcommands and their
-- options are made from the rows, and the rows validate the values.  JSON
-- on the command line (--json, call's payload, list and object options) is
-- read with every number kept as the text typed (core.decimal tokens), so
-- 0.123456789012345678 reaches the wire as those digits, never as a double.
-- An error after the request may have been applied names the idempotency
-- key and says to rerun with --idempotency-key: the rerun then returns what
-- the first run made, and makes nothing more.
-- @module calypso.cli
-- @local
local found, argparse = pcall(require, "argparse")
if not found then
  error("the calypso command needs argparse: apt-get install lua-argparse (Debian),"
    .. " or luarocks install argparse", 0)
end
local calypso = require "calypso"
local core = require "calypso.core"
local endpoints = require "calypso.endpoints"
local output = require "calypso.cli.output"
local values = require "calypso.cli.values"

local M = {}

local TYPED = values.TYPED
local value_for, row_fields, sorted = values.for_type, values.row_fields, values.sorted

local function add_endpoint_commands(parser)
  for _, group in ipairs(sorted(endpoints)) do
    local group_cmd = parser:command(group, "the " .. group .. " endpoints")
    for _, name in ipairs(sorted(endpoints[group])) do
      local row = endpoints[group][name]
      local cmd = group_cmd:command(name:gsub("_", "-"), ("%s %s: %s"):format(row.method or "POST",
        row.path, row.doc))
      local required = {}
      for _, field in ipairs(row.body and row.body.required or {}) do required[field] = true end
      for field in pairs(row.params or {}) do required[field] = true end
      local fields = row_fields(row)
      for _, field in ipairs(sorted(fields)) do
        cmd:option("--" .. field, (required[field] and "(required) " or "") .. fields[field].doc)
          :target("field_" .. field)
      end
      if row.body then
        cmd:option("--json", "the params as one JSON object (numbers sent as typed); the options above win")
      end
      if row.key then
        cmd:option("--idempotency-key", "the " .. row.key .. " to send (default: a fresh UUID); rerun"
          .. " with the one an error printed to get what that run made"):target("idempotency_key")
      end
      cmd:action(function(args) args.endpoint = { group = group, name = name, row = row } end)
    end
  end
end

local function build_parser()
  local parser = argparse("calypso", "Signed calls to the Calypso Pay API, with the credentials in"
    .. " CALYPSO_API_KEY, CALYPSO_API_SECRET, CALYPSO_ACCOUNT (and CALYPSO_BASE_URL, CALYPSO_CAFILE).")
    :command_target("command")
  parser:flag("--debug", "print each request and answer line on stderr (Key and Sign redacted)")
  parser:flag("--compact", "one JSON line even on a terminal")
  local call = parser:command("call", "one signed call to any path; prints the JSON answer")
  call:argument("path", "the endpoint's path, such as /api/v1/account")
  call:argument("json", "the payload, a JSON object"):args("?")
  call:option("--method", "POST or DELETE", "POST"):choices{ "POST", "DELETE" }
  call:option("--envelope", "full, account, payload or bare", "full")
    :choices{ "full", "account", "payload", "bare" }
  call:flag("--idempotent", "the server may safely receive it twice: retry it like a get")
  call:flag("--list", "the answer may be a JSON list, not only an object")
  call:option("--idempotency-key", "the key the payload carries, reported if the call may have been"
    .. " applied"):target("idempotency_key")
  require("calypso.cli.webhook").add(parser)
  require("calypso.cli.sandbox").add(parser)
  require("calypso.cli.trigger").add(parser)
  require("calypso.cli.fixtures").add(parser)
  require("calypso.cli.forward").add(parser)
  add_endpoint_commands(parser)
  return parser
end

-- A client for the command, made from the environment, with --debug's hooks;
-- `last` holds the body of the last answer, printed as the server sent it.
local function make_client(args)
  local opts, problem = require("calypso.options").from_env(os.getenv, core.has_env)
  if not opts then return nil, problem end
  local last = {}
  opts.log_bodies = true
  opts.log_level = "off"
  opts.on_request = args.debug and function(info)
    io.stderr:write(("> %s %s (attempt %d)\n> Key: [redacted]\n> Sign: [redacted]\n"):format(
      info.method, info.path, info.attempt))
  end or nil
  opts.on_response = function(info)
    last.body = info.response_body
    if args.debug then
      io.stderr:write(("> %s\n< %d (%.1f ms, %d bytes)\n< %s\n"):format(info.request_body or "", info.status,
        info.elapsed_ms, info.bytes_received, info.response_body or ""))
    end
  end
  return calypso.new(opts), last
end

local function params_of(args, row)
  local params = {}
  if args.json then
    params = core.decode_object(args.json, TYPED)
    if params == nil then return nil, "--json must be a JSON object" end
  end
  for name, t in pairs(row_fields(row)) do
    local given = args["field_" .. name]
    if given ~= nil then params[name] = value_for(t, given) end
  end
  return params
end

local run_command

--- Runs the command with argv (a list of strings); returns the exit status.
function M.main(argv)
  local parser = build_parser()
  local ok, args = parser:pparse(argv)
  if not ok then
    io.stderr:write(parser:get_usage(), "\n\nError: ", args, "\n")
    return 1
  end
  -- What the library raises for a mistake in the input (a malformed
  -- CALYPSO_ACCOUNT, an empty --secret) is the user's to fix: one line, status 2.
  local ran, status = pcall(run_command, args)
  if ran then return status end
  local message = tostring(status):gsub("^[^:]*:%d+: ", "") -- where in calypso says nothing here
  io.stderr:write(message:find("^calypso") and "" or "calypso: ", message, "\n")
  return 2
end

run_command = function(args)
  if args.command == "webhook" then return require("calypso.cli.webhook").run(args) end
  if args.command == "sandbox" then return require("calypso.cli.sandbox").run(args) end
  if args.command == "trigger" then return require("calypso.cli.trigger").run(args) end
  if args.command == "fixtures" then return require("calypso.cli.fixtures").run(args) end
  if args.command == "listen" then return require("calypso.cli.forward").run(args) end
  local client, last = make_client(args)
  if not client then
    io.stderr:write("calypso: ", last, "\n")
    return 2
  end
  local result, err
  if args.command == "call" then
    local payload = {}
    if args.json then
      payload = core.decode_object(args.json, TYPED)
      if payload == nil then
        io.stderr:write("calypso: the payload must be a JSON object\n")
        return 2
      end
    end
    result, err = client:call(args.path, payload, { method = args.method, envelope = args.envelope,
      idempotent = args.idempotent, empty = args.method == "DELETE", list = args.list or nil,
      idempotency_key = args.idempotency_key })
  else
    local row = args.endpoint.row
    local params, problem = params_of(args, row)
    if not params then
      io.stderr:write("calypso: ", problem, "\n")
      return 2
    end
    result, err = client[args.endpoint.group][args.endpoint.name](params,
      args.idempotency_key and { idempotency_key = args.idempotency_key } or nil)
  end
  client:close()
  if result == nil then return output.failure(err, args.endpoint and args.endpoint.row) end
  local meta = calypso.meta(result)
  if meta and meta.read_back and args.endpoint and args.endpoint.row.fetch_list then
    -- found in a list (a subscription): print it alone, never the list of
    -- every subscription and its secretKey
    output.answer(core.encode_object(result), not args.compact and output.is_terminal())
  else
    output.answer(last.body, not args.compact and output.is_terminal())
  end
  return 0
end

return M
