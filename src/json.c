/* json.c: the core's private lua-cjson instance.
 * cjson.new() gives an instance whose settings nobody else can change, so the
 * bytes we sign do not depend on what other code in the same Lua state or
 * nginx worker does to the shared `cjson` module.  The instance's encode and
 * decode functions live in the registry under this file's keys. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "calypso.h"

#define PRECISION 14 /* the most lua-cjson 2.1.0 (Debian's) will print */
#define MAX_DEPTH 1000

static const char encode_key = 'e';
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

  /* Pin every setting that changes our bytes or our strictness. */
  set_number(L, inst, "encode_number_precision", PRECISION);
  set_flag(L, inst, "encode_invalid_numbers", 0);
  set_flag(L, inst, "decode_invalid_numbers", 0);
  set_flag(L, inst, "encode_keep_buffer", 1);
  set_number(L, inst, "encode_max_depth", MAX_DEPTH);
  set_number(L, inst, "decode_max_depth", MAX_DEPTH);
  setting(L, inst, "encode_sparse_array"); /* sparse arrays are an error, not a guess */
  lua_pushboolean(L, 0);
  lua_pushinteger(L, 2);
  lua_pushinteger(L, 10);
  lua_call(L, 3, 0);

  lua_getfield(L, inst, "encode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &encode_key);
  lua_getfield(L, inst, "decode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &decode_key);
  lua_getfield(L, inst, "null");
  lua_setfield(L, mod, "null");
  lua_settop(L, mod);
}

static int protected_call(lua_State *L, const char *key, int nargs) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, key);
  lua_insert(L, -(nargs + 1));
  return lua_pcall(L, nargs, 1, 0) == 0;
}

/* Would lua-cjson write this number back exactly?  NaN and infinities pass
 * here because lua-cjson refuses them itself. */
static int number_exact(lua_State *L, int idx) {
  char text[40];
  lua_Number d = lua_tonumber(L, idx);
  if (isnan(d) || isinf(d)) return 1;
  snprintf(text, sizeof text, "%.*g", PRECISION, (double)d);
  return strtod(text, NULL) == d && calypso_compat_integer_exact(L, idx);
}

/* 1 if every number value in the table at idx (nested too) survives
 * encoding; tables nested past MAX_DEPTH are left to lua-cjson to refuse. */
static int numbers_exact(lua_State *L, int idx, int depth) {
  if (depth > MAX_DEPTH) return 1;
  luaL_checkstack(L, 3, "payload nested too deeply");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int t = lua_type(L, -1), ok = 1;
    if (t == LUA_TNUMBER) ok = number_exact(L, -1);
    else if (t == LUA_TTABLE) ok = numbers_exact(L, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
    if (!ok) {
      lua_pop(L, 1);
      return 0;
    }
  }
  return 1;
}

int calypso_json_encode(lua_State *L, int idx) {
  if (lua_istable(L, idx) && !numbers_exact(L, idx, 1)) {
    lua_pushliteral(L, "a number needs more than 14 significant digits and would be rounded;"
                       " send it as a string");
    return 0;
  }
  lua_pushvalue(L, idx);
  return protected_call(L, &encode_key, 1);
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
