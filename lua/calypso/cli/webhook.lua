--- `calypso webhook sign | verify | listen`: a delivery's Sign, its check,
-- and a local receiver (cli/listen.lua).  The secretKey comes from
-- `--secret-env NAME` or `--secret-file FILE`, which keep it out of the
-- process list, or from `--secret` (which every local user can see with ps).
-- @module calypso.cli.webhook
-- @local
local calypso = require "calypso"
local output = require "calypso.cli.output"

local M = {}

-- The three ways to give the secretKey, on a subcommand.
local function secret_options(cmd, what)
  cmd:option("--secret", what .. " (on the command line, every local user sees it in ps: prefer the"
    .. " next two)")
  cmd:option("--secret-env", "the name of an environment variable holding " .. what):target("secret_env")
  cmd:option("--secret-file", "a file holding " .. what .. " (one final newline is dropped)")
    :target("secret_file")
end

--- Adds the webhook subcommands to the argparse parser.
function M.add(parser)
  local webhook = parser:command("webhook", "sign or verify a webhook delivery read from stdin, or receive"
    .. " deliveries"):command_target("webhook_command")
  secret_options(webhook:command("sign", "print the Sign of the body on stdin"), "the secretKey")
  local verify = webhook:command("verify", "verify the body on stdin; print the event")
  secret_options(verify, "the subscription's secretKey")
  verify:option("--sign", "the Sign header"):count(1)
  local listen = webhook:command("listen", "receive deliveries on 127.0.0.1 and print whether each verifies;"
    .. " a replayed event is refused")
  listen:option("--port", "the port (0: any free one, printed)", "0"):convert(tonumber)
  secret_options(listen, "the subscription's secretKey")
  listen:option("--fail-first", "answer 500 to the first N deliveries", "0"):convert(tonumber)
  listen:option("--count", "stop after N deliveries"):convert(tonumber)
  listen:option("--wait", "give up (exit 1) after N seconds without a delivery"):convert(tonumber)
  listen:option("--client-timeout", "seconds a sender has to send a whole delivery (Calypso gives a"
    .. " receiver 5)", "5"):convert(tonumber):target("client_timeout")
  listen:flag("--body", "print each delivery's body too")
end

--- The secretKey the arguments name: from --secret-env, --secret-file or
-- --secret (exactly one); or nil and why.
function M.secret(args)
  local given = (args.secret and 1 or 0) + (args.secret_env and 1 or 0) + (args.secret_file and 1 or 0)
  if given ~= 1 then
    return nil, "give the secretKey once: --secret-env NAME, --secret-file FILE or --secret"
  end
  if args.secret_env then
    local value = os.getenv(args.secret_env)
    if not value or value == "" then return nil, "the environment has no " .. args.secret_env end
    return value
  end
  if args.secret_file then
    local f = io.open(args.secret_file, "rb")
    if not f then return nil, "cannot read " .. args.secret_file end
    local value = f:read("*a"):gsub("\r?\n$", "")
    f:close()
    if value == "" then return nil, args.secret_file .. " is empty" end
    return value
  end
  return args.secret
end

--- Runs `calypso webhook ...`; returns the exit status.
function M.run(args)
  local secret, problem = M.secret(args)
  if not secret then
    io.stderr:write("calypso: ", problem, "\n")
    return 2
  end
  if args.webhook_command == "listen" then
    return require("calypso.cli.listen").run{ port = args.port, secret = secret,
      fail_first = args.fail_first, count = args.count, show_body = args.body, wait = args.wait,
      client_timeout = args.client_timeout }
  end
  local body = io.stdin:read("*a")
  if args.webhook_command == "sign" then
    io.stdout:write(calypso.webhook.sign(body, secret), "\n")
    return 0
  end
  local event, err = calypso.webhook.verify(body, args.sign, secret)
  if not event then return output.failure(err) end
  output.answer(body, not args.compact and output.is_terminal())
  return 0
end

return M
