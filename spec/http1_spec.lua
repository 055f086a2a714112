-- http1_spec.lua: HTTP/1.1 framing against responses written byte for byte
-- by the emulator's raw fault, over real TLS, through each of the three
-- transports (spec/support/transports.lua): the blocking one and the nginx
-- one frame with the core's parser (src/http1.c), client.async with
-- libcurl's; outcome.c judges for all three, so every row must give the same
-- verdict on each.  Where the answer frames itself (Content-Length, chunks,
-- 204) the server then holds the connection open for 2 s: a client that
-- waited for the connection to close would time out (timeout is 1 s).
local emulator = require "support.emulator"
local relay = require "support.relay"
local testsys = require "testsys"
local transports = require "support.transports"

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

local CREATE = "/api/v1/customer-purse/customer/create"
local ID = "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f"
local QUICK = { timeout = 1, max_retries = 0 }

describe("the HTTP/1.1 framing", function()
  local emu, over

  setup(function()
    emu = emulator.start()
    over = transports.start(emu)
  end)

  teardown(function()
    over:stop()
    emu:stop()
  end)

  for _, name in ipairs(transports.names) do
    -- The calls' answers (see support.transports) with the fault armed first.
    local function run(options, fault, calls)
      emu:fault(fault)
      return over:run(name, options, calls or { { path = CREATE } })
    end

    describe("over the " .. name .. " transport", function()
      for _, row in ipairs(rows) do
        local what, raw, hold, expected, status, code = row[1], row[2], row[3], row[4], row[5], row[6]
        it("handles " .. what, function()
          local answer = run(QUICK, { mode = "raw", response = raw, hold = hold })[1]
          if expected == "ok" then
            assert.is_nil(answer.err)
            assert.are.equal(ID, answer.result.id)
          else
            assert.is_nil(answer.result)
            assert.are.equal(expected, answer.err.kind, answer.err.message)
            assert.are.equal(status, answer.err.status)
            assert.are.equal(code, answer.err.code)
          end
        end)
      end

      it("fails a chunked body that passes max_response_bytes, though its last chunk fits", function()
        local raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          .. chunked('{"amount":1', "000000", "}")
        local answer = run({ timeout = 1, max_retries = 0, max_response_bytes = 12 },
          { mode = "raw", hold = HOLD, response = raw })[1]
        assert.is_nil(answer.result)
        assert.are.equal("decode", answer.err.kind)
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
          local before = emu:stats().received
          local answers = run(QUICK, { mode = "raw", response = c[2], hold = HOLD }, {
            { path = CREATE }, { path = CREATE, payload = { description = "next" } },
          })
          assert.is_nil(answers[2].err)
          assert.are.equal("next", answers[2].result.description)
          assert.are.equal(before + 2, emu:stats().received)
        end)
      end

      -- A second answer to one request, in a TLS record of its own, on a
      -- connection left idle: the next call must not take it for its own
      -- answer (another object, as a success).  The core's HTTP/1.1 looks
      -- at an idle connection before it sends (conn.c, link.c); libcurl 7.88
      -- would reuse it (its liveness check counts waiting bytes as life), so
      -- with http2 = true multi.c empties and shuts down idle HTTP/1.x
      -- connections with bytes waiting.  The next call waits until the emulator has written the
      -- bytes, so that they are there to be found; the hosts that run the
      -- calls elsewhere (nginx, tarantool) cannot wait so, and nginx closes
      -- an idle pooled connection that turns readable itself.
      -- Two creates; the first's answer is followed by a second one, which
      -- the next call must not take for its own (options: the client's).
      local function after_a_second_answer(options)
        local written = emu:stats().raw_after_sent
        local function bytes_written()
          local deadline = os.time() + 10
          while emu:stats().raw_after_sent == written do
            assert(os.time() < deadline, "the emulator never wrote the second answer")
          end
        end
        local second = with_length("HTTP/1.1 200 OK",
          '{"id":"not-this-call","description":"a second answer"}')
        local answers = run(options, { mode = "raw", response = with_length("HTTP/1.1 200 OK", OK),
                                       after = second, hold = HOLD }, {
          { path = CREATE }, { path = CREATE, payload = { description = "next" }, before = bytes_written },
        })
        assert.are.equal(ID, answers[1].result.id)
        assert.is_nil(answers[2].err)
        assert.are.equal("next", answers[2].result.description)
      end

      if not (name == "cosocket" or name == "tarantool") then
        it("never takes a second answer left on an idle connection for the next call's", function()
          local before = emu:stats().received
          after_a_second_answer(QUICK)
          assert.are.equal(before + 2, emu:stats().received)
        end)
      end

      -- With http2 = true, client.async is libcurl's HTTP engine, and a server
      -- that offers only HTTP/1.1 (the emulator's h1_url) gets its HTTP/1.1.
      if name == "async" then
        it("never takes a second answer left on an idle connection, with http2 = true at an "
           .. "HTTP/1.1-only server", function()
          after_a_second_answer({ timeout = 1, max_retries = 0, http2 = true, base_url = emu.h1_url })
        end)
      end

      it("ends a call at its timeout while the server keeps sending", function()
        -- One body byte per 8 KiB of chunk extension: the cap is never reached.
        local answer = run(QUICK, { mode = "raw", seconds = 6,
          response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
          flood = "1;x=" .. ("y"):rep(8000) .. "\r\n \r\n" })[1]
        assert.is_nil(answer.result)
        assert.are.equal("timeout", answer.err.kind)
        assert.are.equal("timeout", answer.err.cause)
        assert.is_true(answer.err.request_sent)
      end)

      it("recovers on the same client after a broken answer", function()
        local answers = run({ max_retries = 0 }, {
          mode = "raw", response = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" .. OK,
        }, { { path = CREATE }, { path = CREATE, payload = { email = "ada@example.com" } } })
        assert.are.equal("network", answers[1].err.kind)
        assert.is_nil(answers[2].err)
        assert.are.equal("ada@example.com", answers[2].result.email)
      end)
    end)
  end

  -- OpenSSL reads ahead on the blocking connection (conn.c) and on
  -- client.async's links (link.c): a recv takes whatever has come, and what
  -- it took past the record asked for waits inside OpenSSL, where poll()
  -- cannot see it.  A relay in a child process (a blocking call blocks,
  -- client:wait too) holds the server's bytes until `records` application
  -- records have come, then passes them in one write; later connections it
  -- passes as they come.  relayed(records, connections, calls) runs calls(r)
  -- against it.
  local function relayed(records, connections, calls)
    local r = relay.new(emu.port)
    local pid = testsys.fork()
    if pid == 0 then
      local ok = pcall(r.serve, r, { hold = "records", records = records }, connections, 20)
      testsys.exit(ok and 0 or 1)
    end
    r:close() -- the child's copy listens
    calls(r)
    assert.are.equal(0, testsys.wait(pid))
  end

  -- Two answers in one read: the second must not be taken for the next
  -- call's.  make(client, params) -> result, err: one call's way.
  local function second_answer_in_one_read(make)
    -- two connections: the first, held, and the one the second call must make
    relayed(2, 2, function(r)
      local second = with_length("HTTP/1.1 200 OK", '{"id":"not-this-call","description":"a second answer"}')
      emu:fault{ mode = "raw", response = with_length("HTTP/1.1 200 OK", OK), hold = HOLD, after = second }
      local before = emu:stats().received
      local client = emu:client{ base_url = "https://127.0.0.1:" .. r.port, timeout = 1, max_retries = 0 }
      local first, err = make(client, {})
      assert.is_nil(err)
      assert.are.equal(ID, first.id)
      local next_one, next_err = make(client, { description = "next" })
      assert.is_nil(next_err, next_err and next_err.message)
      assert.are.equal("next", next_one.description)
      assert.are.equal(before + 2, emu:stats().received)
      client:close()
    end)
  end

  it("never reuses a connection whose second answer came in the same read as the first", function()
    second_answer_in_one_read(function(client, params) return client.customer.create(params) end)
  end)

  it("never reuses a client.async connection whose second answer came in the same read as the first",
     function()
    second_answer_in_one_read(function(client, params)
      return assert(client.async.customer.create(params)):wait()
    end)
  end)

  -- More records in one read than a link reads on a turn (link.c's
  -- READ_TURNS, 8: client.async and the three loops): the rest wait inside
  -- OpenSSL, and the link must be read again without waiting for its socket,
  -- which shows nothing more.  (In nginx, nginx reads: not ours.)
  for _, name in ipairs(transports.names) do
    if name ~= "cosocket" then
      it("reads an answer of 12 records that came in one read, over the " .. name .. " transport", function()
        relayed(12, 1, function(r)
          emu:fault{ mode = "raw", response = with_length("HTTP/1.1 200 OK", OK), pieces = 12, hold = HOLD }
          local options = { base_url = "https://127.0.0.1:" .. r.port, timeout = 1, max_retries = 0 }
          local answer = over:run(name, options, { { path = CREATE } })[1]
          assert.is_nil(answer.err, answer.err and answer.err.message)
          assert.are.equal(ID, answer.result.id)
        end)
      end)
    end
  end
end)
