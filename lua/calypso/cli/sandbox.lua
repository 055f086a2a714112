--- `calypso sandbox ...`: a local sandbox (calypso.sandbox) per project,
-- from the shell.  A project is the working directory, or `--name NAME`;
-- its sandbox lives under sandbox.home() (CALYPSO_SANDBOX_DIR names a folder
-- instead).  `start` starts it or, when it runs already, prints how to
-- reach it; `stop` stops only it; `status` lists every project's.
-- @module calypso.cli.sandbox
-- @local
local core = require "calypso.core"
local output = require "calypso.cli.output"
local sandbox = require "calypso.sandbox"

local M = {}

--- Adds the sandbox subcommands to the argparse parser.
function M.add(parser)
  local sb = parser:command("sandbox", "a local Calypso sandbox (the emulator) for tests, one per project"
    .. " (the working directory, or --name); CALYPSO_SANDBOX_DIR names its folder instead")
    :command_target("sandbox_command")
  sb:option("--name", "the project's name (default: made from the working directory)")
  sb:command("start", "start it, or find it running; print the CALYPSO_* variables that reach it")
    :flag("--env", "print them as export lines, for eval \"$(calypso sandbox start --env)\"")
  sb:command("stop", "stop this project's sandbox and remove its folder")
  sb:command("status", "this project's sandbox, what it has seen, and every other project's")
  local pay = sb:command("pay", "a payment arrives for an invoice")
  pay:argument("invoice", "the invoice's id")
  pay:argument("amount", "the amount paid (a decimal); none: confirm a payment held in the mempool")
    :args("?")
  pay:flag("--mempool", "stop at MEM_POOL_FOUND (then pay again without an amount to confirm)")
  pay:option("--outcome", "CONFIRMED, or DECLINED: the payment fails compliance", "CONFIRMED")
    :choices{ "CONFIRMED", "DECLINED" }
  sb:command("expire", "an invoice's expiration passes now"):argument("invoice", "the invoice's id")
  local advance = sb:command("advance-payout", "a payout is confirmed, or processed")
  advance:argument("payout", "the payout's (or mass payout's) id")
  advance:option("--outcome", "for a mass payout: COMPLETED or PARTIAL", "COMPLETED")
    :choices{ "COMPLETED", "PARTIAL" }
  local credit = sb:command("credit", "add to the account's balance")
  credit:argument("currency", "a currency code, such as USDT_TRX")
  credit:argument("amount", "the amount (a decimal)")
  local deposit = sb:command("deposit", "a deposit to a customer's purse, through its states")
  deposit:argument("customer", "the customer's id")
  deposit:argument("currency", "a currency code, such as USDT_TRX")
  deposit:argument("amount", "the amount (a decimal)")
  deposit:option("--outcome", "CONFIRMED or DECLINED", "CONFIRMED"):choices{ "CONFIRMED", "DECLINED" }
  deposit:option("--stop", "stop at mempool or compliance"):choices{ "mempool", "compliance" }
  local step = sb:command("deposit-step", "move a deposit stopped with --stop on")
  step:argument("transaction", "the deposit's transaction id")
  step:option("--outcome", "CONFIRMED or DECLINED", "CONFIRMED"):choices{ "CONFIRMED", "DECLINED" }
  require("calypso.cli.trigger").options(sb:command("trigger", "the same as calypso trigger"))
  sb:command("deliveries", "every webhook delivery and its attempts")
  sb:command("redeliver", "send a delivery's exact bytes again (a replay)")
    :argument("delivery", "the delivery's id"):convert(tonumber)
  sb:command("time-scale", "multiply every webhook wait (0.01: the first retry after 0.3 s)")
    :argument("factor", "a positive number"):convert(tonumber)
  local wf = sb:command("webhook-faults", "faults for testing a receiver, on the deliveries to come (none:"
    .. " clear them)")
  wf:option("--duplicate", "send each delivery N more times, the same bytes", "0"):convert(tonumber)
  wf:flag("--out-of-order", "let later deliveries overtake earlier ones"):target("out_of_order")
  wf:option("--late", "send each delivery this many seconds after its event (sandbox clock)", "0")
    :convert(tonumber)
  local fault = sb:command("fault", "misbehave on the API's next requests, for testing your code")
  fault:argument("mode", "drop-reply (processed, no answer), hold-reply (processed, the answer held"
    .. " --seconds: kill your process meanwhile), fail-after (processed, then an error status), status (an"
    .. " error status first, such as 429), stall"):choices{ "drop-reply", "hold-reply", "fail-after",
    "status", "stall" }
  fault:option("--status", "the status for fail-after and status", "500"):convert(tonumber)
  fault:option("--retry-after", "a Retry-After in seconds, for status"):convert(tonumber)
    :target("retry_after")
  fault:option("--seconds", "how long stall waits, or hold-reply holds the answer", "5"):convert(tonumber)
  fault:option("--count", "how many requests", "1"):convert(tonumber)
  local clock = sb:command("clock", "the sandbox's clock, which its simulations follow")
    :command_target("clock_command")
  clock:command("advance", "move it on: invoices expire, scheduled payouts run, webhook retries fall due")
    :argument("duration", "90, 90s, 15m, 2h or 1d")
end

-- This project's sandbox folder: CALYPSO_SANDBOX_DIR, else sandbox.home()/NAME.
local function folder(args)
  local dir = os.getenv("CALYPSO_SANDBOX_DIR")
  if dir and dir ~= "" then return sandbox.resolve(dir) end
  local name = args.name or sandbox.project()
  if not name:find("^[%w_%-][%w%._%-]*$") or #name > 64 then
    return nil, "--name is 1 to 64 letters, digits, '.', '_' or '-'"
  end
  return sandbox.home() .. "/" .. name, nil, name
end

local function print_env(sb, as_exports)
  local env = sb:env()
  for _, name in ipairs(require("calypso.cli.values").sorted(env)) do
    if as_exports then
      io.stdout:write("export ", name, "=", sandbox.quote(env[name]), "\n")
    else
      io.stdout:write(name, "=", env[name], "\n")
    end
  end
end

local function start(args, dir, name)
  local running = sandbox.attach(dir)
  if running then
    io.stderr:write("calypso: this project's sandbox is already running in ", dir, "\n")
    print_env(running, args.env)
    return 0
  end
  local ok, sb
  if name then
    ok, sb = pcall(sandbox.start, { name = name, detached = true })
  else
    ok, sb = pcall(sandbox.start, { dir = dir, detached = true })
  end
  if not ok then
    io.stderr:write(tostring(sb), "\n")
    return 8
  end
  if not args.env then io.stdout:write("the sandbox is running in ", sb.dir, "\n") end
  print_env(sb, args.env)
  return 0
end

-- status: this project's (with what it has seen), then every other one.
local function status(dir)
  local sb = sandbox.attach(dir)
  local code = 8
  if sb then
    local seen, err = sb:stats()
    if not seen then return output.failure(err) end
    io.stdout:write(("running in %s at %s: %d requests, %d customers, %d invoices, %d payouts\n"):format(
      dir, sb.base_url, seen.received, seen.created, seen.invoices, seen.payouts))
    code = 0
  else
    io.stdout:write("this project's sandbox is not running (calypso sandbox start)\n")
  end
  for _, other in ipairs(sandbox.list()) do
    if other.dir ~= dir then
      io.stdout:write(("  %s: %s%s (%s)\n"):format(other.name, other.running and "running at " or "stopped",
        other.running and other.base_url or "", other.dir))
    end
  end
  return code
end

-- The simulation a subcommand asks for: result, err.
local function simulate(sb, args)
  local command = args.sandbox_command
  if command == "pay" then
    return sb:pay_invoice(args.invoice, args.amount, { mempool = args.mempool,
      outcome = args.outcome ~= "CONFIRMED" and args.outcome or nil })
  elseif command == "expire" then
    return sb:expire_invoice(args.invoice)
  elseif command == "advance-payout" then
    return sb:advance_payout(args.payout, { outcome = args.outcome ~= "COMPLETED" and args.outcome or nil })
  elseif command == "credit" then
    return sb:credit(args.currency, args.amount)
  elseif command == "deposit" then
    return sb:deposit(args.customer, args.currency, args.amount, { outcome = args.outcome, stop = args.stop })
  elseif command == "deposit-step" then
    return sb:deposit_step(args.transaction, args.outcome)
  elseif command == "deliveries" then
    return sb:control("deliveries")
  elseif command == "redeliver" then
    return sb:redeliver(args.delivery)
  elseif command == "time-scale" then
    return sb:time_scale(args.factor)
  elseif command == "clock" then
    return sb:advance(args.duration)
  elseif command == "webhook-faults" then
    return sb:webhook_faults{ duplicate = args.duplicate, out_of_order = args.out_of_order or nil,
      late = args.late }
  elseif command == "fault" then
    return sb:fault{ mode = args.mode:gsub("%-", "_"), status = args.status, retry_after = args.retry_after,
      seconds = args.seconds, count = args.count }
  end
end

--- This project's running sandbox (args.name names the project), or nil
-- and the exit status, the reason printed.
function M.attach(args)
  local dir, problem = folder(args)
  if not dir then
    io.stderr:write("calypso: ", problem, "\n")
    return nil, 2
  end
  local sb, why = sandbox.attach(dir)
  if not sb then
    io.stderr:write("calypso: ", why, " (calypso sandbox start)\n")
    return nil, 8
  end
  return sb
end

--- A client for a command that calls the API: with the CALYPSO_*
-- credentials, or for this project's sandbox when they are unset; and the
-- sandbox, when with_sandbox asks for it (its simulations), or it is the
-- one called.  The credentials must then point at it.  nil and an exit
-- status when they cannot be had (the reason printed).
function M.client(args, with_sandbox)
  local env_set = (os.getenv("CALYPSO_API_KEY") or "") ~= ""
  local sb, code
  if with_sandbox or not env_set then
    sb, code = M.attach(args)
    if not sb then return nil, code end
  end
  if not env_set then return sb:client(), sb end
  local opts, problem = require("calypso.options").from_env(os.getenv, core.has_env)
  if not opts then
    io.stderr:write("calypso: ", problem, "\n")
    return nil, 2
  end
  if sb and opts.base_url ~= sb.base_url then
    io.stderr:write("calypso: the calls would go to ", tostring(opts.base_url), " and the sandbox steps to ",
      sb.base_url, ": point CALYPSO_* at the sandbox (eval \"$(calypso sandbox start --env)\"),"
      .. " or unset them\n")
    return nil, 2
  end
  return require("calypso").new(opts), sb
end

--- Runs `calypso sandbox ...`; returns the exit status.
function M.run(args)
  local dir, problem, name = folder(args)
  if not dir then
    io.stderr:write("calypso: ", problem, "\n")
    return 2
  end
  local command = args.sandbox_command
  if command == "start" then return start(args, dir, name) end
  if command == "status" then return status(dir) end
  if command == "trigger" then return require("calypso.cli.trigger").run(args) end
  local sb, code = M.attach(args)
  if not sb then return code end
  if command == "stop" then
    sb:stop() -- removes the folder if start made it
    io.stdout:write("stopped\n")
    return 0
  end
  local result, err = simulate(sb, args)
  if result == nil then return output.failure(err) end
  output.answer(core.encode_object(result), not args.compact and output.is_terminal())
  return 0
end

return M
