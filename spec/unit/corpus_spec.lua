-- spec/unit/corpus_spec.lua: the differential corpus, no server.  Each raw
-- response in spec/corpus/http1 goes through the core's exchange, and its
-- framing is held to h11's (spec/corpus/http1/h11-verdicts.json): the same
-- status and body bytes, both whole or both refused, the same reuse.  An
-- independent parser is the cheapest second opinion on ours; where we part
-- from it on purpose the file is listed below with the reason, and a listed
-- file that has come to agree fails, so the lists stay true.
-- New cases: scripts/http1-corpus, then scripts/h11-verdicts.
local cjson = require "cjson"
local lfs = require "lfs"
local core = require "calypso.core"

local DIR = "spec/corpus/http1/"
local MAX = 1024 * 1024
local SPLIT_ALL = 300 -- files up to this size are also cut at every offset
local PIECE = 251 -- larger ones are fed in pieces of this size: prime, so lines straddle pieces

-- We refuse what h11 accepts, or will not reuse a connection it would.
local stricter = {
  -- the length
  ["006-cl-comma-list-equal.http"] = "digits only in Content-Length: a list is where two lengths hide",
  -- reuse: the framing leaves doubt about where the next answer starts
  ["020-cl-shorter-than-body.http"] = "bytes after the answer: the connection is out of step",
  ["022-cl-then-chunked.http"] = "Content-Length with chunked: RFC 9112 6.3 says close after it",
  ["023-chunked-then-cl.http"] = "Content-Length with chunked: RFC 9112 6.3 says close after it",
  ["100-100-connection-close.http"] = "Connection: close counts even on an interim answer",
  ["103-204-cl-and-body.http"] = "bytes after a 204, which has no body: out of step",
  ["106-304-body-following.http"] = "bytes after a 304, which has no body: out of step",
  ["137-pipelined-second-response.http"] = "an answer nobody asked for: out of step",
  ["138-pipelined-after-chunked.http"] = "an answer nobody asked for: out of step",
  ["139-garbage-after-answer.http"] = "bytes after the answer: out of step",
  -- bytes in the head that mean nothing good
  ["040-chunk-ext-nul.http"] = "no NUL in any line the parser reads, chunk lines included",
  ["069-obs-fold.http"] = "obs-fold refused (RFC 9112 5.2 allows it): a folded line is an injected one",
  ["153-trailer-obs-fold.http"] = "obs-fold refused in trailers as in the head",
  ["078-header-value-control-char.http"] = "no control character but tab in a field value",
  ["079-header-value-del.http"] = "no DEL in a field value",
  ["126-status-reason-control-char.http"] = "no control character but tab in the reason phrase either",
  -- limits h11 leaves to the caller (it has the whole head in one buffer here)
  ["088-header-line-9000.http"] = "8 KiB per line",
  ["091-status-reason-9000.http"] = "8 KiB per line, the status line too",
  ["061-trailers-over-64k.http"] = "64 KiB for every head line, trailers included",
  ["090-headers-over-64k.http"] = "64 KiB for every head line",
  ["097-100-seventeen-times.http"] = "at most 16 interim answers",
  -- the status line
  ["121-status-http12.http"] = "HTTP/1.0 or HTTP/1.1 only",
  ["128-status-600.http"] = "a status is 100 to 599 (RFC 9110 15)",
  ["129-status-999.http"] = "a status is 100 to 599 (RFC 9110 15)",
}

-- We accept what h11 refuses, or reuse where it would not, each on purpose.
local laxer = {
  ["037-chunk-ext-space-before-semicolon.http"] = "RFC 9112 7.1.1 allows BWS before ';'; h11 does not",
  ["043-chunk-size-25-digits.http"] = "h11 caps a chunk size at 20 hex digits; these are leading zeros",
  ["108-http10-keep-alive-cl.http"] = "HTTP/1.0 keep-alive is honoured (RFC 9112 9.3); h11 never reuses 1.0",
}

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- h11-verdicts.json holds bodies as latin-1 strings; cjson hands them back as
-- UTF-8, where U+0080..U+00FF are two bytes: fold those back into one.
local function latin1(s)
  return (s:gsub("[\194\195][\128-\191]", function(c)
    return string.char((c:byte(1) - 192) * 64 + c:byte(2) - 128)
  end))
end

local function theirs(v)
  return {
    ok = v.complete and not v.error,
    status = v.status ~= cjson.null and math.floor(v.status) or nil, -- cjson gives 200.0 on 5.3+
    body = latin1(v.body),
    reusable = v.reusable,
  }
end

-- Our facts for raw fed in pieces that end at the given offsets, then EOF
-- if the answer is not whole; and how many bytes the exchange was given
-- (once done it takes no more, as a transport stops reading).
local function ours(raw, cuts)
  local ex, from, done = core.answer(MAX), 1, false
  for _, at in ipairs(cuts) do
    if done then break end
    done = ex:feed(raw:sub(from, at))
    from = at + 1
  end
  if not done then
    done = ex:feed(raw:sub(from))
    from = #raw + 1
  end
  if not done then ex:eof() end
  local f = ex:facts()
  return { ok = f.complete, status = f.status, body = f.body, reusable = f.reusable,
           refused = f.bad_framing or f.failure }, from - 1
end

-- What is compared: a refused answer never reaches the caller, so of two
-- refusals nothing more is asked.
local function view(v)
  if not v.ok then return { ok = false } end
  return { ok = true, status = v.status, body = v.body, reusable = v.reusable }
end

-- "agrees", "stricter", "laxer", or "differs": both take the answer but not
-- as the same status or body, which no reason excuses.
local function relation(h, o)
  if h.ok ~= o.ok then return h.ok and "stricter" or "laxer" end
  if not h.ok then return "agrees" end
  if h.status ~= o.status or h.body ~= o.body then return "differs" end
  if h.reusable == o.reusable then return "agrees" end
  return h.reusable and "stricter" or "laxer"
end

local function show(v)
  if not v.ok then return "refused" .. (v.refused and " (" .. v.refused .. ")" or "") end
  return ("%s %q%s"):format(tostring(v.status), v.body, v.reusable and ", reusable" or "")
end

local h11 = cjson.decode(slurp(DIR .. "h11-verdicts.json")).files
local files = {}
for name in lfs.dir(DIR) do
  if name:match("%.http$") then files[#files + 1] = name end
end
table.sort(files)

local cases, tally = {}, { agrees = 0, stricter = 0, laxer = 0, differs = 0, unjudged = 0 }
for _, name in ipairs(files) do
  local raw = slurp(DIR .. name)
  local c = { name = name, raw = raw, ours = ours(raw, {}) }
  if h11[name] then
    c.theirs = theirs(h11[name])
    c.relation = relation(c.theirs, c.ours)
  end
  tally[c.relation or "unjudged"] = tally[c.relation or "unjudged"] + 1
  cases[#cases + 1] = c
end
local summary = ("%d of %d files agree, %d stricter, %d laxer, %d differ")
  :format(tally.agrees, #files, tally.stricter, tally.laxer, tally.differs)

describe("spec/corpus/http1 against h11 (" .. summary .. ")", function()
  it("holds at least 80 responses, each with an h11 verdict, and no verdict without one", function()
    assert.is_true(#files >= 80, "only " .. #files .. " files in " .. DIR)
    assert.are.equal(0, tally.unjudged, "files without an h11 verdict: run scripts/h11-verdicts")
    local on_disk = {}
    for _, name in ipairs(files) do on_disk[name] = true end
    for name in pairs(h11) do assert.is_true(on_disk[name], name .. " has a verdict but no file") end
    assert.are.equal(#files, tally.agrees + tally.stricter + tally.laxer, summary)
  end)

  it("lists only corpus files as stricter or laxer, and none as both", function()
    for _, list in ipairs({ stricter, laxer }) do
      for name in pairs(list) do
        assert.is_truthy(h11[name], name .. " is listed but not in the corpus")
        assert.is_nil(stricter[name] and laxer[name], name .. " is listed twice")
      end
    end
  end)

  for _, c in ipairs(cases) do
    local why = stricter[c.name] or laxer[c.name]
    local expect = stricter[c.name] and "stricter" or laxer[c.name] and "laxer" or "agrees"
    local title = expect == "agrees" and "frames " .. c.name .. " as h11 does"
      or ("parts from h11 on %s: %s"):format(c.name, why)

    it(title, function()
      assert.is_truthy(c.theirs, c.name .. " has no h11 verdict")
      if expect == "agrees" then
        assert.are.same(view(c.theirs), view(c.ours), c.name .. ": ours " .. show(c.ours))
      else
        assert.are.equal(expect, c.relation,
          ("%s: h11 %s; ours %s"):format(c.name, show(c.theirs), show(c.ours)))
      end
    end)

    it("gives the same facts for " .. c.name .. " however its bytes are cut", function()
      local function check(cuts, how)
        local got, fed = ours(c.raw, cuts)
        -- bytes after the piece that finished the answer were never seen
        local want = fed < #c.raw and ours(c.raw:sub(1, fed), {}) or c.ours
        assert.are.same(want, got, c.name .. ": " .. how)
      end
      local cuts = {}
      if #c.raw <= SPLIT_ALL then
        for at = 1, #c.raw - 1 do
          check({ at }, "cut at byte " .. at)
          cuts[#cuts + 1] = at
        end
        check(cuts, "fed one byte at a time")
      else
        for at = PIECE, #c.raw - 1, PIECE do cuts[#cuts + 1] = at end
        check(cuts, "fed in pieces of " .. PIECE .. " bytes")
      end
    end)
  end
end)
