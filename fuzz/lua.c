/* lua.c: the Lua state the Lua-facing harnesses share (see fuzz.h).
 * lua-cjson comes from Debian's static library, preloaded as the embedding
 * example (examples/embed/host.c) does, so the harness loads no module from
 * disk.  The state lives for the whole run: building one per input would
 * cost more than the input itself, and the state stays reachable, so the
 * leak checker reports only memory that nothing points to. */
#include "fuzz.h"
#include <lua-cjson.h> /* after lua.h, which it assumes */
#include <lualib.h>

static int traceback(lua_State *L) {
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
  return 1;
}

lua_State *calypso_fuzz_lua(void) {
  lua_State *L = luaL_newstate();
  CALYPSO_FUZZ_CHECK(L != NULL, "luaL_newstate failed");
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_cjson);
  lua_setfield(L, -2, "cjson");
  lua_pop(L, 1);
  lua_pushcfunction(L, traceback);
  lua_pushcfunction(L, luaopen_calypso_core);
  lua_pushliteral(L, "calypso.core");
  if (lua_pcall(L, 1, 1, -3) != LUA_OK)
    calypso_fuzz_fail("loading calypso.core: %s", lua_tostring(L, -1));
  lua_setglobal(L, "core");
  lua_pop(L, 1);
  return L;
}

/* A harness's Lua check, compiled once; a registry ref to it (aborts if
 * it does not compile). */
int calypso_fuzz_chunk(lua_State *L, const char *text, size_t len, const char *name) {
  if (luaL_loadbuffer(L, text, len, name) != LUA_OK) calypso_fuzz_fail("%s", lua_tostring(L, -1));
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

/* A lua-cjson instance of its own, set as src/json.c sets the core's (no
 * NaN or Infinity; max_depth, or the default when 0); a registry ref to its
 * decode function. */
int calypso_fuzz_decoder(lua_State *L, int max_depth) {
  int ref;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "cjson");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "new");
  lua_call(L, 0, 1);
  lua_getfield(L, -1, "decode_invalid_numbers");
  lua_pushboolean(L, 0);
  lua_call(L, 1, 0);
  if (max_depth > 0) {
    lua_getfield(L, -1, "decode_max_depth");
    lua_pushinteger(L, max_depth);
    lua_call(L, 1, 0);
  }
  lua_getfield(L, -1, "decode");
  ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 2);
  return ref;
}

void calypso_fuzz_settle(lua_State *L, int top) {
  CALYPSO_FUZZ_CHECK(lua_gettop(L) >= top, "the stack shrank below where the input found it");
  lua_settop(L, top);
  lua_gc(L, LUA_GCCOLLECT, 0);
}
