--- Every item of a paged find, page after page:
--
--    local walk = client.transaction.each{ customerId = id }
--    for tx in walk do ... end
--    if walk.err then ... end        -- the call that stopped the walk
--    if walk.capped then ... end     -- max_pages reached with pages left
--
-- Pages are {result, page, size, total (pages), totalElements}.  The walk
-- asks for the page after the one the server says it sent, and stops at an
-- empty page, after `total` pages, after `totalElements` items, on an
-- error, or at the cap.  Options (each's second argument), with defaults:
--
--    first_page  0: where to start unless params.pageNumber says (Spring
--                counts from 0; whether Calypso does is unknown)
--    max_pages   1000: the hard cap on calls one walk makes
-- @module calypso.pages
local M = {}

--- The walk options' defaults.
M.defaults = { first_page = 0, max_pages = 1000 }

local function option(opts, name)
  local v = opts and opts[name]
  if v == nil then return M.defaults[name] end
  return v
end

--- A problem with a walk option's value, or nil (the caller raises it).
-- @local
function M.problem(name, v)
  if v ~= nil and (type(v) ~= "number" or v ~= math.floor(v) or v < 0) then
    return "option '" .. name .. "' must be a whole number >= 0"
  end
end

--- A walk over find(params) -> page | nil, err (what `client.group.each` makes).
-- @local
function M.walk(find, params, opts)
  for name in pairs(M.defaults) do
    local problem = M.problem(name, opts and opts[name])
    if problem then error("each: " .. problem, 2) end
  end
  local first_page = option(opts, "first_page")
  local max_pages = option(opts, "max_pages")
  local request = {}
  if type(params) == "table" then
    for k, v in next, params do request[k] = v end
  else
    request = params -- not a table: find reports the validation error
  end
  local walk = { pages = 0, items = 0 }
  local page_items, index, done = {}, 0, false
  local start = type(request) == "table" and request.pageNumber or first_page
  if type(request) == "table" then request.pageNumber = start end

  local function fetch()
    if walk.pages >= max_pages then
      walk.capped, done = true, true
      return
    end
    local page, err = find(request)
    walk.pages = walk.pages + 1
    if not page then
      walk.err, done = err, true
      return
    end
    page_items = type(page.result) == "table" and page.result or {}
    index = 0
    local current = tonumber(page.page) or request.pageNumber
    request.pageNumber = current + 1
    local total, elements = tonumber(page.total), tonumber(page.totalElements)
    if #page_items == 0 or (total and request.pageNumber - start >= total)
      or (elements and walk.items + #page_items >= elements) then
      done = true
    end
  end

  return setmetatable(walk, {
    __call = function()
      while index >= #page_items do
        if done then return nil end
        fetch()
      end
      index = index + 1
      walk.items = walk.items + 1
      return page_items[index]
    end,
  })
end

return M
