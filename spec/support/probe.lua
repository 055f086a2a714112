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
local run_calls = require "run_calls"

local M = {}

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

-- GET /seen: calypso.webhook.nginx_seen on the 64k calypso_seen_small:
-- two 15-digit ids LuaJIT's tostring reads alike, then the dict filled
-- until it refuses; answers what was seen as JSON.
function M.seen()
  local seen = calypso.webhook.nginx_seen("calypso_seen_small")
  local a, b = { requestId = "r", id = 123456789012341 }, { requestId = "r", id = 123456789012342 }
  local out = { tostring_alike = tostring(a.id) == tostring(b.id) }
  out.first_new, out.second_new = seen(a) == false, seen(b) == false
  out.replay_seen = seen(a) == true
  local n = 0
  while n < 100000 do
    local handled, why = seen{ requestId = "0b0e3b1c-1d2e-4f5a-8b6c-9d0e1f2a3b4c", id = 1000000 + n }
    if handled == nil then
      out.why = why
      break
    end
    n = n + 1
  end
  out.filled = n
  out.first_kept = seen(a) == true
  -- the next delivery, its key as long as the fillers' (a shorter one may fit a smaller slab)
  local body = '{"requestId":"0b0e3b1c-1d2e-4f5a-8b6c-9d0e1f2a3b4c","id":' .. (1000000 + n + 1)
    .. ',"createdDate":"2025-10-30T14:08:39","level":"INFO","service":"INVOICE",'
    .. '"eventType":"INVOICE_PAID","data":{}}'
  local event, err = calypso.webhook.verify(body, calypso.sign("s", body), "s", { seen = seen })
  out.verified = event ~= nil
  out.refused_field = err and err.field
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(out))
end

-- POST /redis-store: {"stores": [{"options": {...}, "key": k, "value": v}, ...]}:
-- in order, in this one worker (so a later store may meet an earlier one's
-- pooled connections), calypso.webhook.redis_store(options) adds key = value
-- and reads the key back; answers [{"added", "add_err", "got", "get_err"}, ...].
function M.redis_store()
  ngx.req.read_body()
  local request = cjson.decode(ngx.req.get_body_data() or "")
  if type(request) ~= "table" or type(request.stores) ~= "table" then return ngx.exit(400) end
  local out = {}
  for i, one in ipairs(request.stores) do
    local store = calypso.webhook.redis_store(one.options)
    local added, add_err = store.add(one.key, one.value, 60)
    local got, get_err = store.get(one.key)
    out[i] = { added = added, add_err = add_err, got = got, get_err = get_err }
  end
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(out))
end

function M.call()
  ngx.req.read_body()
  local request = cjson.decode(ngx.req.get_body_data() or "")
  if type(request) ~= "table" then return ngx.exit(400) end
  local wrapped, take = recorder.wrap(request.options)
  local client = calypso.new(options(wrapped))
  drain_pool(client)
  local answers = run_calls(calypso, client, request.calls, take)
  client:close()
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(answers))
end

return M
