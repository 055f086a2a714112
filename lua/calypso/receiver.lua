--- A whole webhook receiver for nginx: verify, claim, answer, handle.
--
--    local claims = calypso.webhook.claims(calypso.webhook.redis_store{ port = 6379 })
--    location /webhooks/calypso { content_by_lua_block {
--      calypso.webhook.receive_nginx{ secret = SECRET, claims = claims, handle = on_event }
--    } }
--
-- In a content phase: the delivery's raw body and Sign are verified
-- (calypso.webhook.verify_nginx), its event is claimed (calypso.claims),
-- and Calypso gets its answer:
--
-- * 200: a new event (handled here), or one already done (a replay, or a
--   retry whose 200 was lost): Calypso stops sending it.
-- * 401: a wrong or missing Sign; 400: a signed body that is not JSON.
-- * 503: another worker or host holds its claim, or the claims' store is
--   down or full: Calypso sends it again later, and it is handled then.
--
-- `handle(event)` runs for a new event only.  It failed when it raises or
-- returns false (then the claim is released, so the next delivery is
-- handled); otherwise the event is done.  `answer`:
--
-- * `"first"` (the default): answer 200 at once and handle in a timer, so
--   that slow work never holds up the delivery; a handler that fails (or a
--   worker that dies) after that 200 is handled again only if the event is
--   delivered again (a replay, or `calypso sandbox` redelivering it).
-- * `"after"`: handle within the request (under Calypso's 5 s for an
--   answer), then answer 200, or 503 when it failed: Calypso's retry is then
--   the one that handles it, and a worker killed mid-way drops the
--   connection, so Calypso retries once the claim's lease has run out.
-- @module calypso.receiver
local webhook = require "calypso.webhook"

local M = {}

local OPTIONS = { secret = "string", claims = "table", handle = "function", answer = "string",
                  exact_numbers = "boolean" }

local function ngx_now() return rawget(_G, "ngx") end

-- Runs handle(event) and ends the claim; true if it was done.
local function run(opts, event)
  local ngx = ngx_now()
  local ran, result = pcall(opts.handle, event)
  if ran and result ~= false then
    local finished, why = opts.claims:done(event)
    if finished == nil then
      ngx.log(ngx.ERR, "calypso.webhook.receive_nginx: event ", webhook.id_text(event),
        " was handled, but its claim could not be marked done (", tostring(why), "); it runs out after",
        " its lease, and a later delivery would be handled again")
    end
    return true
  end
  ngx.log(ngx.ERR, "calypso.webhook.receive_nginx: the handler of event ", webhook.id_text(event),
    ran and " returned false" or (" raised: " .. tostring(result)), "; its claim is released")
  opts.claims:release(event)
  return false
end

local function reply(status, text)
  local ngx = ngx_now()
  ngx.status = status
  ngx.say(text)
  return ngx.exit(status)
end

--- webhook.receive_nginx(opts): the receiver, in a content phase; opts:
-- `secret` (the subscription's secretKey), `claims`, `handle`, `answer`
-- ("first" or "after"), `exact_numbers` (as verify's).  Raises on a
-- missing or mistyped option, or outside nginx.
function M.nginx(opts, level)
  level = level or 2
  local ngx = ngx_now()
  if not (ngx and ngx.req) then error("calypso.webhook.receive_nginx: not in nginx", level) end
  if type(opts) ~= "table" then error("calypso.webhook.receive_nginx: options must be a table", level) end
  for k, v in pairs(opts) do
    if not OPTIONS[k] then
      error("calypso.webhook.receive_nginx: no option '" .. tostring(k) .. "'", level)
    end
    if type(v) ~= OPTIONS[k] then
      error("calypso.webhook.receive_nginx: option '" .. k .. "' must be a " .. OPTIONS[k], level)
    end
  end
  for _, k in ipairs{ "secret", "claims", "handle" } do
    if opts[k] == nil then error("calypso.webhook.receive_nginx: option '" .. k .. "' is required", level) end
  end
  local answer = opts.answer or "first"
  if answer ~= "first" and answer ~= "after" then
    error('calypso.webhook.receive_nginx: option \'answer\' must be "first" or "after"', level)
  end
  local event, err = webhook.verify_nginx(opts.secret, { claims = opts.claims,
                                                         exact_numbers = opts.exact_numbers })
  if not event then
    if err.field == "id" then return reply(200, "ok") end -- done before: nothing more to do
    if err.field == "busy" or err.field == "seen" then
      ngx.log(ngx.WARN, "calypso.webhook.receive_nginx: ", err.message)
      return reply(503, "try again later")
    end
    ngx.log(ngx.WARN, "calypso.webhook.receive_nginx: ", err.message)
    return reply(err.field == "body" and 400 or 401, "refused")
  end
  if answer == "after" then
    if run(opts, event) then return reply(200, "ok") end
    return reply(503, "the handler failed; send it again")
  end
  local queued, why = ngx.timer.at(0, function(premature)
    if premature then opts.claims:release(event) return end
    run(opts, event)
  end)
  if not queued then
    opts.claims:release(event)
    ngx.log(ngx.ERR, "calypso.webhook.receive_nginx: no timer for event ", webhook.id_text(event), ": ", why)
    return reply(503, "try again later")
  end
  return reply(200, "ok")
end

return M
