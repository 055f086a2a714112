-- examples/openresty/handler.lua: POST /customers with a JSON body such as
-- {"email":"ada@example.com"} creates a customer and answers 201 {"id":...}.
-- The client is made once per worker (init_worker_by_lua) from CALYPSO_API_KEY,
-- CALYPSO_API_SECRET, CALYPSO_ACCOUNT, CALYPSO_BASE_URL, CALYPSO_CAFILE (which
-- serves only calls made outside cosocket phases; cosockets use nginx's
-- lua_ssl_trusted_certificate) and CALYPSO_PAY_URL (where buyers pay: the
-- sandbox's page in a test; shop.lua sends them there).
local calypso = require "calypso"
local cjson = require "cjson.safe"

local M = {}

local function options()
  return {
    key = os.getenv("CALYPSO_API_KEY"),
    secret = os.getenv("CALYPSO_API_SECRET"),
    account = os.getenv("CALYPSO_ACCOUNT"),
    base_url = os.getenv("CALYPSO_BASE_URL"),
    cafile = os.getenv("CALYPSO_CAFILE"),
    pay_url = os.getenv("CALYPSO_PAY_URL"), -- nil: https://pay.calypso.finance
  }
end

local client

-- init_by_lua: a client made before the fork, to show it is safe in workers.
function M.init_master()
  M.master = calypso.new(options())
end

function M.init_worker()
  client = calypso.new(options())
  -- Settings per call site: this one gives up after half a second.
  local impatient = options()
  impatient.timeout, impatient.max_retries = 0.5, 0
  M.impatient = calypso.new(impatient)
  -- The same server by IP address: nginx checks certificates by host name,
  -- so this one must fail TLS verification (it shows verification is on).
  local by_address = options()
  by_address.base_url = by_address.base_url:gsub("//localhost:", "//127.0.0.1:")
  by_address.max_retries = 0
  M.by_address = calypso.new(by_address)
end

--- This worker's client (shop.lua uses it).
function M.client() return client end

local function reply(status, value)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(value))
  return ngx.exit(status)
end

function M.create(which)
  ngx.req.read_body()
  local params = cjson.decode(ngx.req.get_body_data() or "{}")
  if type(params) ~= "table" then return reply(400, { error = "the body must be a JSON object" }) end
  local customer, err = (which or client).customer.create(params)
  if not customer then
    ngx.log(ngx.ERR, tostring(err))
    return reply(err.kind == "validation" and 400 or 502,
      { error = err.kind, code = err.code, message = err.message, maybe_applied = err.maybe_applied })
  end
  return reply(201, { id = customer.id })
end

-- For set_by_lua, where there are no cosockets: returns the new id, or "".
function M.create_id()
  local customer = client.customer.create{ description = "made in the set phase" }
  return customer and customer.id or ""
end

return M
