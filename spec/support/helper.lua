-- spec/support/helper.lua: loaded by busted once, before any spec file
-- (.busted's helper).  busted unloads what a spec file required when that
-- file ends (insulation), so the next file's require runs a C module's
-- luaopen again; luv's must run once per Lua state: a second one sets up
-- libuv's default loop afresh under the handles of the first, and the next
-- uv_poll_init crashes.  So luv (and cqueues, for the same reason) is
-- loaded here, where no file's insulation reaches.
pcall(require, "luv")
pcall(require, "cqueues")
