-- http1_spec.lua: the core's own HTTP/1.1 framing (src/http1.c, src/conn.c)
-- against responses written byte for byte by the emulator's raw fault, over
-- the real TLS connection.  Where the answer frames itself (Content-Length,
-- chunks, 204) the server then holds the connection open for 2 s: a client
-- that waited for the connection to close would time out (timeout is 1 s).
local emulator = require "support.emulator"

local OK = '{"id":"3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f"}'

local function chunked(...)
  local out = {}
  for _, piece in ipairs({ ... }) do out[#out + 1] = ("%x\r\n%s\r\n"):format(#piece, piece) end
  return table.concat(out) .. "0\r\n\r\n"
end

local HOLD = 2

local function with_length(status_line, body)
  return status_line .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

local CALYPSO_ERROR = '{"errorCode":"001","message":"x","traceId":"t"}'
local CHUNKS_WITH_EXTRAS = chunked(OK:sub(1, 5), OK:sub(6))
  :gsub("\r\n", ";ext=1\r\n", 1)             -- an extension on the first chunk size
  :gsub("0\r\n\r\n$", "0\r\nX-T: 1\r\n\r\n") -- a trailer
local MANY_HEADERS = string.rep("X-Many: " .. string.rep("y", 1000) .. "\r\n", 70)

-- { what, raw response, seconds the server holds the connection open after
--   writing it, expected: "ok" or an error kind, expected status, code }
local rows = {
  { "a body delimited by the connection closing",
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" .. OK, 0, "ok", 200 },
  { "Connection: close with a Content-Length",
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " .. #OK .. "\r\n\r\n" .. OK, 0, "ok", 200 },
  { "a keep-alive answer with a Content-Length", with_length("HTTP/1.1 200 OK", OK), HOLD, "ok", 200 },
  { "a 100 Continue before the answer",
    "HTTP/1.1 100 Continue\r\n\r\n" .. with_length("HTTP/1.1 200 OK", OK), HOLD, "ok", 200 },
  { "chunks with extensions and trailers",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" .. CHUNKS_WITH_EXTRAS, HOLD, "ok", 200 },
  { "header names in any case and values with spaces",
    "HTTP/1.1 200 OK\r\ncontent-length:   " .. #OK .. "  \r\nX-Other:x\r\n\r\n" .. OK, HOLD, "ok", 200 },
  { "an HTTP/1.0 answer without keep-alive", with_length("HTTP/1.0 200 OK", OK), 0, "ok", 200 },
  { "bytes after the answer", with_length("HTTP/1.1 200 OK", OK) .. "HTTP/1.1 200 OK\r\n", HOLD, "ok", 200 },
  { "204 No Content", "HTTP/1.1 204 No Content\r\n\r\n", HOLD, "decode", 204 },
  { "an error status with a Calypso body",
    with_length("HTTP/1.1 400 Bad Request", CALYPSO_ERROR), HOLD, "api", 400, "001" },
  { "an HTTP/2 status line", "HTTP/2 200\r\n\r\n" .. OK, 0, "network", nil },
  { "a status line that is not HTTP", "ICY 200 OK\r\n\r\n" .. OK, 0, "network", nil },
  { "a header line longer than 8 KiB",
    "HTTP/1.1 200 OK\r\nX-Long: " .. string.rep("x", 9000) .. "\r\n\r\n" .. OK, 0, "network", 200 },
  { "more than 64 KiB of headers", "HTTP/1.1 200 OK\r\n" .. MANY_HEADERS .. "\r\n" .. OK, 0, "network", 200 },
  { "two different Content-Lengths",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n" .. OK, 0, "network", 200 },
  { "a Content-Length that is not a number",
    "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n" .. OK, 0, "network", 200 },
  { "a body shorter than its Content-Length",
    "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" .. OK, 0, "network", 200 },
  { "a malformed chunk size",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" .. OK, 0, "network", 200 },
  { "a chunk without its CRLF",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 0, "network", 200 },
  { "a transfer coding it did not ask for",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n" .. OK, 0, "network", 200 },
  { "a NUL byte for a chunk size",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\0\r\n\r\n", 0, "network", 200 },
  { "a NUL byte inside a header",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\0junk\r\n\r\n" .. OK, 0, "network", 200 },
  { "a chunk size written 0x..",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\n{}\r\n0\r\n\r\n", 0, "network", 200 },
  { "a space before a header's colon",
    "HTTP/1.1 200 OK\r\nContent-Length : " .. #OK .. "\r\n\r\n" .. OK, 0, "network", 200 },
  { "a Content-Length of 23 digits",
    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n" .. OK, 0, "network", 200 },
  { "a coding before chunked",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" .. OK, 0, "network", 200 },
  { "both Content-Length and chunked (chunked wins)",
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" .. chunked(OK),
    HOLD, "ok", 200 },
  { "a 5xx too large to keep, which stays an api error",
    "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 99999999\r\n\r\n", HOLD, "api", 502 },
  { "a Content-Length over max_response_bytes",
    "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n" .. OK, HOLD, "decode", 200 },
  { "nothing at all", "", 0, "network", nil },
  { "101 Switching Protocols before an answer",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n" .. with_length("HTTP/1.1 200 OK", OK),
    HOLD, "network", 101 },
}

describe("the HTTP/1.1 framing", function()
  local emu

  setup(function() emu = emulator.start() end)
  teardown(function() emu:stop() end)

  for _, row in ipairs(rows) do
    local what, raw, hold, expected, status, code = row[1], row[2], row[3], row[4], row[5], row[6]
    it("handles " .. what, function()
      local client = emu:client{ timeout = 1, max_retries = 0 }
      emu:fault{ mode = "raw", response = raw, hold = hold }
      local result, err = client.customer.create{}
      if expected == "ok" then
        assert.is_nil(err)
        assert.are.equal("3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f", result.id)
      else
        assert.is_nil(result)
        assert.are.equal(expected, err.kind, tostring(err))
        assert.are.equal(status, err.status)
        assert.are.equal(code, err.code)
      end
      client:close()
    end)
  end

  it("fails a chunked body that passes max_response_bytes, though its last chunk fits", function()
    local client = emu:client{ timeout = 1, max_retries = 0, max_response_bytes = 12 }
    emu:fault{ mode = "raw", hold = HOLD, response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. chunked('{"amount":1', "000000", "}") }
    local result, err = client:call("/api/v1/customer-purse/customer/create", {})
    assert.is_nil(result)
    assert.are.equal("decode", err.kind)
    client:close()
  end)

  -- The server answers, then keeps the connection open HOLD seconds before
  -- closing it, reading nothing more: a call sent on it would never be answered.
  for _, c in ipairs{
    { "Connection: close", with_length("HTTP/1.1 200 OK\r\nConnection: close", OK) },
    { "an HTTP/1.0 answer", with_length("HTTP/1.0 200 OK", OK) },
    { "a 204 it refused", "HTTP/1.1 204 No Content\r\n\r\n" },
    { "a 200 that is not JSON", with_length("HTTP/1.1 200 OK", "OK") },
  } do
    it("sends the next call on a new connection after " .. c[1], function()
      local client = emu:client{ timeout = 1, max_retries = 0 }
      emu:fault{ mode = "raw", response = c[2], hold = HOLD }
      client.customer.create{}
      local before = emu:stats().received
      local customer, err = client.customer.create{ description = "next" }
      assert.is_nil(err)
      assert.are.equal("next", customer.description)
      assert.are.equal(before + 1, emu:stats().received)
      client:close()
    end)
  end

  it("ends a call at its timeout while the server keeps sending", function()
    local client = emu:client{ timeout = 1, max_retries = 0 }
    -- One body byte per 8 KiB of chunk extension: the cap is never reached.
    emu:fault{ mode = "raw", seconds = 6,
      response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      flood = "1;x=" .. ("y"):rep(8000) .. "\r\n \r\n" }
    local result, err = client.customer.create{}
    assert.is_nil(result)
    assert.are.equal("timeout", err.kind)
    assert.is_true(err.request_sent)
    client:close()
  end)

  it("recovers on the same client after a broken answer", function()
    local client = emu:client{ max_retries = 0 }
    emu:fault{ mode = "raw", response = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" .. OK }
    assert.are.equal("network", select(2, client.customer.create{}).kind)
    local customer, err = client.customer.create{ email = "ada@example.com" }
    assert.is_nil(err)
    assert.are.equal("ada@example.com", customer.email)
    client:close()
  end)
end)
