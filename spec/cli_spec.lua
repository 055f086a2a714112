-- cli_spec.lua: the `calypso` command (bin/calypso), run as a user runs it,
-- from another directory, against the emulator: a generated subcommand, a
-- raw call, --debug, webhook sign and verify, and the exit statuses.
local calypso = require "calypso"
local emulator = require "support.emulator"
local shell = require "support.shell"

describe("the calypso command", function()
  local emu, root

  setup(function()
    emu = emulator.start()
    root = select(2, shell.run("pwd")):gsub("%s+$", "")
  end)

  teardown(function() emu:stop() end)

  -- Runs bin/calypso with args (a string) from /tmp; stdin: text for it.
  -- Returns the exit status, stdout and stderr.
  local function run(args, stdin, env)
    local out, err, input = os.tmpname(), os.tmpname(), os.tmpname()
    local f = assert(io.open(input, "wb"))
    f:write(stdin or "")
    f:close()
    local vars = { CALYPSO_API_KEY = emulator.key, CALYPSO_API_SECRET = emulator.secret,
                   CALYPSO_ACCOUNT = emulator.account, CALYPSO_BASE_URL = emu.base_url,
                   CALYPSO_CAFILE = emu.cafile }
    for k, v in pairs(env or {}) do vars[k] = v end
    local prefix = "cd /tmp && env"
    for k, v in pairs(vars) do prefix = prefix .. " " .. k .. "=" .. shell.quote(v) end
    local _, status = shell.run(prefix .. " " .. root .. "/bin/calypso " .. args .. " <" .. input
      .. " >" .. out .. " 2>" .. err .. "; echo $?")
    local function slurp(path)
      local h = assert(io.open(path, "rb"))
      local text = h:read("*a")
      h:close()
      os.remove(path)
      return text
    end
    os.remove(input)
    return tonumber(status:match("(%d+)%s*$")), slurp(out), slurp(err)
  end

  it("creates a customer with a subcommand made from the row, printing the JSON answer", function()
    local before = emu:stats().created
    local status, out, err = run("customer create --email ada@example.com --description 'from the shell'")
    assert.are.equal(0, status, err)
    local customer = require("cjson").decode(out)
    assert.are.equal("ada@example.com", customer.email)
    assert.are.equal("from the shell", customer.description)
    assert.are.equal(before + 1, emu:stats().created)
    assert.are.equal("", err)
    assert.is_nil(out:find("\n.", 1)) -- piped: one line
  end)

  it("sends an amount exactly as typed and prints the server's number untouched", function()
    local status, out = run("invoice create-single --amount 0.123456789012345678 --currency ETH"
      .. " --description Order-1")
    assert.are.equal(0, status)
    assert.truthy(out:find('"amount":0.123456789012345678', 1, true), out)
    assert.truthy(emu:stats().last.body:find('"amount":0.123456789012345678', 1, true))
  end)

  -- { what, the arguments }: JSON from the command line keeps every number's digits.
  for _, c in ipairs{
    { "--json of a subcommand", "invoice create-single --json "
      .. "'{\"amount\":0.123456789012345678,\"currency\":\"ETH\",\"description\":\"x\"}'" },
    { "call's payload", "call /api/v1/invoice/single/create "
      .. "'{\"amount\":0.123456789012345678,\"currency\":\"ETH\",\"description\":\"x\","
      .. "\"idempotencyKey\":\"" .. calypso.uuid4() .. "\"}'" },
  } do
    it("sends a number in " .. c[1] .. " exactly as typed", function()
      local status, out, err = run(c[2])
      assert.are.equal(0, status, err)
      assert.truthy(emu:stats().last.body:find('"amount":0.123456789012345678', 1, true),
        emu:stats().last.body)
      assert.truthy(out:find('"amount":0.123456789012345678', 1, true), out)
    end)
  end

  it("names the key after a dropped answer, and a rerun with it makes nothing more", function()
    local before = emu:stats().invoices
    emu:fault{ mode = "drop_reply", count = 3 } -- the create and both retries: all unanswered
    local status, out, err = run("invoice create-single --amount 7.5 --currency ETH --description Order-7")
    assert.are.equal(4, status)
    assert.are.equal("", out)
    local key = err:match("idempotency key is (%x+%-%x+%-%x+%-%x+%-%x+)")
    assert.truthy(key, err)
    assert.truthy(err:find("may have been applied", 1, true), err)
    assert.truthy(err:find("--idempotency-key " .. key, 1, true), err)
    status, out, err = run("invoice create-single --amount 7.5 --currency ETH --description Order-7"
      .. " --idempotency-key " .. key)
    assert.are.equal(0, status, err)
    assert.truthy(out:find('"idempotencyKey":"' .. key .. '"', 1, true), out)
    assert.are.equal(before + 1, emu:stats().invoices)
    -- the same key for another order is refused (exit 9), and makes nothing
    status, out, err = run("invoice create-single --amount 8 --currency ETH --description Order-8"
      .. " --idempotency-key " .. key)
    assert.are.equal(9, status)
    assert.are.equal("", out)
    assert.truthy(err:find("idempotency error", 1, true), err)
    assert.are.equal(before + 1, emu:stats().invoices)
  end)

  it("prints a subscription read back after a dropped answer alone, never the others' secretKeys", function()
    local other = assert(calypso.new(emu:options()).subscription.create{ url = "https://other.example/hook" })
    emu:fault{ mode = "drop_reply" }
    local status, out, err = run("subscription create --url https://mine.example/hook")
    assert.are.equal(0, status, err)
    local mine = require("cjson").decode(out)
    assert.are.equal("https://mine.example/hook", mine.url)
    assert.is_nil(out:find(other.secretKey, 1, true))
    assert.is_nil(out:find("subscriptions", 1, true))
  end)

  it("says to rerun with the key when a 016's read-back failed", function()
    local key = calypso.uuid4()
    local params = " --amount 3 --currency ETH --description Order-3 --idempotency-key " .. key
    assert.are.equal(0, (run("invoice create-single" .. params)))
    local unavailable = { mode = "status", status = 503 }
    -- the 016, then a read-back that fails all its attempts
    emu:fault{ sequence = { { mode = "pass" }, unavailable, unavailable, unavailable } }
    local status, _, err = run("invoice create-single" .. params)
    assert.are.equal(3, status)
    assert.truthy(err:find("code 016", 1, true), err)
    assert.truthy(err:find("reading it back failed", 1, true), err)
    assert.truthy(err:find("rerun with --idempotency-key " .. key, 1, true), err)
  end)

  it("sends an integer amount past 2^53 typed in --json exactly", function()
    local status, _, err = run("invoice create-single --json "
      .. "'{\"amount\":12345678901234567,\"currency\":\"ETH\",\"description\":\"x\"}'")
    assert.are.equal(0, status, err)
    assert.truthy(emu:stats().last.body:find('"amount":12345678901234567', 1, true))
  end)

  it("says a dropped create without a key may have been applied, and has no key", function()
    emu:fault{ mode = "drop_reply" }
    local status, _, err = run("customer create --email ada@example.com")
    assert.are.equal(4, status)
    assert.truthy(err:find("may have been applied, and it has no idempotency key", 1, true), err)
  end)

  it("takes --idempotency-key on every keyed subcommand", function()
    for group, rows in pairs(require("calypso.endpoints")) do
      for name, row in pairs(rows) do
        if row.key then
          local status, out = run(group .. " " .. name:gsub("_", "-") .. " --help")
          assert.are.equal(0, status)
          assert.truthy(out:find("--idempotency-key", 1, true), group .. "." .. name)
        end
      end
    end
  end)

  it("refuses bad input with the rows' words, exit 2, sending nothing", function()
    local before = emu:stats().received
    local status, out, err = run("customer create --email not-an-address")
    assert.are.equal(2, status)
    assert.are.equal("", out)
    assert.truthy(err:find("calypso validation error: customer.create: email", 1, true), err)
    assert.are.equal(before, emu:stats().received)
  end)

  it("exits 3 on the server's refusal, with the code and the hint on stderr", function()
    local status, _, err = run("customer create", nil, { CALYPSO_API_SECRET = "not-the-secret" })
    assert.are.equal(3, status)
    assert.truthy(err:find("code 003", 1, true), err)
    assert.truthy(err:find("check the secret", 1, true), err)
    assert.is_nil(err:find("not-the-secret", 1, true))
  end)

  it("makes a raw call with a JSON payload", function()
    local status, out = run("call /api/v1/customer-purse/customer/create '{\"description\":\"raw\"}'")
    assert.are.equal(0, status)
    assert.truthy(out:find('"description":"raw"', 1, true), out)
  end)

  it("shows the request and answer with --debug, Key and Sign redacted", function()
    local status, _, err = run("--debug customer create --email debug@example.com")
    assert.are.equal(0, status)
    assert.truthy(err:find("> POST /api/v1/customer-purse/customer/create (attempt 1)", 1, true), err)
    assert.truthy(err:find("> Key: [redacted]\n> Sign: [redacted]", 1, true), err)
    assert.truthy(err:find('"email":"debug@example.com"', 1, true), err)
    assert.truthy(err:find("< 200 ", 1, true), err)
    assert.is_nil(err:find(emulator.key, 1, true))
    assert.is_nil(err:find(emulator.secret, 1, true))
    assert.is_nil(err:find(("%x"):rep(128)))
  end)

  it("signs and verifies a webhook delivery from stdin", function()
    local body, headers = calypso.webhook.delivery({ eventType = "CUSTOMER_PURSE_EXPIRED",
      service = "CUSTOMER_PURSE", data = { customerId = "c1" } }, { secret = "whsec" })
    local status, out = run("webhook sign --secret whsec", body)
    assert.are.equal(0, status)
    assert.are.equal(headers.Sign .. "\n", out)
    status, out = run("webhook verify --secret whsec --sign " .. headers.Sign, body)
    assert.are.equal(0, status)
    assert.are.equal(body .. "\n", out)
    local err
    status, out, err = run("webhook verify --secret other --sign " .. headers.Sign, body)
    assert.are.equal(2, status)
    assert.are.equal("", out)
    assert.truthy(err:find("does not match", 1, true), err)
  end)

  it("lists a subcommand's fields with their rules in --help, and exits 1 on a usage error", function()
    local status, out = run("invoice create-single --help")
    assert.are.equal(0, status)
    assert.truthy(out:find("--amount <amount>", 1, true), out)
    assert.truthy(out:find("(required) an amount above zero", 1, true), out)
    local err
    status, out, err = run("invoice create-everything")
    assert.are.equal("", out)
    assert.are.equal(1, status)
    assert.truthy(err:find("unknown command 'create-everything'", 1, true), err)
  end)
end)
