/* json.c: the JSON values the core hands to Lua that are not a call's
 * answer.  What we send is encode.c's, what we receive decode.c's.
 *   core.null                        what JSON null decodes to and how to send one:
 *                                    the NULL light userdata (lua-cjson's null too)
 *   core.decode_object(text [, how]) -> table | nil, message
 *                                    one JSON object (a webhook body, say);
 *                                    how: true (exact numbers) or a table
 *                                    { numbers = "double" | "exact" | "tokens",
 *                                      max_values = n, max_members = n } */
#include "calypso.h"

int calypso_json_is_object(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i < len && s[i] == '{';
}

/* how's field name as a whole number of at least 1, or the default. */
static long limit(lua_State *L, const char *name, long otherwise) {
  long n = otherwise;
  lua_getfield(L, 2, name);
  if (!lua_isnil(L, -1)) {
    lua_Number v = luaL_checknumber(L, -1);
    luaL_argcheck(L, v >= 1 && v <= 2147483647 && v == (lua_Number)(long)v, 2, name);
    n = (long)v;
  }
  lua_pop(L, 1);
  return n;
}

/* core.decode_object(text [, how]) -> table | nil, message
 * Unknown fields kept; how: true for exact_numbers, or a table (see the
 * banner).  Raises only for a non-string text or a malformed how. */
static int l_decode_object(lua_State *L) {
  static const char *const numbers[] = {"double", "exact", "tokens", NULL};
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  calypso_decode how = calypso_decode_doubles;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "numbers");
    how.numbers = luaL_checkoption(L, -1, "double", numbers);
    lua_pop(L, 1);
    how.max_values = limit(L, "max_values", how.max_values);
    how.max_members = limit(L, "max_members", how.max_members);
  } else if (lua_toboolean(L, 2)) {
    how.numbers = CALYPSO_NUMBERS_EXACT;
  }
  if (!calypso_json_is_object(s, len)) {
    lua_pushnil(L);
    lua_pushliteral(L, "the first thing in it is not {");
    return 2;
  }
  if (!calypso_json_decode(L, s, len, &how)) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  return 1;
}

/* Expects the module table on top. */
void calypso_json_open(lua_State *L) {
  lua_createtable(L, 0, 2); /* core.limits: the defaults of what one answer may hold */
  lua_pushinteger(L, CALYPSO_MAX_VALUES);
  lua_setfield(L, -2, "max_response_values");
  lua_pushinteger(L, CALYPSO_MAX_MEMBERS);
  lua_setfield(L, -2, "max_object_members");
  lua_setfield(L, -2, "limits");
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  lua_pushcfunction(L, l_decode_object);
  lua_setfield(L, -2, "decode_object");
}
