-- answer_shape_spec.lua: what a 2xx may carry, judged once (outcome.c) for
-- every transport: a row that declares a list answer
-- (settlement.payout_withdrawals: "the answer may be a list"), or a
-- client:call with list = true, takes a JSON list, returned as sent; any
-- other row, or call, refuses one as a decode error.
local emulator = require "support.emulator"
local transports = require "support.transports"

describe("an answer that is a JSON list", function()
  local emu, over

  setup(function()
    emu = emulator.start()
    over = transports.start(emu)
  end)

  teardown(function()
    over:stop()
    emu:stop()
  end)

  local LIST = '[{"id":"w1","withdrawalId":1,"amount":10,"currency":"USDT_TRX","state":"DRAFT"}]'

  for _, name in ipairs(transports.names) do
    it("is the result of a row that declares one, on the " .. name .. " transport", function()
      emu:fault{ mode = "answer", body = LIST }
      local answer = over:run(name, { max_retries = 0 },
        { { row = "settlement.payout_withdrawals", params = { requestId = "r1" } } })[1]
      assert.is_nil(answer.err, answer.err and answer.err.message)
      assert.are.equal(1, #answer.result)
      assert.are.equal("w1", answer.result[1].id)
    end)

    it("is the result of client:call with list = true, and refused without, on the " .. name
      .. " transport", function()
      emu:fault{ mode = "answer", body = LIST }
      local path = "/api/v1/settlement/payout/withdrawals"
      local answers = over:run(name, { max_retries = 0 }, {
        { path = path, payload = { requestId = "r1" }, opts = { list = true, idempotent = true } } })
      assert.is_nil(answers[1].err, answers[1].err and answers[1].err.message)
      assert.are.equal("w1", answers[1].result[1].id)
      emu:fault{ mode = "answer", body = LIST }
      answers = over:run(name, { max_retries = 0 }, { { path = path, payload = { requestId = "r1" } } })
      assert.are.equal("decode", answers[1].err.kind)
    end)

    it("is a decode error for any other row, on the " .. name .. " transport", function()
      emu:fault{ mode = "answer", body = LIST }
      local answer = over:run(name, { max_retries = 0 },
        { { row = "settlement.payout", params = { id = "p1" } } })[1]
      assert.are.equal("decode", answer.err.kind)
    end)
  end
end)
