-- spec/support/run_calls.lua: the calls of a transports run made on one
-- client, answered as plain tables a JSON encoder can carry: for the probe
-- server (nginx cosockets, probe.lua) and the tarantool process
-- (tarantool_run.lua).
--   run_calls(calypso, client, calls, take) -> { { result = ... } |
--     { err = { kind, status, code, ... } }, events = take(), meta = ... }, ... }
local ERR_FIELDS = { "kind", "status", "code", "request_sent", "attempts", "maybe_applied", "message",
                     "idempotency_key", "field", "existing", "retryable", "cause" }

return function(calypso, client, calls, take)
  local answers = {}
  for i, call in ipairs(calls or {}) do
    local payload = call.payload or {}
    if call.pad then payload.description = ("x"):rep(call.pad) end
    if call.unencodable then payload.callback = print end -- no JSON for a function
    local group, name = (call.row or ""):match("^(.-)%.(.+)$")
    local result, err
    if group then
      result, err = client[group][name](call.params, call.opts)
    else
      result, err = client:call(call.path, payload, call.opts)
    end
    if result ~= nil then
      answers[i] = { result = result }
    else
      local e = {}
      for _, field in ipairs(ERR_FIELDS) do e[field] = err[field] end
      answers[i] = { err = e }
    end
    answers[i].events = take()
    answers[i].meta = result ~= nil and calypso.meta(result) or nil
  end
  return answers
end
