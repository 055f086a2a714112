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
end)
