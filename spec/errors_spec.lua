-- errors_spec.lua: every error kind, produced for real against the emulator
-- (or a closed port), never by a mock.
local emulator = require "support.emulator"

local UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"

-- Asserts a failed call: nil result, an error of `kind`, and no trace of the
-- secret anywhere in it.
local function expect(kind, result, err)
  assert.is_nil(result)
  assert.is_table(err)
  assert.are.equal(kind, err.kind, tostring(err))
  assert.is_string(err.message)
  local text = tostring(err)
  assert.truthy(text:find("calypso " .. kind .. " error", 1, true), text)
  for _, value in pairs(err) do
    if type(value) == "string" then assert.is_nil(value:find(emulator.secret, 1, true)) end
  end
  assert.is_nil(text:find(emulator.secret, 1, true))
  return err
end

describe("client errors", function()
  local emu, client

  setup(function()
    emu = emulator.start()
    client = emu:client()
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  before_each(function()
    emu:skew_clock(0)
  end)

  describe("kind api", function()
    it("is code 003 with status 400 and a trace id for a wrong secret", function()
      local wrong = emu:client{ secret = "not-the-secret" }
      local err = expect("api", wrong.customer.create{ email = "ada@example.com" })
      assert.are.equal(400, err.status)
      assert.are.equal("003", err.code)
      assert.truthy(err.message:find("Wrong sign", 1, true))
      assert.is_string(err.trace_id)
      assert.truthy(tostring(err):find("HTTP 400, code 003", 1, true))
      assert.truthy(tostring(err):find(err.trace_id, 1, true))
      assert.truthy(err.hint:find("^check the secret: "), err.hint)
      assert.truthy(tostring(err):find("Wrong sign (check the secret: ", 1, true), tostring(err))
      wrong:close()
    end)

    it("is code 002 for an unknown key", function()
      local wrong = emu:client{ key = "0123456789abcdef0123456789abcdef" }
      local err = expect("api", wrong.customer.create{})
      assert.are.equal("002", err.code)
      wrong:close()
    end)

    it("is code 004 for an unknown customer id", function()
      local err = expect("api", client.customer.update{ id = UNKNOWN_ID, description = "x" })
      assert.are.equal(400, err.status)
      assert.are.equal("004", err.code)
      assert.are.equal("status", err.cause)
    end)

    it("is code 011 when the server's clock is 10 minutes ahead and its Date does not say so", function()
      emu:skew_clock(10 * 60 * 1000, false)
      local err = expect("api", client.customer.create{})
      assert.are.equal("011", err.code)
      assert.are.equal(2, err.attempts) -- one clock correction, from an honest Date
      assert.truthy(err.hint:find("check this machine's clock (NTP)", 1, true), err.hint)
      assert.truthy(tostring(err):find("check this machine's clock", 1, true))
    end)


    it("is not raised when the clocks differ by less than the 3-minute window", function()
      emu:skew_clock(2 * 60 * 1000)
      assert.is_table(client.customer.create{})
      emu:skew_clock(-2 * 60 * 1000)
      assert.is_table(client.customer.create{})
    end)

    it("keeps the status of an HTML 502 page, with no code", function()
      emu:fault{ mode = "html_502" }
      local err = expect("api", client.customer.create{})
      assert.are.equal(502, err.status)
      assert.is_nil(err.code)
      assert.truthy(err.message:find("502", 1, true))
    end)
  end)

  describe("kind tls", function()
    it("is returned when the server's certificate is from another CA", function()
      local other = emu:client{ cafile = emu.other_cafile }
      local before = emu:stats().received
      assert.are.equal("tls", expect("tls", other.customer.create{}).cause)
      assert.are.equal(before, emu:stats().received)
      other:close()
    end)

    it("is returned when only the system trust store is used", function()
      local system = emu:client{ cafile = emulator.NONE }
      expect("tls", system.customer.create{})
      system:close()
    end)
  end)

  describe("kind network", function()
    it("is returned when the port refuses connections", function()
      local refused = emu:client{ base_url = "https://127.0.0.1:1", max_retries = 0 }
      local err = expect("network", refused.customer.create{})
      assert.is_nil(err.status)
      assert.are.equal("connect", err.cause)
      refused:close()
    end)
  end)

  describe("kind timeout", function()
    it("is returned when the server stalls past the timeout", function()
      local impatient = emu:client{ timeout = 0.3 }
      emu:fault{ mode = "stall", seconds = 3 }
      assert.are.equal("timeout", expect("timeout", impatient.customer.create{}).cause)
      impatient:close()
    end)
  end)

  describe("kind decode", function()
    for _, mode in ipairs({ "not_json", "json_array", "empty" }) do
      it("is returned for a 200 whose body is " .. mode:gsub("_", " "), function()
        emu:fault{ mode = mode }
        local err = expect("decode", client.customer.create{})
        assert.are.equal(200, err.status)
        assert.are.equal("not_object", err.cause) -- text, a JSON array, nothing: none is an object
      end)
    end

    it("is returned for a body over the cap announced by Content-Length", function()
      emu:fault{ mode = "oversize", bytes = 2 * 1024 * 1024 }
      local err = expect("decode", client.customer.create{})
      assert.truthy(err.message:find("max_response_bytes", 1, true))
      assert.are.equal("too_large", err.cause)
    end)

    it("is returned for a chunked body that grows past the cap", function()
      emu:fault{ mode = "oversize_chunked", bytes = 2 * 1024 * 1024 }
      local err = expect("decode", client.customer.create{})
      assert.truthy(err.message:find("max_response_bytes", 1, true))
    end)

    it("honours a smaller max_response_bytes for an ordinary answer", function()
      local small = emu:client{ max_response_bytes = 64 }
      expect("decode", small.customer.create{ description = string.rep("d", 100) })
      small:close()
    end)

    it("accepts a body of exactly max_response_bytes", function()
      emu:fault{ mode = "oversize", bytes = 4096 }
      local capped = emu:client{ max_response_bytes = 4096 }
      local result, err = capped.customer.create{}
      assert.is_nil(err)
      assert.are.equal(4096 - #'{"pad":""}', #result.pad)
      capped:close()
    end)
  end)
end)
