-- decode_limits_spec.lua: max_response_values and max_object_members bound
-- what one answer may hold, with a decode error, on every transport (the
-- judge, outcome.c, decodes for all three).  The emulator answers with a
-- body of the test's own.
local emulator = require "support.emulator"
local transports = require "support.transports"

describe("an answer past the client's bounds", function()
  local emu, over

  setup(function()
    emu = emulator.start()
    over = transports.start(emu)
  end)

  teardown(function()
    over:stop()
    emu:stop()
  end)

  local members = {}
  for i = 1, 40 do members[i] = '"f' .. i .. '":' .. i end
  local BODY = "{" .. table.concat(members, ",") .. "}" -- 41 values, 40 members

  -- { options, the option the error names, or nil: accepted }
  for _, c in ipairs{
    { { max_response_values = 40 }, "max_response_values" },
    { { max_object_members = 39 }, "max_object_members" },
    { { max_response_values = 41, max_object_members = 40 }, nil },
  } do
    for _, name in ipairs(transports.names) do
      it((c[2] and "is a decode error naming " .. c[2] or "is taken at its bounds") .. " on the "
        .. name .. " transport", function()
        emu:fault{ mode = "answer", body = BODY }
        local options = { timeout = 2, max_retries = 0 }
        for k, v in pairs(c[1]) do options[k] = v end
        local call = { path = "/api/v1/account", opts = { envelope = "account" } }
        local answer = over:run(name, options, { call })[1]
        if c[2] then
          assert.are.equal("decode", answer.err.kind)
          assert.truthy(answer.err.message:find(c[2], 1, true), answer.err.message)
        else
          assert.is_nil(answer.err, answer.err and answer.err.message)
          assert.are.equal(40, answer.result.f40)
        end
      end)
    end
  end
end)
