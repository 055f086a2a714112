--- `calypso listen --forward-to URL [--events TYPE,...]`, as `stripe listen
-- --forward-to` does: makes (or reuses) a webhook subscription pointing at
-- itself, prints its secretKey once, verifies each delivery, forwards its
-- exact bytes with Key and Sign to the app (core.forward), prints one line
-- per event with the app's answer, answers the sender as the app did (so
-- an app's failure is retried as Calypso would retry it), and removes the
-- subscription when it exits: after --count deliveries, --wait seconds
-- with none, or Ctrl-C.  Replays are forwarded too, marked: the app must
-- handle them.  The subscription's URL is http://127.0.0.1:PORT/, which
-- only a sandbox on this machine can reach; --url names a public one that
-- leads here (a tunnel), for a real account.
-- @module calypso.cli.forward
-- @local
local calypso = require "calypso"
local core = require "calypso.core"
local output = require "calypso.cli.output"

local M = {}

--- Adds `calypso listen` to the argparse parser.
function M.add(parser)
  local cmd = parser:command("listen", "forward webhook deliveries to your app: a subscription to this"
    .. " command for as long as it runs (CALYPSO_* credentials, or this project's sandbox)")
  cmd:option("--forward-to", "your app's webhook URL, http:// or https://"):count(1):target("forward_to")
  cmd:option("--events", "only these event types, comma-separated (default: every one)")
  cmd:option("--port", "the port to listen on, on 127.0.0.1 (0: any free one)", "0"):convert(tonumber)
  cmd:option("--url", "the subscription's URL, if not http://127.0.0.1:PORT/ (a public URL that leads"
    .. " here)")
  cmd:option("--cafile", "the CAs that sign your app's certificate (default: the system's)")
  cmd:option("--timeout", "seconds your app has to answer", "10"):convert(tonumber)
  cmd:option("--count", "stop after N deliveries"):convert(tonumber)
  cmd:option("--wait", "stop (exit 1) after N seconds without a delivery"):convert(tonumber)
  cmd:option("--client-timeout", "seconds a sender has to send a whole delivery", "5"):convert(tonumber)
    :target("client_timeout")
  cmd:option("--name", "the sandbox's project, when CALYPSO_* is unset")
  cmd:flag("--body", "print each delivery's body too")
end

-- The answer to the sender for the app's: 200 for a 2xx, the app's status
-- otherwise, 502 when the app could not be reached.
local function for_sender(status)
  if not status then return 502 end
  if status >= 200 and status < 300 then return 200 end
  if status >= 400 and status < 600 then return status end
  return 502
end

-- Forwards one delivery's exact bytes; returns the status for the sender
-- and the note to print.
local function forwarder(args)
  return function(request)
    local headers = { ["Content-Type"] = request.headers["content-type"] or "application/json",
                      Key = request.headers["key"], Sign = request.headers["sign"] }
    local started = core.monotonic()
    local ok, status, answer = pcall(core.forward, args.forward_to, request.body, headers,
      { cafile = args.cafile, timeout = args.timeout })
    local ms = (core.monotonic() - started) * 1000
    if not ok then return 502, "not forwarded: " .. tostring(status):gsub("^[^:]*:%d+: ", "") end
    if not status then return 502, ("the app was not reached: %s"):format(answer) end
    local said = answer:match("^[^\r\n]*"):sub(1, 80)
    return for_sender(status), ("the app answered %d (%.1f ms)%s"):format(status, ms,
      said ~= "" and ": " .. said or "")
  end
end

-- The event types --events names, as a list; nil for all.
local function event_types(text)
  if not text then return nil end
  local list = {}
  for item in text:gmatch("[^,%s]+") do list[#list + 1] = item end
  return calypso.array(list)
end

-- Is sub the subscription this run would make (its URL, its event types)?
local function same(sub, url, events)
  if sub.url ~= url then return false end
  local have = {}
  for _, t in ipairs(sub.notificationEventTypes or {}) do have[t] = true end
  local want = events or {}
  if #want ~= #(sub.notificationEventTypes or {}) then return false end
  for _, t in ipairs(want) do if not have[t] then return false end end
  return true
end

-- The subscription to use: one made before for the same URL and events
-- (its secretKey known), or a new one; sub, "reused" | "made"; or nil, err.
local function subscribe(client, url, events)
  local listed = client.subscription.list()
  for _, sub in ipairs(listed and listed.subscriptions or {}) do
    if same(sub, url, events) and sub.secretKey then return sub, "reused" end
  end
  local sub, err = client.subscription.create{ url = url, notificationEventTypes = events }
  if not sub then return nil, err end
  return sub, "made"
end

--- Runs `calypso listen`; returns the exit status.
function M.run(args)
  local target = args.forward_to
  if not target:find("^https?://[^%s/?#]+") or target:find("[%c%s]") then
    io.stderr:write("calypso: --forward-to takes an http:// or https:// URL, not ", target, "\n")
    return 2
  end
  local client, sb_or_code = require("calypso.cli.sandbox").client(args, false)
  if not client then return sb_or_code end
  local socket = require "socket"
  local server, why = socket.bind("127.0.0.1", args.port or 0)
  if not server then
    io.stderr:write("calypso: cannot listen on 127.0.0.1:", tostring(args.port), ": ", tostring(why), "\n")
    return 2
  end
  local url = args.url or ("http://127.0.0.1:%d/"):format(select(2, server:getsockname()))
  local sub, how = subscribe(client, url, event_types(args.events))
  if not sub then
    server:close()
    return output.failure(how, require("calypso.endpoints").subscription.create)
  end
  io.stdout:write(("subscription %s (%s): %s -> %s\n"):format(sub.requestId, how, url, target),
    "its secretKey, for your app to verify deliveries with (shown once): ", sub.secretKey, "\n")
  io.stdout:flush()
  local ran, status = pcall(require("calypso.cli.listen").run, { server = server, secret = sub.secretKey,
    forward = forwarder(args), count = args.count, wait = args.wait, client_timeout = args.client_timeout,
    show_body = args.body })
  server:close()
  local removed, err = client.subscription.delete{ requestId = sub.requestId }
  if removed then
    io.stdout:write("removed subscription ", sub.requestId, "\n")
  else
    io.stderr:write("calypso: could not remove subscription ", sub.requestId, ": ", tostring(err), "\n")
  end
  client:close()
  if ran then return status end
  if tostring(status):find("interrupted!") then return 130 end
  error(status, 0)
end

return M
