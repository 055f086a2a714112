-- endpoints_spec.lua: every endpoint row round-trips through the emulator:
-- customer block/unblock, purse get/get_all, transaction get/find/each, the
-- paths option for inferred paths, and client:call for anything unwrapped.
local calypso = require "calypso"
local emulator = require "support.emulator"

describe("the Customer Purse endpoints", function()
  local emu, client, customer

  setup(function()
    emu = emulator.start()
    client = emu:client{ max_retries = 0 }
    customer = assert(client.customer.create{ email = "ada@example.com" })
  end)

  teardown(function()
    client:close()
    emu:stop()
  end)

  describe("customer.block / customer.unblock", function()
    it("block and unblock the customer", function()
      local blocked = assert(client.customer.block{ customerId = customer.id })
      assert.are.equal(customer.id, blocked.id)
      assert.is_true(blocked.blocked)
      local unblocked = assert(client.customer.unblock{ customerId = customer.id })
      assert.is_false(unblocked.blocked)
    end)

    it("report an unknown customer as code 004", function()
      local _, err = client.customer.block{ customerId = "00000000-0000-4000-8000-000000000000" }
      assert.are.equal("004", err.code)
    end)
  end)

  describe("purse.get", function()
    it("gives a customer one address per currency", function()
      local first = assert(client.purse.get{ customerId = customer.id, currency = "USDT_BSC" })
      assert.is_string(first.id)
      assert.is_string(first.address)
      local again = assert(client.purse.get{ customerId = customer.id, currency = "USDT_BSC" })
      assert.are.equal(first.address, again.address)
      local other = assert(client.purse.get{ customerId = customer.id, currency = "ETH" })
      assert.are_not.equal(first.id, other.id)
    end)

    it("passes a currency the client has never heard of", function()
      assert.is_table(client.purse.get{ customerId = customer.id, currency = "NEW_COIN_2030" })
    end)
  end)

  describe("purse.get_all", function()
    it("lists the customer's purses, in whatever shape the server sends", function()
      local fresh = assert(client.customer.create{})
      assert(client.purse.get{ customerId = fresh.id, currency = "BTC" })
      assert(client.purse.get{ customerId = fresh.id, currency = "ETH" })
      local all = assert(client.purse.get_all{ customerId = fresh.id })
      assert.are.equal(2, #all.purses)
    end)
  end)

  describe("transaction.get / transaction.find", function()
    local owner, ids

    setup(function()
      owner = assert(client.customer.create{})
      ids = emu:seed(owner.id, 23)
    end)

    it("get returns one transaction, unknown states and fields kept", function()
      local tx = assert(client.transaction.get{ transactionId = ids[5] })
      assert.are.equal(ids[5], tx.id)
      assert.are.equal("SOMETHING_NEW", tx.transactionState) -- an enum value the docs do not list
      assert.is_number(tx.sequence)                           -- a field the docs do not list
    end)

    it("find returns one page with its counts", function()
      local page = assert(client.transaction.find{ customerId = owner.id, pageNumber = 1, pageSize = 5 })
      assert.are.equal(5, #page.result)
      assert.are.equal(1, page.page)
      assert.are.equal(5, page.total)
      assert.are.equal(23, page.totalElements)
    end)

    it("find filters by currency and by state, unknown state values included", function()
      local page = assert(client.transaction.find{
        customerId = owner.id, pageSize = 100,
        currencyFilter = { equals = "ETH" },
        transactionStateFilter = { ["in"] = { "SOMETHING_NEW", "CONFIRMED" } },
      })
      assert.is_true(#page.result > 0)
      for _, tx in ipairs(page.result) do
        assert.are.equal("ETH", tx.currency)
        assert.truthy(tx.transactionState == "SOMETHING_NEW" or tx.transactionState == "CONFIRMED")
      end
    end)

    it("find sends the filters' in and notIn as arrays, even when empty", function()
      assert(client.transaction.find{
        customerId = owner.id,
        currencyFilter = { notIn = {} },
        transactionStateFilter = { ["in"] = { "CONFIRMED" }, notIn = {} },
      })
      local body = emu:stats().last.body
      assert.truthy(body:find('"currencyFilter":{"notIn":[]}', 1, true), body)
      assert.truthy(body:find('"notIn":[]', 1, true))
      assert.truthy(body:find('"in":["CONFIRMED"]', 1, true))
    end)

    it("each walks every page and yields every transaction once", function()
      local walk = client.transaction.each{ customerId = owner.id, pageSize = 5 }
      local seen = {}
      for tx in walk do seen[#seen + 1] = tx.id end
      assert.is_nil(walk.err)
      assert.is_nil(walk.capped)
      assert.are.equal(23, #seen)
      assert.are.equal(5, walk.pages)
      assert.are.same(ids, seen)
    end)

    it("each stops at max_pages and says so", function()
      local walk = client.transaction.each({ customerId = owner.id, pageSize = 5 }, { max_pages = 2 })
      local count = 0
      for _ in walk do count = count + 1 end
      assert.are.equal(10, count)
      assert.is_true(walk.capped)
      assert.are.equal(2, walk.pages)
    end)

    it("each stops on an error and keeps it", function()
      local walk = client.transaction.each{ customerId = owner.id, pageSize = 10 }
      local count = 0
      for _ in walk do
        count = count + 1
        if count == 10 then emu:fault{ mode = "status", status = 500 } end -- the next page fails
      end
      assert.are.equal(10, count)
      assert.are.equal("api", walk.err.kind)
      assert.are.equal(500, walk.err.status)
    end)

    it("each reports invalid params as its error, and yields nothing", function()
      local walk = client.transaction.each{ customerId = "not a uuid" }
      local count = 0
      for _ in walk do count = count + 1 end
      assert.are.equal(0, count)
      assert.are.equal("validation", walk.err.kind)
      assert.are.equal("customerId", walk.err.field)
    end)

    it("each starts where first_page says", function()
      local walk = client.transaction.each({ customerId = owner.id, pageSize = 10 }, { first_page = 2 })
      local count = 0
      for _ in walk do count = count + 1 end
      assert.are.equal(3, count) -- page 2 of 0, 1, 2 holds the last three
    end)
  end)

  describe("the paths option", function()
    it("replaces an endpoint's path, for paths the docs leave uncertain", function()
      local moved = emu:client{ max_retries = 0,
        paths = { ["customer.block"] = "/api/v1/customer-purse/customer/lock" } }
      local _, err = moved.customer.block{ customerId = customer.id }
      assert.are.equal(404, err.status)
      assert.are.equal("/api/v1/customer-purse/customer/lock", emu:stats().last.path)
      moved:close()
    end)

    it("refuses a label that names no endpoint, or a path without a /", function()
      assert.has_error(function() emu:client{ paths = { ["customer.lock"] = "/x" } } end)
      assert.has_error(function() emu:client{ paths = { ["customer.block"] = "x" } } end)
    end)
  end)

  describe("client:call", function()
    it("makes any signed call, with the same error model", function()
      local result = assert(client:call("/api/v1/customer-purse/customer/block",
        { customerId = customer.id }, { idempotent = true }))
      assert.is_true(result.blocked)
      local _, err = client:call("/api/v1/invoice/get", {})
      assert.are.equal("api", err.kind)
      assert.are.equal(404, err.status)
    end)

    it("sends calypso.array tables as arrays", function()
      client:call("/api/v1/anything", { list = calypso.array({}) })
      assert.truthy(emu:stats().last.body:find('"payload":{"list":[]}', 1, true))
    end)
  end)
end)
