--- What an endpoint row may say, checked when the rows load, and how a
-- call's params become its path and payload.  A row:
--   path        "/api/v1/...", with "{name}" for each path parameter
--   method      "POST" (default) or "DELETE"
--   envelope    "full" (default): {account, timestamp, payload}; "account":
--               {account, timestamp}; "payload": {timestamp, payload}
--               (no account); "bare": {timestamp}
--   body        a calypso.types object: the payload's fields (nil when the
--               envelope has no payload)
--   params      { name = type }: path parameters, taken out of the call's
--               params and put into the path
--   empty       a 2xx with an empty body is the success `true`
--   list        the answer may be a JSON array, not only an object (where
--               the docs cannot tell which)
--   idempotent  the server may safely receive it twice
--   key         the body field holding an idempotency key: filled with a
--               UUIDv4 when the caller gives none, the same on every attempt
--   fetch       "group.name" of the row that reads the object by that key,
--               asked when an attempt meets "already exists" (016); the
--               object is the call's result only if it is this call's
--               (calypso.readback).  A keyed row with a fetch may be sent
--               again after the request may have left, like an idempotent
--               one; a keyed row without one never is
--   fetch_by    the fetch row's field that takes the key (default: key)
--   fetch_list  the fetch answer's field holding a list in which the
--               object is the item whose key field is the key (the fetch
--               row then takes no params)
--   implies     { field = value }: what the object made carries though the
--               call does not send it (an invoice create's `type`): a
--               read-back object that carries another value is another's
--   volatile    { field, ... }: fields the server may change after the
--               create (a fiat invoice's crypto amount): a read-back does
--               not compare them
--   paged, each paged answers; `each` names the page walk (default "each")
--   inferred    the path is deduced from naming, not seen in the docs
--   source      the evidence for the path: "REF", "GUIDE", "GUIDE-rel",
--               "ANCHOR", "CLIENT" (calypso-api-merchant.md's tags) or "PURSE"
--   doc         one line: what it does
-- @module calypso.rows
local core = require "calypso.core"
local suggest = require "calypso.suggest"
local types = require "calypso.types"

local next, type = next, type -- on every call's path: an upvalue, not a lookup in _G
local M = {}

local KEYS = { path = "string", method = "string", envelope = "string", body = "table",
               params = "table", empty = "boolean", list = "boolean", idempotent = "boolean", key = "string",
               fetch = "string", fetch_by = "string", fetch_list = "string", implies = "table",
               volatile = "table",
               paged = "boolean",
               each = "string", inferred = "boolean",
               source = "string", doc = "string" }
local SOURCES = { REF = true, GUIDE = true, ["GUIDE-rel"] = true, ANCHOR = true, CLIENT = true,
                  PURSE = true }
local WITH_PAYLOAD = { full = true, payload = true }

local function bad(label, problem)
  error("calypso.endpoints: " .. label .. " " .. problem, 0)
end

--- Checks a row and gives it its core route; raises naming the row.
function M.check(label, row)
  for k, v in pairs(row) do
    if not KEYS[k] then bad(label, "has no key '" .. tostring(k) .. "'") end
    if type(v) ~= KEYS[k] then bad(label, "." .. k .. " must be a " .. KEYS[k]) end
  end
  if not (row.path and row.path:find("^/api/v1/[%w/%-{}_]+$")) then bad(label, "has no valid path") end
  if type(row.idempotent) ~= "boolean" then bad(label, "must say whether it is idempotent") end
  if not SOURCES[row.source] then bad(label, "must name its evidence (source)") end
  local envelope = row.envelope or "full"
  if WITH_PAYLOAD[envelope] and not types.is(row.body) then bad(label, "needs a body type") end
  if not WITH_PAYLOAD[envelope] and row.body then bad(label, "sends no payload, so has no body") end
  for name in row.path:gmatch("{([%w_]+)}") do
    if not (row.params and types.is(row.params[name])) then bad(label, "has no type for {" .. name .. "}") end
  end
  for name in pairs(row.params or {}) do
    if not row.path:find("{" .. name .. "}", 1, true) then
      bad(label, "has no {" .. name .. "} in its path")
    end
  end
  if row.key and not (row.body and row.body.fields and row.body.fields[row.key]) then
    bad(label, "names key " .. row.key .. ", which is not a body field")
  end
  if row.fetch and not row.key then bad(label, "fetches by a key it does not have") end
  if (row.fetch_by or row.fetch_list or row.implies or row.volatile) and not row.fetch then
    bad(label, "says how to fetch, but not with what")
  end
  row.route = core.route{ method = row.method, envelope = row.envelope, empty = row.empty, list = row.list }
  return row
end

--- Checks every row of { group = { name = row } }; returns them.
function M.check_all(groups)
  for group, rows in pairs(groups) do
    for name, row in pairs(rows) do M.check(group .. "." .. name, row) end
  end
  for group, rows in pairs(groups) do
    for name, row in pairs(rows) do
      local fg, fn = (row.fetch or ""):match("^([%w_]+)%.([%w_]+)$")
      local fetch = fg and groups[fg] and groups[fg][fn]
      if row.fetch and not fetch then
        bad(group .. "." .. name, "fetches with " .. row.fetch .. ", which is no row")
      end
      if fetch and not row.fetch_list then
        local by = row.fetch_by or row.key
        if not (fetch.body and fetch.body.fields[by]) then
          bad(group .. "." .. name, "fetches by " .. by .. ", which " .. row.fetch .. " does not take")
        end
      end
    end
  end
  return groups
end

local function refuse(label, field, problem)
  local joint = problem and problem:find("^[%.%[]") and "" or " " -- a sub-path joins directly
  local where = field and (label .. ": " .. field .. joint) or (label .. ": ")
  return nil, nil, core.error("validation", where .. problem, {
    field = field, attempts = 0, retryable = false, maybe_applied = false,
  })
end

--- The path and payload of a call, or nil, nil, err (kind "validation").
-- path: the row's path (or the one given instead), parameters filled in.
-- The idempotency key, if the row has one, is filled in when absent: with
-- key (a per-call idempotency_key) if given, else a fresh UUIDv4.
function M.request(row, label, params, path, key)
  path = path or row.path
  if (params ~= nil or row.body) and type(params) ~= "table" then
    return refuse(label, nil, "params must be a table, got " .. type(params))
  end
  local rest = params
  if row.params then
    rest = {}
    for k, v in next, params or {} do rest[k] = v end
    for name, t in pairs(row.params) do
      local value, problem = t.check(rest[name])
      if value == nil then return refuse(label, name, rest[name] == nil and "is required" or problem) end
      rest[name] = nil
      path = path:gsub("{" .. name .. "}", value, 1)
    end
  end
  if not row.body then
    if rest ~= nil and next(rest) ~= nil then
      return refuse(label, next(rest), "is not a field of " .. label .. " (it takes no params)")
    end
    return path, nil
  end
  rest = rest or {}
  if key ~= nil and rest[row.key] ~= nil and rest[row.key] ~= key then
    return refuse(label, row.key, "differs from the idempotency_key option; give one of them")
  end
  if row.key and rest[row.key] == nil then -- a fresh key, on a copy: the caller's table stays theirs
    local with_key = { [row.key] = key or core.uuid4() }
    for k, v in next, rest do with_key[k] = v end
    rest = with_key
  end
  local payload, problem, field = row.body.check(rest)
  if payload == nil then
    if problem and problem:find("^has no field ") then
      local names = {}
      for name in pairs(row.body.fields) do names[#names + 1] = name end
      table.sort(names)
      problem = "is not a field of " .. label .. suggest.words(field, names)
    end
    return refuse(label, field, problem)
  end
  return path, payload
end

return M
