-- webhook_seen_spec.lua: calypso.webhook.nginx_seen inside nginx (LuaJIT),
-- on a 64k lua_shared_dict that the probe fills (spec/support/probe.lua's
-- seen): ids are keyed by their exact text, not LuaJIT's 14-digit tostring;
-- a seen id is never evicted to make room; a full dict refuses the next
-- delivery (field "seen", for a 5xx) and says so at error level.
local emulator = require "support.emulator"
local openresty = require "support.openresty"
local shell = require "support.shell"

describe("calypso.webhook.nginx_seen", function()
  local emu, probe, seen

  setup(function()
    emu = emulator.start()
    probe = openresty.start(emu, "spec/support/probe.conf")
    local ok, out = shell.run("curl -sS --fail " .. probe.url .. "/seen")
    assert(ok, out .. probe:log():sub(-2000))
    seen = require("cjson").decode(out)
  end)

  teardown(function()
    probe:stop()
    emu:stop()
  end)

  it("tells apart two 15-digit ids that LuaJIT's tostring reads alike", function()
    assert.is_true(seen.tostring_alike) -- the trap is real on this runtime
    assert.is_true(seen.first_new)
    assert.is_true(seen.second_new)
    assert.is_true(seen.replay_seen)
  end)

  it("evicts no seen id when the dict is full, and refuses the next delivery with field 'seen'", function()
    assert.is_true(seen.filled > 100, tostring(seen.filled))
    assert.truthy(seen.why:find("no memory", 1, true), seen.why)
    assert.is_true(seen.first_kept) -- the first id, seen before the dict filled, is still there
    assert.is_false(seen.verified)
    assert.are.equal("seen", seen.refused_field)
  end)

  it("logs the full dict at error level", function()
    assert.truthy(probe:log():find("%[error%][^\n]*calypso%.webhook%.nginx_seen: lua_shared_dict "
      .. "calypso_seen_small: no memory"))
  end)
end)
