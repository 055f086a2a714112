-- spec/support/probe.lua: POST /call in spec/support/probe.conf.  The body
-- is {"options": {...}, "calls": [{"path": ..., "payload": {...}, "pad": n,
-- "opts": {...}}, ...]} (pad: a description of n bytes is added to the
-- payload, made here; opts: client:call's, such as method = "DELETE"; or
-- {"row": "invoice.create_single", "params": {...}, "opts": {...}}: the
-- endpoint function):
-- one client is made with the environment's credentials plus `options`, the
-- calls are made on it in order (through cosockets: this is a content
-- phase), and the answer lists what each returned:
-- [{"result": {...}} or {"err": {kind, status, code, request_sent, attempts,
--   maybe_applied}}, ...]; with options.record (spec/support/recorder.lua),
-- each answer also has the call's events and calypso.meta of its result.
local calypso = require "calypso"
local cjson = require "cjson.safe"
local recorder = require "recorder"

local M = {}

local ERR_FIELDS = { "kind", "status", "code", "request_sent", "attempts", "maybe_applied", "message",
                     "idempotency_key", "field", "existing", "retryable" }

local function options(overrides)
  local o = {
    key = os.getenv("CALYPSO_API_KEY"),
    secret = os.getenv("CALYPSO_API_SECRET"),
    account = os.getenv("CALYPSO_ACCOUNT"),
    base_url = os.getenv("CALYPSO_BASE_URL"),
    cafile = os.getenv("CALYPSO_CAFILE"),
  }
  for k, v in pairs(overrides or {}) do o[k] = v end
  return o
end

-- Empties the worker's keep-alive pool for the client's host, so that each
-- /call starts on a new connection as each in-process transport's new client
-- does.  (A raw fault answers and then holds its connection without reading:
-- a call sent on one pooled from an earlier row would wait for nothing.)
local function drain_pool(client)
  local host, port = client._core:origin()
  for _ = 1, 100 do
    local sock = ngx.socket.tcp()
    local ok = sock:connect(host, port, { pool = "calypso:" .. host .. ":" .. port })
    local reused = ok and sock:getreusedtimes() > 0
    sock:close()
    if not reused then return end
  end
end

-- For set_by_lua: a blocking create whose handshake fails (the client
-- trusts the emulator's unrelated CA); returns the error's kind.
function M.blocking_tls_failure()
  local cafile = os.getenv("CALYPSO_CAFILE"):gsub("ca%.pem$", "other-ca.pem")
  local client = calypso.new(options{ cafile = cafile, max_retries = 0 })
  local _, err = client.customer.create{}
  client:close()
  return err and err.kind or "none"
end

function M.call()
  ngx.req.read_body()
  local request = cjson.decode(ngx.req.get_body_data() or "")
  if type(request) ~= "table" then return ngx.exit(400) end
  local wrapped, take = recorder.wrap(request.options)
  local client = calypso.new(options(wrapped))
  drain_pool(client)
  local answers = {}
  for i, call in ipairs(request.calls or {}) do
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
  client:close()
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(answers))
end

return M
