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

  -- RFC 4231's HMAC-SHA-512 test cases 1, 2, 3, 6 and 7 (6 and 7: a key
  -- longer than SHA-512's 128-byte block, hashed first).
  local long_key = ("\170"):rep(131)
  for _, c in ipairs{
    { 1, ("\11"):rep(20), "Hi There",
      "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be"
      .. "9d914eeb61f1702e696c203a126854" },
    { 2, "Jefe", "what do ya want for nothing?",
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdca"
      .. "eab1a34d4a6b4b636e070a38bce737" },
    { 3, ("\170"):rep(20), ("\221"):rep(50),
      "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b9"
      .. "46a337bee8942674278859e13292fb" },
    { 6, long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
      "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295"
      .. "e64f73f63f0aec8b915a985d786598" },
    { 7, long_key, "This is a test using a larger than block-size key and a larger than block-size data."
      .. " The key needs to be hashed before being used by the HMAC algorithm.",
      "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de1513"
      .. "4676fb6de0446065c97440fa8c6a58" },
  } do
    it("gives RFC 4231's HMAC-SHA-512 for its test case " .. c[1], function()
      assert.are.equal(c[4], calypso.sign(c[2], c[3]))
    end)
  end

  it("agrees with the openssl command on keys and bodies around SHA-512's 128-byte block", function()
    for _, key_len in ipairs{ 1, 127, 128, 129, 256, 4096 } do
      local key = ("k"):rep(key_len - 1) .. "!"
      for _, body_len in ipairs{ 0, 111, 112, 127, 128, 129, 1000 } do
        local body = ("b"):rep(body_len)
        assert.are.equal(openssl_hmac(key, body), calypso.sign(key, body),
                         key_len .. "-byte key, " .. body_len .. "-byte body")
      end
    end
  end)

  it("raises for a missing or empty secret and for a non-string body", function()
    assert.has_error(function() calypso.sign(nil, "x") end)
    assert.has_error(function() calypso.sign("", "x") end)
    assert.has_error(function() calypso.sign("s", 42) end)
  end)
end)
