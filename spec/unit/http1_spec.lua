-- spec/unit/http1_spec.lua: the response parser and its verdict, fed by hand
-- (no server): framing rules asserted directly, every split of the bytes.
local answer = require "support.answer"

local OK = '{"id":"3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f"}'

local function with_length(head, body)
  return head .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

local function chunked(...)
  local out = {}
  for _, piece in ipairs({ ... }) do out[#out + 1] = ("%x\r\n%s\r\n"):format(#piece, piece) end
  return table.concat(out) .. "0\r\n\r\n"
end

-- The verdict of raw fed whole, then fed cut at every single offset: all the
-- same, or the test fails naming the first offset that differs.
local function every_split(raw, max)
  local whole = answer.verdict(raw, max)
  for at = 1, #raw - 1 do
    local v = answer.verdict(raw, max, { at })
    assert.are.same(whole, v, "cut at byte " .. at)
  end
  local bytes = {}
  for at = 1, #raw - 1 do bytes[#bytes + 1] = at end
  assert.are.same(whole, answer.verdict(raw, max, bytes), "fed one byte at a time")
  return whole
end

describe("the response parser", function()
  describe("with a body over max_response_bytes", function()
    -- {"amount":1 000000 }: 18 bytes in three chunks; the cap is 12.
    local raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. chunked('{"amount":1', "000000", "}")

    it("fails a chunked body that passes the cap, however the bytes are split", function()
      local v = every_split(raw, 12)
      assert.is_false(v.ok)
      assert.are.equal("decode", v.kind)
      assert.are.equal(200, v.status)
      assert.is_false(v.reusable)
    end)

    it("fails it when the cap falls inside the last chunk too", function()
      local v = every_split(raw, 17)
      assert.is_false(v.ok)
      assert.are.equal("decode", v.kind)
    end)

    it("accepts the same body when it fits exactly", function()
      local v = every_split(raw, 18)
      assert.is_true(v.ok)
      assert.are.equal(1000000, v.body.amount)
    end)

    it("fails a close-delimited body over the cap as decode", function()
      local v = answer.verdict("HTTP/1.1 200 OK\r\n\r\n" .. OK, 10)
      assert.are.equal("decode", v.kind)
    end)
  end)

  describe("connection reuse", function()
    for _, c in ipairs{
      { "Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}" },
      { "HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
      { "Connection: close on a 100 Continue",
        "HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
      { "both Content-Length and chunked",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" .. chunked("{}") },
      { "a close-delimited body", "HTTP/1.1 200 OK\r\n\r\n{}" },
      { "bytes after the answer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n" },
    } do
      it("does not reuse the connection after " .. c[1], function()
        local v = answer.verdict(c[2])
        assert.is_true(v.ok)
        assert.is_false(v.reusable)
      end)
    end

    for _, c in ipairs{
      { "a Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
      { "chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" .. chunked("{}") },
      { "HTTP/1.0 with keep-alive", with_length("HTTP/1.0 200 OK\r\nConnection: keep-alive", "{}") },
      { "a Calypso error", with_length("HTTP/1.1 400 Bad Request", '{"errorCode":"001","message":"x"}') },
    } do
      it("reuses the connection after " .. c[1], function()
        assert.is_true(answer.verdict(c[2]).reusable)
      end)
    end

    for _, c in ipairs{
      { "a 204", "HTTP/1.1 204 No Content\r\n\r\n" },
      { "a 2xx that is not JSON", with_length("HTTP/1.1 200 OK", "OK") },
      { "a 2xx that is a JSON array", with_length("HTTP/1.1 200 OK", "[1]") },
      { "a 2xx with broken JSON", with_length("HTTP/1.1 200 OK", '{"id":') },
    } do
      it("drops the connection after a refused answer: " .. c[1], function()
        local v = answer.verdict(c[2])
        assert.are.equal("decode", v.kind)
        assert.is_false(v.reusable)
      end)
    end
  end)

  describe("interim answers and trailers", function()
    it("refuses an endless run of 100 Continue", function()
      local v = answer.verdict(("HTTP/1.1 100 Continue\r\n\r\n"):rep(5000)
        .. with_length("HTTP/1.1 200 OK", OK))
      assert.is_false(v.ok)
      assert.are.equal("network", v.kind)
    end)

    it("accepts a few interim answers", function()
      local v = every_split(("HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\n"):rep(3)
        .. with_length("HTTP/1.1 200 OK", OK))
      assert.is_true(v.ok)
    end)

    it("refuses trailers past the header limit", function()
      local v = answer.verdict("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n"
        .. ("X-Trailer: " .. ("t"):rep(1000) .. "\r\n"):rep(100) .. "\r\n")
      assert.is_false(v.ok)
      assert.are.equal("network", v.kind)
    end)

    it("refuses 101 Switching Protocols", function()
      local v = every_split("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"
        .. with_length("HTTP/1.1 200 OK", OK))
      assert.is_false(v.ok)
      assert.are.equal("network", v.kind)
      assert.is_false(v.reusable)
    end)
  end)
end)
