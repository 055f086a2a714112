/* encode.c: JSON for what we send, written straight into a buffer.
 * lua-cjson 2.1.0 (Debian's) cannot write an empty array and prints at most
 * 14 significant digits; a payment payload needs both right.  So:
 *   - a table marked with calypso.array() is an array, even when empty; any
 *     other table is an array if its keys are exactly 1..n, an object if
 *     they are all strings (an empty one is {});
 *   - integers print exactly; other numbers print in the fewest digits that
 *     read back as the same double; NaN and infinities are refused;
 *   - strings are escaped as JSON needs (quote, backslash, control bytes);
 *     their other bytes pass through;
 *   - booleans, and calypso.null (lua-cjson's null), as themselves.
 * Anything else (functions, userdata, mixed or sparse keys, nesting past 100
 * levels) is refused with a message; the bytes written so far are then junk
 * and the caller discards them.  No Lua error is raised here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calypso.h"

#define MAX_DEPTH 100

static const char array_key = 'a'; /* the registry's marker metatable for arrays */

static const char *write_value(lua_State *L, int idx, calypso_buf *out, int depth);

static int put(calypso_buf *out, const char *s, size_t n) {
  return calypso_buf_append(out, s, n);
}

static const char *write_string(lua_State *L, int idx, calypso_buf *out) {
  static const char hex[] = "0123456789abcdef";
  size_t len, i, start = 0;
  const char *s = lua_tolstring(L, idx, &len);
  if (!put(out, "\"", 1)) return "the request is too large";
  for (i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    char esc[6] = {'\\', 'u', '0', '0', 0, 0};
    const char *rep = NULL;
    size_t rep_len = 2;
    if (ch == '"') rep = "\\\"";
    else if (ch == '\\') rep = "\\\\";
    else if (ch == '\n') rep = "\\n";
    else if (ch == '\r') rep = "\\r";
    else if (ch == '\t') rep = "\\t";
    else if (ch < 0x20) {
      esc[4] = hex[ch >> 4];
      esc[5] = hex[ch & 15];
      rep = esc;
      rep_len = 6;
    }
    if (rep) {
      if (!put(out, s + start, i - start) || !put(out, rep, rep_len)) return "the request is too large";
      start = i + 1;
    }
  }
  if (!put(out, s + start, len - start) || !put(out, "\"", 1)) return "the request is too large";
  return NULL;
}

static const char *write_number(lua_State *L, int idx, calypso_buf *out) {
  char text[40];
  long long i;
  double d;
  int prec;
  if (calypso_compat_tointeger(L, idx, &i)) return calypso_buf_append_decimal_signed(out, i)
    ? NULL : "the request is too large";
  d = (double)lua_tonumber(L, idx);
  if (isnan(d) || isinf(d)) return "NaN and infinity cannot be sent in JSON";
  if (d == floor(d) && fabs(d) < 9.2e18) /* integral: no fraction or exponent needed */
    return calypso_buf_append_decimal_signed(out, (long long)d) ? NULL : "the request is too large";
  for (prec = 15; prec < 17; prec++) { /* the shortest text that reads back the same */
    snprintf(text, sizeof text, "%.*g", prec, d);
    if (strtod(text, NULL) == d) break;
  }
  if (prec == 17) snprintf(text, sizeof text, "%.17g", d);
  return put(out, text, strlen(text)) ? NULL : "the request is too large";
}

/* Is the table at idx marked with calypso.array()? */
static int marked_array(lua_State *L, int idx) {
  int marked = 0;
  if (lua_getmetatable(L, idx)) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &array_key);
    marked = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
  }
  return marked;
}

/* Counts the keys of the table at idx; *strings and *indices say how many are
 * strings and how many are integers 1..n (n = the table's length). */
static void key_census(lua_State *L, int idx, size_t n, size_t *keys, size_t *strings,
                       size_t *indices) {
  *keys = *strings = *indices = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    (*keys)++;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      (*strings)++;
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
      lua_Number k = lua_tonumber(L, -1);
      if (k >= 1 && k == floor(k) && k <= (lua_Number)n) (*indices)++;
    }
  }
}

static const char *write_table(lua_State *L, int idx, calypso_buf *out, int depth) {
  size_t n = lua_rawlen(L, idx), keys, strings, indices, i;
  const char *err;
  if (depth > MAX_DEPTH) return "the payload is nested too deeply";
  if (!lua_checkstack(L, 4)) return "the payload is nested too deeply";
  key_census(L, idx, n, &keys, &strings, &indices);
  if (marked_array(L, idx) || (keys > 0 && indices == keys && keys == n)) {
    if (indices != keys || keys != n) return "an array has keys other than 1..n";
    if (!put(out, "[", 1)) return "the request is too large";
    for (i = 1; i <= n; i++) {
      if (i > 1 && !put(out, ",", 1)) return "the request is too large";
      lua_rawgeti(L, idx, (lua_Integer)i);
      err = write_value(L, lua_gettop(L), out, depth + 1);
      lua_pop(L, 1);
      if (err) return err;
    }
    return put(out, "]", 1) ? NULL : "the request is too large";
  }
  if (strings != keys) {
    return n > 0 ? "a table mixes array and object keys, or its array has holes"
                 : "object keys must be strings";
  }
  if (!put(out, "{", 1)) return "the request is too large";
  i = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int top = lua_gettop(L);
    if ((i++ > 0 && !put(out, ",", 1)) || (err = write_string(L, top - 1, out)) != NULL ||
        !put(out, ":", 1) || (err = write_value(L, top, out, depth + 1)) != NULL) {
      lua_pop(L, 2);
      return err ? err : "the request is too large";
    }
    lua_pop(L, 1);
  }
  return put(out, "}", 1) ? NULL : "the request is too large";
}

static const char *write_value(lua_State *L, int idx, calypso_buf *out, int depth) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: return write_string(L, idx, out);
    case LUA_TNUMBER: return write_number(L, idx, out);
    case LUA_TBOOLEAN:
      return (lua_toboolean(L, idx) ? put(out, "true", 4) : put(out, "false", 5))
                 ? NULL : "the request is too large";
    case LUA_TTABLE: return write_table(L, idx, out, depth);
    case LUA_TLIGHTUSERDATA: /* lua-cjson's null is the NULL light userdata */
      if (lua_touserdata(L, idx) == NULL) return put(out, "null", 4) ? NULL : "the request is too large";
      return "a light userdata cannot be sent";
    default: return "only strings, numbers, booleans, tables and calypso.null can be sent";
  }
}

const char *calypso_json_write(lua_State *L, int idx, calypso_buf *out) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  return write_value(L, idx, out, 1);
}

/* core.array(t) -> t: marks t to be sent as a JSON array, even when empty. */
static int l_array(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &array_key);
  lua_setmetatable(L, 1);
  lua_settop(L, 1);
  return 1;
}

void calypso_encode_open(lua_State *L) {
  lua_newtable(L);
  lua_pushliteral(L, "calypso.array");
  lua_setfield(L, -2, "__name");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &array_key);
  lua_pushcfunction(L, l_array);
  lua_setfield(L, -2, "array");
}
