-- cosocket_spec.lua: what each transport moves itself and so must get right
-- itself, above all the nginx one (lua/calypso/cosocket.lua, through the
-- probe server of spec/support/probe.conf): name resolution bounded by
-- connect_timeout, and a request that may have left counted as sent.
local emulator = require "support.emulator"
local transports = require "support.transports"

local CREATE = "/api/v1/customer-purse/customer/create"

describe("the nginx transport", function()
  local emu, over

  setup(function()
    emu = emulator.start()
    over = transports.start(emu)
  end)

  teardown(function()
    over:stop()
    emu:stop()
  end)

  it("gives up on a silent resolver at connect_timeout, not at nginx's resolver_timeout", function()
    -- resolver_timeout is 5 s there; the deadline would allow it.
    local answer = over:run("cosocket", {
      base_url = "https://api.calypso.test:" .. emu.port, connect_timeout = 0.5, max_retries = 0,
      record = true,
    }, { { path = CREATE } }, "/call-silent-dns")[1]
    assert.is_nil(answer.result)
    assert.are.equal("timeout", answer.err.kind, answer.err.message)
    assert.is_false(answer.err.request_sent)
    -- The attempt itself ended at connect_timeout.  (nginx then holds the
    -- request open until its resolver_timeout: the probe's answer comes after 5 s.)
    local took
    for _, event in ipairs(answer.events) do
      if event.hook == "on_response" then took = event.elapsed_ms end
    end
    assert.is_true(took >= 450 and took < 1500, "the attempt took " .. tostring(took) .. " ms")
  end)

  -- The drop listener takes the TLS handshake and closes: a 4 MiB request
  -- is cut while it is being written.  A cosocket's failed send does not say
  -- how much of it left, so the request must count as sent and a create must
  -- not be resent.  (The blocking transport counts the bytes curl wrote: it
  -- says "not sent" only when the very first write failed.)
  it("counts a request cut while it is written as sent, and never resends a create", function()
    local drop = emu.drop_url:gsub("127%.0%.0%.1", "localhost") -- the name nginx verifies
    local answer = over:run("cosocket", { base_url = drop, max_retries = 1, timeout = 5 },
      { { path = CREATE, pad = 4 * 1024 * 1024 } })[1]
    assert.is_nil(answer.result)
    assert.are.equal("network", answer.err.kind, answer.err.message)
    assert.is_true(answer.err.request_sent, answer.err.message)
    assert.is_true(answer.err.maybe_applied)
    assert.are.equal(1, answer.err.attempts)
  end)

  it("reaches https://localhost where nginx has no resolver, and checks the certificate's name", function()
    local answer = over:run("cosocket", { base_url = "https://localhost:" .. emu.port, connect_timeout = 2 },
      { { path = CREATE, payload = { description = "no resolver" } } }, "/call-no-resolver")[1]
    assert.is_nil(answer.err, answer.err and answer.err.message)
    assert.are.equal(36, #answer.result.id)
    -- The same loopback, a certificate for another name: still refused.
    local wrong = emu.wrong_host_url:gsub("127%.0%.0%.1", "localhost")
    answer = over:run("cosocket", { base_url = wrong, max_retries = 0 }, { { path = CREATE } },
      "/call-no-resolver")[1]
    assert.are.equal("tls", answer.err.kind, answer.err.message)
  end)

  it("still resolves names through nginx's resolver", function()
    local answer = over:run("cosocket", { base_url = "https://api.calypso.test:" .. emu.port },
      { { path = CREATE, payload = { description = "by name" } } })[1]
    -- The certificate names localhost and 127.0.0.1 only: reaching the TLS
    -- check proves the name was resolved and connected to.
    assert.is_nil(answer.result)
    assert.are.equal("tls", answer.err.kind, answer.err.message)
  end)

  -- A blocking call in the set phase (no cosockets) fails its handshake;
  -- then, in the same request, a cosocket call does its own.  nginx clears
  -- OpenSSL's error queue before a handshake and logs what it finds there as
  -- "ignoring stale global SSL error": the blocking transport must leave
  -- nothing behind.
  it("leaves no OpenSSL error behind after a blocking TLS failure", function()
    local shell = require "support.shell"
    local ok, out = shell.run("curl -sS -D - -o /dev/null -H 'Content-Type: application/json'"
      .. " --data-binary " .. shell.quote('{"calls":[{"path":"' .. CREATE .. '"}]}')
      .. " " .. over.probe.url .. "/call-after-blocking-tls")
    assert(ok, out)
    assert.truthy(out:find("X%-Blocked: tls"), out) -- the blocking call failed its handshake
    assert.truthy(out:find("^HTTP/1.1 200"), out)
    local log = over.probe:log()
    assert.is_nil(log:find("stale global SSL error", 1, true), log:sub(-1500))
  end)
end)
