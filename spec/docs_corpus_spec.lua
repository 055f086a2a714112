-- docs_corpus_spec.lua: Calypso's own documentation, the only outside truth
-- about the API that can be reached from here, held against the rows.  The
-- examples in spec/corpus/docs/ were copied from the stored pages of
-- docs.calypso.finance and docs.calypso.money, each with its URL:
--   requests-*.json   every request example passes the row's validation,
--                     goes out in the documented envelope with the
--                     documented payload, and the emulator accepts it; where
--                     a placeholder ("text", "Your App URL", readme.io's 0)
--                     cannot be a value of the field's format the entry says
--                     so and names the value used; an entry that
--                     `stays_refused` says why, and must be refused
--   responses-*.json  every response example decodes and comes back from its
--                     row unchanged (nothing added, numbers exact)
--   webhooks.json     every delivery example verifies and decodes unchanged
local calypso = require "calypso"
local core = require "calypso.core"
local emulator = require "support.emulator"
local endpoints = require "calypso.endpoints"
local rows = require "calypso.rows"

-- A corpus file (a JSON list), numbers kept as written (core.decimal tokens).
local function load(name, numbers)
  local f = assert(io.open("spec/corpus/docs/" .. name .. ".json", "rb"))
  local text = f:read("*a")
  f:close()
  return assert(core.decode_object('{"list":' .. text .. "}", { numbers = numbers or "tokens" })).list
end

local function row_of(label)
  local group, name = label:match("^(.-)%.(.+)$")
  return endpoints[group][name], group, name
end

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = setmetatable({}, getmetatable(v)) -- keeps core.array's marker
  for k, x in next, v do out[k] = copy(x) end
  return out
end

-- The example's params (its payload, placeholders replaced) and path parameters.
local function params_of(entry)
  local params = copy(entry.body ~= core.null and entry.body.payload) or nil
  local path = {}
  for _, p in ipairs(entry.placeholders or {}) do
    local where, field = p.at:match("^(%a+)%.(.+)$")
    if where == "payload" then
      params[field] = p.used
    elseif where == "path" then
      path[field] = p.used
    end -- "account": the client sends its own, from its options
  end
  if next(path) then
    params = params or {}
    for k, v in pairs(path) do params[k] = v end
  end
  return params
end

-- Are two decoded JSON values the same: the same members, the same
-- elements in order, numbers (or numbers as written) by decimal value (10
-- is 10.0 is 1e1), null only as null, a string only as the same string?
local NUMERIC = { number = true, userdata = true }
local function same(a, b)
  if a == core.null or b == core.null then return a == b end
  local ta, tb = type(a), type(b)
  if NUMERIC[ta] and NUMERIC[tb] then return core.same_amount(a, b) end
  if ta ~= tb then return false end
  if ta ~= "table" then return a == b end
  for k, v in next, a do
    if not same(v, b[k]) then return false end
  end
  for k in next, b do
    if a[k] == nil then return false end
  end
  return true
end

local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return table.concat(out, ",")
end

local REQUESTS = {}
for _, file in ipairs{ "requests-reference", "requests-guides" } do
  for _, entry in ipairs(load(file)) do REQUESTS[#REQUESTS + 1] = entry end
end

-- The first request example of each endpoint: the params a response example's call is made with.
local PARAMS = {}
for _, entry in ipairs(REQUESTS) do
  if entry.endpoint ~= core.null and not entry.stays_refused and PARAMS[entry.endpoint] == nil then
    PARAMS[entry.endpoint] = params_of(entry)
  end
end

describe("the documentation's examples", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)
  before_each(function() emu:reset() end) -- examples share keys: each meets a fresh server

  local function client_for(entry)
    local paths
    if entry.path_used then paths = { [entry.endpoint] = entry.path_used } end
    return emu:client{ paths = paths, max_retries = 0, timeout = 5 }
  end

  it("are all held here, with a source each", function()
    assert.is_true(#REQUESTS >= 50, tostring(#REQUESTS))
    for _, entry in ipairs(REQUESTS) do
      assert.truthy(tostring(entry.source):find("^https://docs%.calypso%.[fm][io]"), entry.id)
    end
  end)

  for _, entry in ipairs(REQUESTS) do
    local label = entry.endpoint ~= core.null and entry.endpoint or nil
    if entry.stays_refused and label then
      it("refuses the request example " .. entry.id .. " (" .. entry.stays_refused:match("^[^:;(]+") .. ")",
        function()
        local row = row_of(label)
        local _, payload, err = rows.request(row, label, params_of(entry))
        local documented = entry.body.payload ~= nil and entry.body.payload ~= core.null
        local sent = payload ~= nil
        assert.truthy(err ~= nil or documented ~= sent, "the row takes " .. entry.id .. " as documented")
      end)
    elseif label then
      it("sends the request example " .. entry.id .. " as documented, and the emulator takes it", function()
        local row, group, name = row_of(label)
        local params = params_of(entry)
        local _, payload, err = rows.request(row, label, params)
        assert.is_nil(err, err and tostring(err))
        -- The documented envelope: its fields, and the payload as written
        -- (but the key a keyed row fills in when the example has none).
        local client = client_for(entry)
        local body = assert(client._core:envelope(payload, 1718000000000, row.route))
        local sent = assert(core.decode_object(body, true))
        assert.are.equal(keys(entry.body), keys(sent))
        if entry.body.payload then
          local documented = assert(core.decode_object(core.encode_object(params_of(entry)), true))
          for k in pairs(params) do if row.params and row.params[k] then documented[k] = nil end end
          if row.key and documented[row.key] == nil then sent.payload[row.key] = nil end
          assert.is_true(same(documented, sent.payload), core.encode_object(sent.payload))
        end
        local result, call_err = client[group][name](params)
        client:close()
        if result == nil then -- refused for what it names (no such object: 004), never for its shape
          assert.are.equal("api", call_err.kind, tostring(call_err))
          assert.are.equal("004", call_err.code, tostring(call_err))
          assert.are.equal(400, call_err.status, tostring(call_err))
        end
      end)
    end
  end

  for _, file in ipairs{ "responses-reference", "responses-guides" } do
    for _, entry in ipairs(load(file)) do
      local label = entry.endpoint ~= core.null and entry.endpoint or nil
      local status = entry.status_used or entry.status
      if entry.id == "errors-format" then
        it("returns the documented error body as the call's error (" .. entry.id .. ")", function()
          emu:fault{ mode = "answer", status = status, body = core.encode_object(entry.body) }
          local client = emu:client{ max_retries = 0 }
          local result, err = client.account.get()
          client:close()
          assert.is_nil(result)
          assert.are.equal("api", err.kind)
          assert.are.equal("000", err.code)
          assert.are.equal(entry.body.message, err.message)
        end)
      elseif label and status == 200 then
        it("returns the response example " .. entry.id .. " unchanged", function()
          local _, group, name = row_of(label)
          local text = entry.body == core.null and "" or core.encode_object(entry.body)
          emu:fault{ mode = "answer", body = text }
          local client = client_for(entry)
          local result, err = client[group][name](copy(PARAMS[label]) or {})
          client:close()
          assert.is_nil(err, err and tostring(err))
          if text == "" then
            assert.is_true(result)
          else
            assert.is_true(same(assert(core.decode_object(text, true)), result), text)
          end
        end)
      end
    end
  end

  for _, entry in ipairs(load("webhooks")) do
    if entry.body then
      it("verifies the delivery example " .. entry.id .. " and reads it unchanged", function()
        local text = core.encode_object(entry.body)
        local event, err = calypso.webhook.verify(text, calypso.webhook.sign(text, "whsec"), "whsec")
        assert.is_nil(err, err and tostring(err))
        assert.is_true(same(assert(core.decode_object(text, true)), event))
        if entry.shape == "envelope" then
          for _, field in ipairs{ "requestId", "id", "createdDate", "level", "service", "eventType",
                                  "data" } do
            assert.is_not_nil(event[field], field)
          end
        end
      end)
    end
  end
end)
