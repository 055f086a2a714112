--- The retry policy: which failed attempts are tried again, and when.
-- The README's policy table is this one:
--   rule        idempotent   not idempotent   the failed attempt was
--   unsent      retry        retry            network, before the request left: DNS,
--                                             refused connection, handshake cut by the peer
--   dropped     retry        never            network, after the request may have left:
--                                             reset, closed, no answer
--   timeout     retry        never            a timeout (connect or transfer)
--   overloaded  retry        never            HTTP 429, 500, 502, 503 or 504
--   never       never        never            tls, validation, decode, any other status
-- Code 011 (invalid timestamp) with a Date header is different: the server
-- refused the request, so the client corrects its clock offset from Date and
-- sends once more, idempotent or not; but only to a Date in the years the
-- timestamp can be written for (2001 to 2286: 13 digits), never to an absurd
-- one such as 1970, which then stays the 011 error it came with.
-- Waits: Retry-After when the server sends it (at most 5 s), otherwise
-- exponential backoff from 0.5 s to a 5 s cap with jitter (the client's
-- backoff_base and backoff_max); never past the deadline.  Each attempt is
-- stamped and signed afresh by the core.
-- @module calypso.retry
local M = {}

M.rules = {
  unsent = { idempotent = true, other = true },
  dropped = { idempotent = true, other = false },
  timeout = { idempotent = true, other = false },
  overloaded = { idempotent = true, other = false },
  never = { idempotent = false, other = false },
}

M.overloaded_statuses = { [429] = true, [500] = true, [502] = true, [503] = true, [504] = true }
M.base_delay = 0.5
M.max_delay = 5
M.max_retry_after = 5
-- On a 011 that ends a call: the server's Date could not correct the clock
-- (none, an absurd one, or one that did not help).
M.stale_hint = "the timestamp is more than 3 minutes off the server's clock, and its Date"
  .. " header could not correct ours: check this machine's clock (NTP)"

--- The name of the rule in M.rules that an error falls under.
function M.rule(err)
  if err.kind == "network" then return err.request_sent and "dropped" or "unsent" end
  if err.kind == "timeout" then return "timeout" end
  if err.kind == "api" and M.overloaded_statuses[err.status] then return "overloaded" end
  return "never"
end

--- May a call of this idempotency be sent again after err?
function M.allowed(err, idempotent)
  local rule = M.rules[M.rule(err)]
  if idempotent then return rule.idempotent end
  return rule.other
end

--- Could the server have acted on the attempt that failed with err?
-- Not if the request never left, nor if the server refused it with a 4xx.
function M.maybe_applied(err)
  if not err.request_sent then return false end
  if err.kind == "api" then return not (err.status >= 400 and err.status < 500) end
  return true
end

--- The clock offset (ms) that a server's Date (Unix seconds) implies, given
-- the local clock now_ms; nil when that Date is outside the years a
-- timestamp can be written for, or the offset past the +-1e12 ms that
-- clock_offset_ms allows.  Date has whole seconds: aim at the middle of the
-- server's second.
function M.clock_correction(date, now_ms)
  if type(date) ~= "number" or not (date >= 1e9 and date < 1e10) then return nil end -- NaN too
  local offset = date * 1000 + 500 - now_ms
  if math.abs(offset) > 1e12 then return nil end
  return offset
end

--- Seconds to wait before retry number n (1, 2, ...); first and most: the
-- backoff's bounds (default M.base_delay and M.max_delay).
function M.delay(n, retry_after, random, first, most)
  if retry_after then return math.min(retry_after, M.max_retry_after) end
  first, most = first or M.base_delay, most or M.max_delay
  local base = math.min(most, first * 2 ^ (n - 1))
  return math.max(first, base * (0.5 + 0.5 * random()))
end

--- After attempt number call.attempts of call failed with err: the
-- seconds to wait before the next attempt and the rule that allows it
-- ("clock" for a clock correction, whose offset is then
-- policy.correction), or nil when the policy stops; err then gains
-- attempts, retryable and maybe_applied and is the call's error.  call: as
-- for run (this reads its attempts, idempotent and own max_retries);
-- policy: what the policy keeps of this call, as run makes it at the first
-- failure (retries, stop_at), to which this adds applied, corrected and
-- correction.  env: as for run.
function M.after(call, policy, err, env)
  local idempotent = call.idempotent
  policy.applied = policy.applied or M.maybe_applied(err)
  policy.correction = nil
  local wait, rule
  if err.kind == "api" and err.code == "011" and not policy.corrected then
    policy.correction = env.correct_clock(err)
    if policy.correction then policy.corrected, wait, rule = true, 0, "clock" end
  end
  if wait == nil and M.allowed(err, idempotent)
     and policy.retries < (call.max_retries or env.max_retries) then
    policy.retries = policy.retries + 1
    wait, rule = M.delay(policy.retries, err.retry_after, env.random, env.backoff_base, env.backoff_max),
      M.rule(err)
  end
  if wait ~= nil and env.monotonic() + wait < policy.stop_at then return wait, rule end
  -- A payload the core refused to encode never left: no attempt was made.
  err.attempts = err.kind == "validation" and call.attempts - 1 or call.attempts
  err.retryable = M.allowed(err, idempotent)
  err.maybe_applied = policy.applied
  if err.kind == "api" and err.code == "011" then err.hint = M.stale_hint end
  return nil
end

--- Sends a call through transport:attempt(path, payload, timeout, route)
-- -> result | nil, err until it succeeds or the policy stops.  call: path,
-- payload, idempotent, route (the core's, or nil), and the call's own
-- limits: timeout, deadline and max_retries, each replacing env's; run
-- sets its attempts and began (and calypso.observe, on a success, its
-- ended and status).  env:
-- max_retries, deadline and timeout (seconds), backoff_base and
-- backoff_max (seconds, optional: M.base_delay, M.max_delay), and the
-- functions monotonic(), sleep(s), random(), correct_clock(err) ->
-- offset_ms | nil.  watch (calypso.observe) sees each attempt and retry;
-- transport:last(bodies) says what moved.  A final error gains attempts,
-- retryable and maybe_applied.
-- Each attempt's timeout is worked out here, not in a function of its own:
-- this is every call's path, and a Lua call costs some 150 instructions.
function M.run(transport, call, env, watch)
  local monotonic = env.monotonic
  local began = monotonic() -- each attempt's start: one clock read serves the timeout too
  local stop_at = began + (call.deadline or env.deadline)
  local timeout = call.timeout or env.timeout
  -- What became of the call goes on the call itself (attempts, began, and
  -- on a success ended and status: calypso.observe's, for calypso.meta),
  -- where new_call (calypso.client) made room for it; what the policy keeps
  -- is made only when an attempt fails: a success makes no table here.
  local policy
  call.began, call.attempts = began, 0
  -- on_request fires once the request is built: a payload the core
  -- refuses is never announced, as on client.async.
  local built = watch.on_request and function() watch:request(call) end
  while true do
    call.attempts = call.attempts + 1
    -- this attempt's time: the timeout, cut short by the deadline
    local left = stop_at - began
    if timeout < left then left = timeout end
    local result, err = transport:attempt(call.path, call.payload, left > 0.001 and left or 0.001, call.route,
                                          built)
    if result ~= nil or err.kind ~= "validation" then
      watch:response(call, began, monotonic(), result, err, transport:last(watch.bodies))
    end
    if result ~= nil then return result end
    policy = policy or { retries = 0, stop_at = stop_at }
    local wait, rule = M.after(call, policy, err, env)
    if wait == nil then return nil, err end
    watch:retry(call, err, wait, rule, policy.correction)
    if wait > 0 then env.sleep(wait) end
    began = monotonic()
  end
end

return M
