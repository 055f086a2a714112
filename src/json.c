/* json.c: the JSON values the core hands to Lua that are not a call's
 * answer.  What we send is encode.c's, what we receive decode.c's.
 *   core.null                        what JSON null decodes to and how to send one:
 *                                    the NULL light userdata (lua-cjson's null too)
 *   core.decode_object(text [, exact]) -> table | nil, message
 *                                    one JSON object (a webhook body, say) */
#include "calypso.h"

int calypso_json_is_object(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i < len && s[i] == '{';
}

/* core.decode_object(text [, exact]) -> table | nil, message
 * Unknown fields kept; exact as for exact_numbers.  Raises only for a
 * non-string text. */
static int l_decode_object(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int exact = lua_toboolean(L, 2);
  if (!calypso_json_is_object(s, len)) {
    lua_pushnil(L);
    lua_pushliteral(L, "the first thing in it is not {");
    return 2;
  }
  if (!calypso_json_decode(L, s, len, exact)) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  return 1;
}

/* Expects the module table on top. */
void calypso_json_open(lua_State *L) {
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  lua_pushcfunction(L, l_decode_object);
  lua_setfield(L, -2, "decode_object");
}
