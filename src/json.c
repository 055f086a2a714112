/* json.c: the core's private lua-cjson instance, for what we receive.
 * cjson.new() gives an instance whose settings nobody else can change, so
 * how answers decode does not depend on what other code in the same Lua
 * state or nginx worker does to the shared `cjson` module.  The instance's
 * decode function lives in the registry under this file's key.  (What we
 * send is written by encode.c.) */
#include "calypso.h"

#define MAX_DEPTH 1000

static const char decode_key = 'd';

/* Push instance[name] as a function, ready for its arguments. */
static void setting(lua_State *L, int inst, const char *name) {
  lua_getfield(L, inst, name);
  if (!lua_isfunction(L, -1)) luaL_error(L, "lua-cjson lacks %s", name);
}

static void set_flag(lua_State *L, int inst, const char *name, int on) {
  setting(L, inst, name);
  lua_pushboolean(L, on);
  lua_call(L, 1, 0);
}

static void set_number(lua_State *L, int inst, const char *name, int n) {
  setting(L, inst, name);
  lua_pushinteger(L, n);
  lua_call(L, 1, 0);
}

/* core.decode_object(text) -> table | nil, message
 * text must be one JSON object (a webhook body, say); decoded with the
 * private instance, unknown fields kept.  Raises only for a non-string. */
static int l_decode_object(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  if (!calypso_json_is_object(s, len)) {
    lua_pushnil(L);
    lua_pushliteral(L, "not a JSON object");
    return 2;
  }
  if (!calypso_json_decode(L, s, len)) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  return 1;
}

/* Expects the module table on top; sets module.null and leaves the stack as it was. */
void calypso_json_open(lua_State *L) {
  int mod = lua_gettop(L), inst;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "cjson");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "new");
  if (!lua_isfunction(L, -1)) luaL_error(L, "calypso needs lua-cjson 2.1 or later (cjson.new)");
  lua_call(L, 0, 1);
  inst = lua_gettop(L);

  /* Pin every setting that changes what decoding accepts. */
  set_flag(L, inst, "decode_invalid_numbers", 0);
  set_number(L, inst, "decode_max_depth", MAX_DEPTH);

  lua_getfield(L, inst, "decode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &decode_key);
  lua_getfield(L, inst, "null");
  lua_setfield(L, mod, "null");
  lua_pushcfunction(L, l_decode_object);
  lua_setfield(L, mod, "decode_object");
  lua_settop(L, mod);
}

static int protected_call(lua_State *L, const char *key, int nargs) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, key);
  lua_insert(L, -(nargs + 1));
  return lua_pcall(L, nargs, 1, 0) == 0;
}

int calypso_json_is_object(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i < len && s[i] == '{';
}

int calypso_json_decode(lua_State *L, const char *s, size_t len) {
  lua_pushlstring(L, s, len);
  return protected_call(L, &decode_key, 1);
}
