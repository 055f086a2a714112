-- spec/unit/forward_spec.lua: core.forward, the plain POST behind `calypso
-- listen --forward-to`, refuses what it must not send before connecting
-- (another scheme, a header that could split the request, more than 16
-- headers) and reports an unreachable app as nil and libcurl's words.  Its
-- forwarding is proved end to end in spec/listen_forward_spec.lua.
local core = require "calypso.core"

describe("core.forward", function()
  local function refusal(...)
    local ok, err = pcall(core.forward, ...)
    assert.is_false(ok)
    return tostring(err)
  end

  it("takes http:// and https:// URLs only", function()
    for _, url in ipairs{ "ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1:9", "http://a\0b" } do
      assert.truthy(refusal(url, "{}", {}):find("an http:// or https:// URL", 1, true), url)
    end
  end)

  it("refuses a header that could write another header or request", function()
    local app = "http://127.0.0.1:9/"
    assert.truthy(refusal(app, "{}", { Sign = "ab\r\nX-Evil: 1" }):find("CR, LF or NUL", 1, true))
    assert.truthy(refusal(app, "{}", { Sign = "ab\0cd" }):find("CR, LF or NUL", 1, true))
    assert.truthy(refusal(app, "{}", { ["X Evil"] = "1" }):find("not a token", 1, true))
    assert.truthy(refusal(app, "{}", { [""] = "1" }):find("not a token", 1, true))
    local many = {}
    for i = 1, 17 do many["X-" .. i] = "v" end
    assert.truthy(refusal(app, "{}", many):find("more than 16 headers", 1, true))
  end)

  it("says why an app was not reached", function()
    local status, why = core.forward("http://127.0.0.1:9/", "{}", { Key = "k" }, { timeout = 2 })
    assert.is_nil(status)
    assert.truthy(why:find("127.0.0.1", 1, true), why)
  end)
end)
