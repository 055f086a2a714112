-- spec/unit/lua_types_spec.lua: types/calypso.lua, the editor's types
-- (lua-language-server ---@meta), held to the rows: it is what
-- scripts/lua-types writes today (so it cannot drift), it declares one
-- params class per row with every body field, the required ones without
-- `?` and the rest with it, enums open (|string) and amounts string|number,
-- every group on the client and on client.async, and every class it names.
local endpoints = require "calypso.endpoints"

describe("types/calypso.lua (the editor's types)", function()
  local writer = dofile("scripts/lua-types")
  local f = assert(io.open(writer.FILE, "rb"))
  local text = f:read("*a")
  f:close()

  -- class name -> { field name -> { type = ..., optional = bool } }; and
  -- every type written, the text of each field's type.
  local classes, types = {}, {}
  local current
  for line in text:gmatch("[^\n]+") do
    local name = line:match("^%-%-%-@class ([%w_.]+)$")
      or line:match("^%-%-%-@class %(exact%) ([%w_.]+)$")
    local decl = line:match("^%-%-%-@field%s+(.+)$")
    if name then
      assert.is_nil(classes[name], "class " .. name .. " declared twice")
      current = {}
      classes[name] = current
    elseif decl and not decl:find("^%[string%]") then -- not the open objects' index signature
      decl = decl:gsub("%s+#.*$", "")
      local field, optional, t = decl:match('^%[?"?([%w_]+)"?%]?(%??) (.+)$')
      current[field] = { type = t, optional = optional == "?" }
      types[#types + 1] = t
    elseif line:find("^%-%-%-@type ") then
      types[#types + 1] = line:match("^%-%-%-@type (.+)$")
    end
  end

  it("is what scripts/lua-types writes from today's rows (run it after changing a row)", function()
    assert.are.equal(writer.text(), text)
  end)

  it("starts as a meta file that types require 'calypso'", function()
    assert.truthy(text:find("^%-%-%-@meta calypso\n"))
    assert.truthy(text:find("\n%-%-%-@type calypso%.module\nlocal calypso = {}\nreturn calypso\n$"))
  end)

  it("has a params class for every row, with each field, required ones without '?'", function()
    local rows = 0
    for group, group_rows in pairs(endpoints) do
      for name, row in pairs(group_rows) do
        local label = group .. "." .. name
        if row.body and row.body.fields then
          rows = rows + 1
          local class = classes["calypso." .. label .. ".params"]
          assert.is_table(class, label .. " has no params class")
          local exact = text:find("---@class (exact) calypso." .. label .. ".params\n", 1, true) ~= nil
          assert.are.equal(not row.body.open, exact, label .. " is exact only if no other fields pass")
          local required = {}
          for _, r in ipairs(row.body.required or {}) do required[r] = true end
          for field, t in pairs(row.body.fields) do
            local declared = class[field]
            assert.is_table(declared, label .. "." .. field .. " is missing")
            assert.are.equal(not required[field], declared.optional, label .. "." .. field .. "'s ? mark")
            if t.name == "enum" then
              assert.truthy(declared.type:find('|string$'), label .. "." .. field .. ": " .. declared.type)
              for _, v in ipairs(t.values) do
                assert.truthy(declared.type:find('"' .. v .. '"', 1, true),
                              label .. "." .. field .. " lacks " .. v)
              end
            elseif t.name == "decimal" then
              assert.are.equal("string|number", declared.type, label .. "." .. field)
            end
          end
          for field in pairs(class) do
            assert.is_truthy(row.body.fields[field] or (row.params and row.params[field]),
              label .. " declares " .. field .. ", which the row does not have")
          end
        end
      end
    end
    assert.is_true(rows > 30, "only " .. rows .. " rows with a body")
  end)

  it("puts every row on its group, for the client and for client.async", function()
    for group, group_rows in pairs(endpoints) do
      assert.are.equal("calypso.group." .. group, classes["calypso.Client"][group].type)
      assert.are.equal("calypso.async." .. group, classes["calypso.Async"][group].type)
      for name, row in pairs(group_rows) do
        local sync, async = classes["calypso.group." .. group][name], classes["calypso.async." .. group][name]
        assert.truthy(sync and sync.type:find("calypso%.Error%?$"), group .. "." .. name)
        assert.truthy(async and async.type:find("^fun%(.*%): calypso%.Request|nil, calypso%.Error%?$"),
          "client.async." .. group .. "." .. name)
        if row.paged then assert.is_table(classes["calypso.group." .. group][row.each or "each"]) end
      end
    end
  end)

  it("names only classes it declares", function()
    local named = 0
    for _, t in ipairs(types) do
      for class in t:gmatch("calypso%.[%w_.]+") do
        named = named + 1
        assert.is_table(classes[class], "names " .. class .. ", which it does not declare")
      end
    end
    assert.is_true(named > 100, "only " .. named .. " class names in types")
  end)

  it("types the options of calypso.new and of a call as calypso.options has them", function()
    local options = require "calypso.options"
    for name, shape in pairs(options.shapes()) do
      local declared = classes["calypso.Options"][name]
      assert.is_table(declared, "option " .. name)
      assert.are.equal(not shape.required, declared.optional, "option " .. name)
    end
    for name in pairs(options.shapes(true)) do
      assert.is_true(classes["calypso.CallOptions"][name].optional, "call option " .. name)
    end
    assert.truthy(classes["calypso.CallOptions"].account)
  end)
end)
