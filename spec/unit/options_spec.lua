-- options_spec.lua: calypso.new refuses programmer mistakes loudly, naming
-- the option and never echoing the secret.
local calypso = require "calypso"
local emulator = require "support.emulator"

local SECRET = "s3cr3t-that-must-never-leak"

local function opts(overrides)
  local o = { key = emulator.key, secret = SECRET, account = emulator.account }
  for k, v in pairs(overrides) do
    if v == false then o[k] = nil else o[k] = v end
  end
  return o
end

-- { what, options, text the message must contain }
local bad = {
  { "options are not a table", "key=abc", "options must be a table" },
  { "key is missing", opts{ key = false }, "'key' is required" },
  { "secret is missing", opts{ secret = false }, "'secret' is required" },
  { "account is missing", opts{ account = false }, "'account' is required" },
  { "an option is unknown", opts{ secrte = SECRET }, "unknown option 'secrte'" },
  { "an option name is not a string", opts{ [1] = "x" }, "option names must be strings" },
  { "key is a number", opts{ key = 42 }, "'key' must be a string" },
  { "key is empty", opts{ key = "" }, "'key'" },
  { "key holds CR LF (header injection)", opts{ key = "abc\r\nX-Evil: 1" }, "'key'" },
  { "key holds a space", opts{ key = "abc def" }, "'key'" },
  { "secret is a number", opts{ secret = 12345 }, "'secret' must be a string" },
  { "secret is empty", opts{ secret = "" }, "'secret' must not be empty" },
  { "account is not 0x + 40 hex", opts{ account = "0x1234" }, "'account'" },
  { "account is a number", opts{ account = 1 }, "'account' must be a string" },
  { "base_url is http://", opts{ base_url = "http://api.calypso.finance" }, "'base_url'" },
  { "base_url has another scheme", opts{ base_url = "ftp://api.calypso.finance" }, "'base_url'" },
  { "base_url has no host", opts{ base_url = "https://" }, "'base_url'" },
  { "base_url holds a space", opts{ base_url = "https://api.calypso.finance/a b" }, "'base_url'" },
  { "base_url is a table", opts{ base_url = {} }, "'base_url' must be a string" },
  { "cafile does not exist", opts{ cafile = "/nonexistent/ca.pem" }, "'cafile'" },
  { "cafile is a boolean", opts{ cafile = true }, "'cafile' must be a string" },
  { "timeout is zero", opts{ timeout = 0 }, "'timeout'" },
  { "timeout is negative", opts{ timeout = -1 }, "'timeout'" },
  { "timeout is NaN", opts{ timeout = 0 / 0 }, "'timeout'" },
  { "timeout is infinite", opts{ timeout = math.huge }, "'timeout'" },
  { "timeout is a string", opts{ timeout = "30" }, "'timeout' must be a number" },
  { "connect_timeout is zero", opts{ connect_timeout = 0 }, "'connect_timeout'" },
  { "max_response_bytes is fractional", opts{ max_response_bytes = 1.5 }, "'max_response_bytes'" },
  { "max_response_bytes is zero", opts{ max_response_bytes = 0 }, "'max_response_bytes'" },
  { "secret ends with a newline", opts{ secret = SECRET .. "\n" }, "'secret' has whitespace" },
  { "secret starts with a space", opts{ secret = " " .. SECRET }, "'secret' has whitespace" },
  { "secret and secret_file are both given", opts{ secret_file = "/etc/hostname" }, "only one of" },
  { "secret and secret_env are both given", opts{ secret_env = "HOME" }, "only one of" },
  { "secret_file does not exist", opts{ secret = false, secret_file = "/nonexistent/s" }, "'secret_file'" },
  { "secret_env is not a variable name", opts{ secret = false, secret_env = "A B" }, "'secret_env'" },
  { "secret_env is not set", opts{ secret = false, secret_env = "CALYPSO_NOT_SET_ANYWHERE" },
    "secret_env is not set" },
  { "proxy is https://", opts{ proxy = "https://127.0.0.1:3128" }, "'proxy'" },
  { "proxy has no port", opts{ proxy = "http://127.0.0.1" }, "'proxy'" },
  { "proxy has a path", opts{ proxy = "http://127.0.0.1:3128/x" }, "'proxy'" },
  { "proxy has credentials", opts{ proxy = "http://u:p@127.0.0.1:3128" }, "'proxy'" },
}

describe("calypso.new()", function()
  for _, row in ipairs(bad) do
    local what, o, expected = row[1], row[2], row[3]
    it("raises a clear error when " .. what, function()
      local ok, message = pcall(calypso.new, o)
      assert.is_false(ok)
      assert.truthy(message:find("calypso.new: ", 1, true))
      assert.truthy(message:find(expected, 1, true), message)
      assert.is_nil(message:find(SECRET, 1, true))
    end)
  end

  it("reports the caller's line, not its own", function()
    local ok, message = pcall(function() local c = calypso.new(opts{ timeout = 0 }); return c end)
    assert.is_false(ok)
    assert.truthy(message:find("options_spec.lua", 1, true))
  end)

  it("applies the documented defaults", function()
    local client = calypso.new(opts{})
    assert.truthy(tostring(client):find("https://api.calypso.finance", 1, true))
    client:close()
  end)

  it("drops a trailing slash from base_url", function()
    local client = calypso.new(opts{ base_url = "https://example.com/" })
    local text = tostring(client)
    assert.truthy(text:find("https://example.com)", 1, true))
    client:close()
  end)

  it("does not keep or change the caller's table", function()
    local o = opts{}
    local copy = {}
    for k, v in pairs(o) do copy[k] = v end
    local client = calypso.new(o)
    assert.are.same(copy, o)
    client:close()
  end)
end)
