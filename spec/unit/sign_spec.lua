-- sign_spec.lua: calypso.sign against the documented vector and openssl.
local calypso = require "calypso"

local documented = {
  secret = "b823a6b9ea72408583cef9ec8d67fa52",
  data = '{"timestamp":1}',
  sign = "b16e9d45f49f2069becbc4f108b237bee588cfc353fe9501df103e692acbc68d"
    .. "482a10d34c12bea22fedde7e28e1b8e57a6a0a373b0e9a27c5257bd8b36e13b9",
}

local function openssl_hmac(secret, data)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
  local pipe = assert(io.popen("openssl dgst -sha512 -hmac '" .. secret .. "' < " .. path))
  local out = pipe:read("*a")
  pipe:close()
  os.remove(path)
  return out:match("(%x+)%s*$")
end

describe("calypso.sign()", function()
  it("reproduces the documented test vector", function()
    assert.are.equal(documented.sign, calypso.sign(documented.secret, documented.data))
  end)

  it("gives a different sign when one space is added to the body", function()
    local spaced = calypso.sign(documented.secret, '{"timestamp": 1}')
    assert.are_not.equal(documented.sign, spaced)
    assert.are.equal("997c35df", spaced:sub(1, 8))
    assert.are.equal("2e0145", spaced:sub(-6))
  end)

  it("returns 128 lowercase hex digits", function()
    local sign = calypso.sign("k", "")
    assert.are.equal(128, #sign)
    assert.is_nil(sign:find("[^0-9a-f]"))
  end)

  it("agrees with the openssl command on bodies with NUL and non-ASCII bytes", function()
    for _, body in ipairs({ "a\0b", "caf\195\169", string.rep("x", 5000), "" }) do
      assert.are.equal(openssl_hmac("s3cr3t", body), calypso.sign("s3cr3t", body))
    end
  end)

  it("raises for a missing or empty secret and for a non-string body", function()
    assert.has_error(function() calypso.sign(nil, "x") end)
    assert.has_error(function() calypso.sign("", "x") end)
    assert.has_error(function() calypso.sign("s", 42) end)
  end)
end)
