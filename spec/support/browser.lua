-- spec/support/browser.lua: a real headless Chromium driven over WebDriver
-- (Debian's chromium and chromium-driver), for pages a buyer sees.
--   local b = browser.start{ trust = { ca_file } }   -- CAs added to its own NSS db
--   b:go(url); b:click("#buy") (and the page it loads); b:text("#state"); b:url(); b:stop()
-- TLS stays verified: the sandbox's throwaway CA is made a trusted root in
-- a throwaway NSS database (libnss3-tools' certutil) under the browser's
-- own HOME; nothing tells Chromium to ignore certificate errors.  Running
-- as root, Chromium needs --no-sandbox (its process sandbox, not TLS).
local cjson = require "cjson"
local http = require "socket.http"
local ltn12 = require "ltn12"
local shell = require "support.shell"
local socket = require "socket"

local M = {}

local Browser = {}
Browser.__index = Browser

-- One WebDriver request: the decoded answer's value, or an error.
local function request(self, method, path, body)
  local chunks = {}
  -- lua-cjson writes an empty table as {}; WebDriver's args is a list
  local text = body and (cjson.encode(body):gsub('"args":{}', '"args":[]')) or nil
  local _, code = http.request{ url = self.driver .. path, method = method, sink = ltn12.sink.table(chunks),
    source = text and ltn12.source.string(text) or nil,
    headers = text and { ["Content-Type"] = "application/json", ["Content-Length"] = #text } or nil }
  local answer = table.concat(chunks)
  local ok, decoded = pcall(cjson.decode, answer)
  if code ~= 200 or not ok then
    error(("webdriver %s %s: %s %s"):format(method, path, tostring(code), answer), 3)
  end
  return decoded.value
end

local function free_port()
  local probe = assert(socket.bind("127.0.0.1", 0))
  local port = select(2, probe:getsockname())
  probe:close()
  return port
end

function M.start(opts)
  local self = setmetatable({}, Browser)
  self.home = select(2, shell.run("mktemp -d /tmp/calypso-browser.XXXXXX")):gsub("%s+$", "")
  local db = "sql:" .. self.home .. "/.pki/nssdb"
  assert(shell.run("mkdir -p " .. self.home .. "/.pki/nssdb && certutil -N -d " .. db .. " --empty-password"))
  for i, ca in ipairs(opts and opts.trust or {}) do
    local ok, out = shell.run(("certutil -A -d %s -t C,, -n calypso-test-ca-%d -i %s"):format(db, i, ca))
    assert(ok, out)
  end
  local port = free_port()
  self.driver = "http://127.0.0.1:" .. port
  self.pipe = assert(io.popen(("exec env HOME=%s chromedriver --port=%d --allowed-ips=127.0.0.1"
    .. " >%s/driver.log 2>&1 & echo $!"):format(self.home, port, self.home)))
  self.pid = self.pipe:read("*l")
  local stop_at = socket.gettime() + 20
  repeat -- ready when /status says so
    local chunks = {}
    local _, code = http.request{ url = self.driver .. "/status", sink = ltn12.sink.table(chunks) }
    local ready = code == 200 and cjson.decode(table.concat(chunks)).value.ready
    if not ready then socket.sleep(0.05) end
  until ready or socket.gettime() > stop_at
  local args = { "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                 "--user-data-dir=" .. self.home .. "/profile", "--window-size=1024,768" }
  if select(2, shell.run("id -u")):match("^0") then args[#args + 1] = "--no-sandbox" end
  self.session = request(self, "POST", "/session", { capabilities = { alwaysMatch = {
    browserName = "chrome", ["goog:chromeOptions"] = { binary = "/usr/bin/chromium", args = args } } } })
    .sessionId
  return self
end

local function path(self, rest) return "/session/" .. self.session .. rest end

function Browser:go(url) request(self, "POST", path(self, "/url"), { url = url }) end

function Browser:url() return request(self, "GET", path(self, "/url")) end

-- The element css names (the W3C element reference's value).
local function find(self, css)
  local found = request(self, "POST", path(self, "/element"), { using = "css selector", value = css })
  return found["element-6066-11e4-a52e-4f735466cecf"]
end

local function script(self, js)
  return request(self, "POST", path(self, "/execute/sync"), { script = js, args = {} })
end

-- Clicks css, which loads a new page (a form, a link), and returns once
-- that page has loaded: the old document is marked, and the new one is
-- the one without the mark, complete (a readiness check, 20 s at most).
function Browser:click(css)
  script(self, "window.__calypso_old = true")
  request(self, "POST", path(self, "/element/" .. find(self, css) .. "/click"), {})
  local stop_at = socket.gettime() + 20
  while not script(self, "return !window.__calypso_old && document.readyState === 'complete'") do
    if socket.gettime() > stop_at then error("no new page after clicking " .. css, 2) end
    socket.sleep(0.02)
  end
end

function Browser:text(css)
  return request(self, "GET", path(self, "/element/" .. find(self, css) .. "/text"))
end

function Browser:title() return request(self, "GET", path(self, "/title")) end

function Browser:stop()
  if self.session then pcall(request, self, "DELETE", path(self, "")) end
  if self.pid then shell.run("kill " .. self.pid) end
  if self.pipe then self.pipe:close() end
  shell.run("rm -rf " .. self.home)
end

return M
