-- spec/unit/docs_spec.lua: the README's API table is the one the rows make
-- (scripts/api-doc), so it cannot drift from them: a row added or changed
-- without `scripts/api-doc readme` fails here.
local doc = dofile("scripts/api-doc")

describe("the README's API table", function()
  it("is what scripts/api-doc writes from the rows", function()
    local f = assert(io.open("README.md", "rb"))
    local readme = f:read("*a")
    f:close()
    assert.are.equal("\n\n" .. doc.markdown() .. "\n", doc.section(readme))
  end)

  it("and its table of keyed creates, too", function()
    local f = assert(io.open("README.md", "rb"))
    local readme = f:read("*a")
    f:close()
    assert.are.equal("\n\n" .. doc.keyed_markdown() .. "\n",
      doc.section(readme, doc.KEYED_BEGIN, doc.KEYED_END))
  end)

  it("names every endpoint, in the LDoc file too", function()
    local endpoints = require "calypso.endpoints"
    local markdown, ldoc = doc.markdown(), doc.ldoc()
    for group, rows in pairs(endpoints) do
      for name in pairs(rows) do
        assert.truthy(markdown:find("`client." .. group .. "." .. name, 1, true), group .. "." .. name)
        assert.truthy(ldoc:find("@function client." .. group .. "." .. name .. "\n", 1, true),
          group .. "." .. name)
      end
    end
  end)

  it("gives every field of every row, with its rule, on the LDoc page", function()
    local endpoints = require "calypso.endpoints"
    local ldoc = doc.ldoc()
    for group, rows in pairs(endpoints) do
      for name, row in pairs(rows) do
        local at = ldoc:find("@function client." .. group .. "." .. name .. "\n", 1, true)
        local start = ldoc:sub(1, at):match(".*()\n%-%-%- ") or 1
        local entry = ldoc:sub(start, at)
        for field, t in pairs(row.body and row.body.fields or {}) do
          assert.truthy(entry:find("`" .. field .. "`", 1, true), group .. "." .. name .. " " .. field)
          assert.truthy(entry:find(t.doc, 1, true), group .. "." .. name .. " " .. field .. " rule")
        end
      end
    end
  end)
end)

describe("the README's generated tables", function()
  local function readme(path)
    local f = assert(io.open(path or "README.md", "rb"))
    local text = f:read("*a")
    f:close()
    return text
  end

  it("give the options as calypso.options documents them, every option once", function()
    assert.are.equal("\n\n" .. doc.options_markdown() .. "\n",
      doc.section(readme(), doc.OPTIONS_BEGIN, doc.OPTIONS_END))
    local options = require "calypso.options"
    local listed = {}
    for _, entry in ipairs(options.documented) do
      for _, name in ipairs(entry[1]) do
        assert.is_nil(listed[name], name .. " twice")
        listed[name] = true
      end
      -- a default the table shows as text must not hide one the code has
      if entry.default and options.defaults[entry[1][1]] ~= nil then
        assert.truthy(entry.default:find(tostring(options.defaults[entry[1][1]]), 1, true), entry[1][1])
      end
    end
    local known = {}
    for _, name in ipairs(options.names()) do
      known[name] = true
      assert.is_true(listed[name] == true, name .. " is not in the table")
    end
    for name in pairs(listed) do assert.is_true(known[name] == true, name .. " is no option") end
  end)

  it("give the retry policy as calypso.retry decides it", function()
    local text = doc.section(readme(), doc.RETRY_BEGIN, doc.RETRY_END)
    assert.are.equal("\n\n" .. doc.retry_markdown() .. "\n", text)
    -- and the verdicts are the policy's: a dropped answer is never resent for a create without a key
    assert.truthy(text:find("| network error after the request may have left: reset, closed, no answer"
      .. " | retried | retried, same key | never |", 1, true), text)
  end)

  it("and the tables of contents, of the README and of the testing manual", function()
    assert.are.equal("\n\n" .. doc.toc(readme()) .. "\n", doc.section(readme(), doc.TOC_BEGIN, doc.TOC_END))
    local manual = readme(doc.MANUAL)
    assert.are.equal("\n\n" .. doc.toc(manual) .. "\n", doc.section(manual, doc.TOC_BEGIN, doc.TOC_END))
    assert.truthy(doc.toc(manual):find("- [Triggers](#triggers)", 1, true))
  end)
end)

describe("scripts/docs-check (make docs)", function()
  local function check(path)
    local pipe = assert(io.popen("lua5.4 scripts/docs-check " .. (path or "") .. " 2>&1; echo rc=$?"))
    local out = pipe:read("*a")
    pipe:close()
    return out
  end

  it("passes the published modules", function()
    assert.truthy(check():find("rc=0", 1, true))
  end)

  it("fails on an undocumented public function, naming it, and lets @local ones be", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("local M = {}\n--- documented.\nfunction M.a() end\n-- plain comment\nfunction M.b() end\n"
      .. "--- internal.\n-- @local\nfunction M.c() end\nfunction M.__gc() end\nM.d = 1\nreturn M\n")
    f:close()
    local out = check(path)
    os.remove(path)
    assert.truthy(out:find(":5: M.b has no doc comment", 1, true), out)
    assert.truthy(out:find(":10: M.d has no doc comment", 1, true), out)
    assert.is_nil(out:find("M.a ", 1, true), out)
    assert.is_nil(out:find("M.c ", 1, true), out)
    assert.truthy(out:find("2 public name(s) undocumented", 1, true), out)
    assert.truthy(out:find("rc=1", 1, true), out)
  end)
end)
