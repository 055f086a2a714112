-- spec/unit/outcome_spec.lua: the judge (src/outcome.c) on its own, from
-- facts written by hand: every transport's result is one of these rows.
local core = require "calypso.core"

local OBJECT = '{"id":"3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f","n":3}'
local CALYPSO_ERROR = '{"errorCode":"011","message":"Invalid timestamp","traceId":"t-1"}'

-- What core.outcome returned, in one table.
local function judge(facts)
  local a, b, c = core.outcome(facts)
  if a ~= nil then return { ok = true, result = a, keep = b } end
  return { ok = false, err = b, keep = c }
end

local function whole(status, body, more)
  local f = { status = status, body = body, complete = true, reusable = true, request_sent = true }
  for k, v in pairs(more or {}) do f[k] = v end
  return f
end

-- { what, facts, kind (nil: a result), status, keep }
local rows = {
  { "a 200 with a JSON object", whole(200, OBJECT), nil, nil, true },
  { "a 201 with a JSON object", whole(201, OBJECT), nil, nil, true },
  { "a 200 framed for reuse by nothing", whole(200, OBJECT, { reusable = false }), nil, nil, false },
  { "a 204", whole(204, ""), "decode", 204, false },
  { "a 200 with a JSON array", whole(200, "[1,2]"), "decode", 200, false },
  { "a 200 with text", whole(200, "OK"), "decode", 200, false },
  { "a 200 with broken JSON", whole(200, '{"id":'), "decode", 200, false },
  { "a 200 over the cap", whole(200, OBJECT, { over_cap = true, complete = false }), "decode", 200, false },
  { "a 200 over the cap though framed whole", whole(200, OBJECT, { over_cap = true }), "decode", 200, false },
  { "a 502 over the cap", whole(502, "<html>", { over_cap = true }), "api", 502, false },
  { "a 400 with Calypso's error", whole(400, CALYPSO_ERROR), "api", 400, true },
  { "a 400 with Calypso's error, framed by the close", whole(400, CALYPSO_ERROR, { reusable = false }),
    "api", 400, false },
  { "a 502 with an HTML page", whole(502, "<html>bad gateway</html>"), "api", 502, true },
  { "a 302", whole(302, ""), "api", 302, true },
  { "bytes that are not HTTP", { status = 0, bad_framing = "malformed HTTP status line" },
    "network", nil, false },
  { "a 200 whose framing broke", whole(200, OBJECT, { complete = false, bad_framing = "bad chunk" }),
    "network", 200, false },
  { "a 200 cut short", whole(200, '{"id"', { complete = false }), "network", 200, false },
  { "a failure after a whole 200", whole(200, OBJECT, { failure = "reset" }), "network", 200, false },
}
for _, failure in ipairs{ "dns", "connect", "reset", "closed", "resend", "forked", "local" } do
  rows[#rows + 1] = { "a " .. failure .. " failure", { failure = failure }, "network", nil, false }
end
rows[#rows + 1] = { "a tls failure", { failure = "tls", detail = "unknown CA" }, "tls", nil, false }
rows[#rows + 1] = { "a timeout", { failure = "timeout" }, "timeout", nil, false }
rows[#rows + 1] = { "a timeout mid-body", whole(200, "{", { complete = false, failure = "timeout" }),
  "timeout", 200, false }
rows[#rows + 1] = { "a clock that cannot stamp", { failure = "stamp" }, "validation", nil, false }

describe("core.outcome()", function()
  for _, row in ipairs(rows) do
    local what, facts, kind, status, keep = row[1], row[2], row[3], row[4], row[5]
    it("judges " .. what .. (kind and (" as " .. kind) or " a result"), function()
      local v = judge(facts)
      if kind then
        assert.is_false(v.ok)
        assert.are.equal(kind, v.err.kind, v.err.message)
        assert.are.equal(status, v.err.status)
      else
        assert.is_true(v.ok)
        assert.are.equal(3, v.result.n)
      end
      assert.are.equal(keep, v.keep)
    end)
  end

  it("passes request_sent through, whatever failed", function()
    assert.is_true(judge{ failure = "reset", request_sent = true }.err.request_sent)
    assert.is_false(judge{ failure = "connect" }.err.request_sent)
  end)

  it("keeps Calypso's code, message and trace id", function()
    local err = judge(whole(400, CALYPSO_ERROR)).err
    assert.are.equal("011", err.code)
    assert.are.equal("Invalid timestamp", err.message)
    assert.are.equal("t-1", err.trace_id)
  end)

  it("reads Retry-After as seconds, and Date as Unix seconds", function()
    local err = judge(whole(503, "", { retry_after = "7", date = "Sun, 06 Nov 1994 08:49:37 GMT" })).err
    assert.are.equal(7, err.retry_after)
    assert.are.equal(784111777, err.date)
  end)

  it("ignores a Retry-After that is neither seconds nor a date", function()
    for _, value in ipairs{ "1.5", "-3", "soon", "" } do
      assert.is_nil(judge(whole(503, "", { retry_after = value })).err.retry_after, value)
    end
  end)

  it("puts the transport's words in the message, and says what to check after a tls failure", function()
    local err = judge{ failure = "tls", detail = "certificate has expired" }.err
    assert.truthy(err.message:find("certificate has expired", 1, true))
    assert.truthy(err.message:find("cafile", 1, true))
  end)

  it("raises for a failure class it does not know", function()
    assert.has_error(function() core.outcome{ failure = "gremlins" } end)
  end)
end)

-- err.cause: the failure in one word, so that nobody reads the message.
describe("core.outcome()'s err.cause", function()
  local causes = {
    { "a 204", whole(204, ""), "not_object" },
    { "a 200 with text", whole(200, "OK"), "not_object" },
    { "a 200 with broken JSON", whole(200, '{"id":'), "bad_json" },
    { "a 200 over the cap", whole(200, OBJECT, { over_cap = true, complete = false }), "too_large" },
    { "a 502 over the cap", whole(502, "<html>", { over_cap = true }), "too_large" },
    { "a 400 with Calypso's error", whole(400, CALYPSO_ERROR), "status" },
    { "a 502 with an HTML page", whole(502, "<html>bad gateway</html>"), "status" },
    { "bytes that are not HTTP", { status = 0, bad_framing = "malformed HTTP status line" }, "framing" },
    { "a 200 cut short", whole(200, '{"id"', { complete = false }), "closed" },
    { "a timeout mid-body", whole(200, "{", { complete = false, failure = "timeout" }), "timeout" },
    { "a certificate outside this machine's time", { failure = "tls_clock" }, "tls_clock" },
  }
  for _, failure in ipairs{ "dns", "connect", "tls", "timeout", "reset", "closed", "resend", "forked",
                            "stamp", "local" } do
    causes[#causes + 1] = { "a " .. failure .. " failure", { failure = failure }, failure }
  end
  for _, row in ipairs(causes) do
    it("is " .. row[3] .. " for " .. row[1], function()
      local v = judge(row[2])
      assert.is_false(v.ok)
      assert.are.equal(row[3], v.err.cause)
    end)
  end

  it("is absent on a result", function()
    local result = judge(whole(200, OBJECT)).result
    assert.is_nil(result.cause)
  end)
end)
