--- "Did you mean ...?": the closest of a set of names to one that is not
-- there, for messages about a mistyped field or call (`external_id` and
-- `descripton` suggest `externalId` and `description`).  Plain Lua 5.1.
-- @module calypso.suggest
-- @local
local M = {}

local function squashed(s)
  return s:lower():gsub("[_%-]", "")
end

-- Levenshtein distance, with an early stop past `limit`.
local function distance(a, b, limit)
  if math.abs(#a - #b) > limit then return limit + 1 end
  local previous = {}
  for j = 0, #b do previous[j] = j end
  for i = 1, #a do
    local current, best = { [0] = i }, i
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      current[j] = math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if current[j] < best then best = current[j] end
    end
    if best > limit then return limit + 1 end
    previous = current
  end
  return previous[#b]
end

--- M.closest(name, names) -> the name in the list `names` closest to
-- `name` (the same but for case, `_` and `-`; else at most a quarter of
-- its letters off, and at least one), or nil.
function M.closest(name, names)
  if type(name) ~= "string" then return nil end
  local want = squashed(name)
  local limit = math.max(1, math.floor(#want / 4))
  local best, best_d
  for _, candidate in ipairs(names) do
    local d = squashed(candidate) == want and 0 or distance(want, squashed(candidate), limit)
    if d <= limit and (best_d == nil or d < best_d) then best, best_d = candidate, d end
  end
  return best
end

--- M.words(name, names) -> " (did you mean X?)", or "".
function M.words(name, names)
  local found = M.closest(name, names)
  return found and (" (did you mean " .. found .. "?)") or ""
end

return M
