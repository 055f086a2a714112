/* text.c: the common cases of text.lua's rules, in C, because a Lua pattern
 * costs some 40 instructions a byte and every string field of every call
 * is checked (two per create: 3 500 instructions in string.find, and type()
 * is some 500 more in Lua 5.4).
 *   core.printable(s [, max]) -> bool
 *                                 a string (not a number), of at most max
 *                                 bytes, every byte printable ASCII (0x20 to 0x7e)
 *   core.is_email(s) -> bool      the shape text.is_email describes
 * text.lua keeps the rules' words and the rarer paths (UTF-8, control
 * characters), in plain Lua. */
#include <string.h>
#include "calypso.h"

static int l_printable(lua_State *L) {
  size_t len, i;
  const unsigned char *s;
  lua_Number max = luaL_optnumber(L, 2, -1);
  if (lua_type(L, 1) != LUA_TSTRING) { /* a number is no string here */
    lua_pushboolean(L, 0);
    return 1;
  }
  s = (const unsigned char *)lua_tolstring(L, 1, &len);
  for (i = 0; i < len && s[i] >= 0x20 && s[i] <= 0x7e; i++) {
  }
  lua_pushboolean(L, i == len && (max < 0 || (lua_Number)len <= max));
  return 1;
}

/* What Lua's "^[^@%s]+@[^@%s]+$" accepts, in the C locale: one @, with
 * something on both sides, and no space, tab, LF, VT, FF or CR. */
static int l_is_email(lua_State *L) {
  size_t len, i, ats = 0, at = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  for (i = 0; i < len; i++) {
    char c = s[i];
    if (c == '@') {
      ats++;
      at = i;
    } else if (c == ' ' || (c >= '\t' && c <= '\r')) {
      break;
    }
  }
  lua_pushboolean(L, i == len && ats == 1 && at > 0 && at < len - 1);
  return 1;
}

void calypso_text_open(lua_State *L) {
  lua_pushcfunction(L, l_printable);
  lua_setfield(L, -2, "printable");
  lua_pushcfunction(L, l_is_email);
  lua_setfield(L, -2, "is_email");
}
