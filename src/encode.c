/* encode.c: JSON for what we send, written straight into a buffer.
 * lua-cjson 2.1.0 (Debian's) cannot write an empty array and prints at most
 * 14 significant digits; a payment payload needs both right.  So:
 *   - a table marked with calypso.array() is an array, even when empty; any
 *     other table is an array if its keys are exactly 1..n, an object if
 *     they are all strings (an empty one is {});
 *   - integers print exactly; other numbers print in the fewest digits that
 *     read back as the same double (number.c, in the C locale whatever the
 *     host set: never "12,5"), -0 as -0; NaN and infinities are refused;
 *   - strings (values and keys) must be valid UTF-8 (RFC 3629: no overlong
 *     forms, no surrogates, nothing past U+10FFFF) and are escaped as JSON
 *     needs (quote, backslash, control bytes); their other bytes pass through;
 *   - booleans, and calypso.null (lua-cjson's null), as themselves;
 *   - a decimal (core.decimal("0.000123456789012345678"), or a number token
 *     the decoder kept as written) as its own text: an amount a double
 *     cannot hold goes out exactly as the caller wrote it.
 * Anything else (functions, userdata, mixed or sparse keys, nesting past 100
 * levels) is refused with a message; the bytes written so far are then junk
 * and the caller discards them.  No Lua error is raised here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "calypso.h"

#define MAX_DEPTH 100
#define TOO_LARGE "the request would be larger than 64 MiB"

static const char array_key = 'a'; /* the registry's marker metatable for arrays */
#define DECIMAL_MT CALYPSO_DECIMAL_MT
#define MAX_DECIMAL CALYPSO_DECIMAL_MAX_TEXT /* digits enough for any amount: 18 decimals and then some */

/* A decimal's text: a JSON number token, in the userdata after its length.
 * core.decimal makes plain ones, -?(0|[1-9][0-9]*)(.[0-9]+)? with no
 * exponent; the decoder's token mode (the command line) keeps any number
 * token as it was written. */
typedef struct decimal {
  size_t len;
  char text[MAX_DECIMAL + 1];
} decimal;

/* Is s a plain decimal: a JSON number token (an optional minus, no leading
 * zeros, an optional fraction with at least one digit) with no exponent? */
static int plain_decimal(const char *s, size_t len) {
  return len > 0 && calypso_number_token(s, len) == len && memchr(s, 'e', len) == NULL &&
         memchr(s, 'E', len) == NULL;
}

static const char *write_value(lua_State *L, int idx, calypso_buf *out, int depth);

static int put(calypso_buf *out, const char *s, size_t n) {
  return calypso_buf_append(out, s, n);
}

/* The length of the UTF-8 sequence whose lead byte (0x80 or above) is s[i],
 * or 0 when the bytes there are not one (RFC 3629, table 3-7). */
size_t calypso_utf8_sequence(const unsigned char *s, size_t i, size_t len) {
  unsigned char c = s[i], lo = 0x80, hi = 0xBF;
  size_t n, k;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;      /* no overlong forms */
    else if (c == 0xED) hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;      /* no overlong forms */
    else if (c == 0xF4) hi = 0x8F; /* nothing past U+10FFFF */
  } else {
    return 0;
  }
  if (len - i < n || s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (k = 2; k < n; k++)
    if ((s[i + k] & 0xC0) != 0x80) return 0;
  return n;
}

/* calypso_json_plain[b]: byte b goes out as it is (0x20 to 0x7f but '"'
 * and '\\'), so a run of them is copied at once; the rest are looked at one
 * by one.  decode.c reads a string's runs of them the same way. */
const unsigned char calypso_json_plain[256] = {
    ['\x20'] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

/* s from byte i on, where the first byte that is not plain stands (or the
 * end), escaped as JSON needs, and the closing quote; s[0..i) is plain. */
static const char *write_escaped(const unsigned char *s, size_t len, size_t i, calypso_buf *out) {
  static const char hex[] = "0123456789abcdef";
  size_t start = 0;
  if (!put(out, "\"", 1)) return TOO_LARGE;
  for (; i < len; i++) {
    unsigned char ch = s[i];
    const char *rep = NULL;
    size_t rep_len = 2;
    char esc[6];
    if (calypso_json_plain[ch]) continue;
    if (ch >= 0x80) {
      size_t n = calypso_utf8_sequence(s, i, len);
      if (n == 0) return "a string is not valid UTF-8";
      i += n - 1;
      continue;
    }
    if (ch == '"') rep = "\\\"";
    else if (ch == '\\') rep = "\\\\";
    else if (ch == '\n') rep = "\\n";
    else if (ch == '\r') rep = "\\r";
    else if (ch == '\t') rep = "\\t";
    else if (ch < 0x20) {
      memcpy(esc, "\\u00", 4);
      esc[4] = hex[ch >> 4];
      esc[5] = hex[ch & 15];
      rep = esc;
      rep_len = 6;
    }
    if (rep) {
      if (!put(out, (const char *)s + start, i - start) || !put(out, rep, rep_len)) return TOO_LARGE;
      start = i + 1;
    }
  }
  if (!put(out, (const char *)s + start, len - start) || !put(out, "\"", 1)) return TOO_LARGE;
  return NULL;
}

/* A string, quoted.  Most keys and values are plain bytes only: those go
 * out in one copy, quotes and all, when the buffer has room for them. */
static const char *write_string(lua_State *L, int idx, calypso_buf *out) {
  size_t len, i = 0;
  const unsigned char *s = (const unsigned char *)lua_tolstring(L, idx, &len);
  while (i < len && calypso_json_plain[s[i]]) i++;
  if (i == len && len + 2 <= out->cap - out->len) {
    char *d = out->data + out->len;
    d[0] = '"';
    memcpy(d + 1, s, len);
    d[len + 1] = '"';
    out->len += len + 2;
    return NULL;
  }
  return write_escaped(s, len, i, out);
}

static const char *write_number(lua_State *L, int idx, calypso_buf *out) {
  char text[CALYPSO_NUMBER_TEXT];
  long long i;
  double d;
  if (calypso_compat_tointeger(L, idx, &i))
    return calypso_buf_append_decimal_signed(out, i) ? NULL : TOO_LARGE;
  d = (double)lua_tonumber(L, idx);
  if (isnan(d) || isinf(d)) return "NaN and infinity cannot be sent in JSON";
  if (d != 0 && d == floor(d) && fabs(d) < 9.2e18) /* integral: no fraction or exponent needed */
    return calypso_buf_append_decimal_signed(out, (long long)d) ? NULL : TOO_LARGE;
  if (!calypso_number_text(d, text)) return "numbers cannot be written: the C locale is unavailable";
  return put(out, text, strlen(text)) ? NULL : TOO_LARGE;
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

/* An object's members, "{...}", each key checked to be a string as it comes:
 * one pass over the table. */
static const char *write_members(lua_State *L, int idx, calypso_buf *out, int depth) {
  const char *err;
  size_t i = 0;
  if (!put(out, "{", 1)) return TOO_LARGE;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int top = lua_gettop(L);
    if (lua_type(L, top - 1) != LUA_TSTRING) {
      lua_pop(L, 2);
      return "object keys must be strings";
    }
    if ((i++ > 0 && !put(out, ",", 1)) || (err = write_string(L, top - 1, out)) != NULL ||
        !put(out, ":", 1) || (err = write_value(L, top, out, depth + 1)) != NULL) {
      lua_pop(L, 2);
      return err ? err : TOO_LARGE;
    }
    lua_pop(L, 1);
  }
  return put(out, "}", 1) ? NULL : TOO_LARGE;
}

static const char *write_table(lua_State *L, int idx, calypso_buf *out, int depth) {
  size_t n = lua_rawlen(L, idx), keys, strings, indices, i;
  const char *err;
  if (depth > MAX_DEPTH) return "the payload is nested too deeply";
  if (!lua_checkstack(L, 4)) return "the payload is nested too deeply";
  /* No array part and no array mark: an object (or {}), written in one pass. */
  if (n == 0 && !marked_array(L, idx)) return write_members(L, idx, out, depth);
  key_census(L, idx, n, &keys, &strings, &indices);
  if (marked_array(L, idx) || (keys > 0 && indices == keys && keys == n)) {
    if (indices != keys || keys != n) return "an array has keys other than 1..n";
    if (!put(out, "[", 1)) return TOO_LARGE;
    for (i = 1; i <= n; i++) {
      if (i > 1 && !put(out, ",", 1)) return TOO_LARGE;
      lua_rawgeti(L, idx, (lua_Integer)i);
      err = write_value(L, lua_gettop(L), out, depth + 1);
      lua_pop(L, 1);
      if (err) return err;
    }
    return put(out, "]", 1) ? NULL : TOO_LARGE;
  }
  if (strings != keys) return "a table mixes array and object keys, or its array has holes";
  return write_members(L, idx, out, depth);
}

static const char *write_value(lua_State *L, int idx, calypso_buf *out, int depth) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: return write_string(L, idx, out);
    case LUA_TNUMBER: return write_number(L, idx, out);
    case LUA_TBOOLEAN:
      return (lua_toboolean(L, idx) ? put(out, "true", 4) : put(out, "false", 5))
                 ? NULL : TOO_LARGE;
    case LUA_TTABLE: return write_table(L, idx, out, depth);
    case LUA_TLIGHTUSERDATA: /* lua-cjson's null is the NULL light userdata */
      if (lua_touserdata(L, idx) == NULL) return put(out, "null", 4) ? NULL : TOO_LARGE;
      return "a light userdata cannot be sent";
    case LUA_TUSERDATA: {
      const decimal *d = luaL_testudata(L, idx, DECIMAL_MT);
      if (d == NULL) return "only strings, numbers, booleans, tables and calypso.null can be sent";
      return put(out, d->text, d->len) ? NULL : TOO_LARGE;
    }
    default: return "only strings, numbers, booleans, tables and calypso.null can be sent";
  }
}

const char *calypso_json_write(lua_State *L, int idx, calypso_buf *out) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  return write_value(L, idx, out, 1);
}

/* core.decimal(text) -> decimal | nil, problem
 * An exact amount: text must be a plain decimal (an optional minus, no
 * leading zeros, an optional fraction, no exponent), at most 64 bytes; it is
 * sent as that JSON number token, byte for byte.  Raises for a non-string. */
static int l_decimal(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  if (len > MAX_DECIMAL || !plain_decimal(text, len)) {
    lua_pushnil(L);
    lua_pushliteral(L, "must be a plain decimal such as \"10.10\" (no exponent, no leading zeros)");
    return 2;
  }
  calypso_push_decimal(L, text, len);
  return 1;
}

void calypso_push_decimal(lua_State *L, const char *text, size_t len) {
  decimal *d = lua_newuserdatauv(L, sizeof *d, 0);
  d->len = len;
  memcpy(d->text, text, len);
  d->text[len] = '\0';
  luaL_getmetatable(L, DECIMAL_MT);
  lua_setmetatable(L, -2);
}

const char *calypso_decimal_text(lua_State *L, int idx, size_t *len) {
  const decimal *d = luaL_testudata(L, idx, DECIMAL_MT);
  if (d == NULL) return NULL;
  *len = d->len;
  return d->text;
}

/* tostring(decimal) -> its text */
static int l_decimal_text(lua_State *L) {
  const decimal *d = luaL_checkudata(L, 1, DECIMAL_MT);
  lua_pushlstring(L, d->text, d->len);
  return 1;
}

/* a == b for two decimals: the same text */
static int l_decimal_eq(lua_State *L) {
  const decimal *a = luaL_checkudata(L, 1, DECIMAL_MT), *b = luaL_checkudata(L, 2, DECIMAL_MT);
  lua_pushboolean(L, a->len == b->len && memcmp(a->text, b->text, a->len) == 0);
  return 1;
}

void calypso_array_mark(lua_State *L, int idx) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &array_key);
  lua_setmetatable(L, idx);
}

/* core.array(t) -> t: marks t to be sent as a JSON array, even when empty. */
static int l_array(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &array_key);
  lua_setmetatable(L, 1);
  lua_settop(L, 1);
  return 1;
}

/* core.object_table(n) -> {}: an empty table with room for n members, so
 * that a checked payload filled by name (calypso.types) is not rehashed
 * as it grows (each rehash on Lua 5.4 moves every member again). */
static int l_object_table(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  lua_createtable(L, 0, n > 0 && n < 64 ? (int)n : 0);
  return 1;
}

/* core.encode_object(t) -> json | nil, why: t as the JSON object a request
 * payload would be (for webhook deliveries built in Lua, and the sandbox).
 * Only running out of memory raises. */
/* The buffer lives in a userdata whose __gc frees it: a memory error raised
 * while it holds the JSON (by the encoder, or by lua_pushlstring) cannot
 * leak it. */
static int l_buf_gc(lua_State *L) {
  calypso_buf_free((calypso_buf *)luaL_checkudata(L, 1, "calypso.buffer"));
  return 0;
}

static int l_encode_object(lua_State *L) {
  calypso_buf *b;
  const char *why;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  b->max = CALYPSO_MAX_BODY;
  luaL_getmetatable(L, "calypso.buffer");
  lua_setmetatable(L, -2);
  why = calypso_json_write(L, 1, b);
  if (b->nomem) return luaL_error(L, "calypso: out of memory");
  if (why == NULL && (b->len == 0 || b->data[0] != '{')) why = "it must be a JSON object (string keys, or empty)";
  if (why != NULL) {
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
  }
  lua_pushlstring(L, b->data, b->len);
  calypso_buf_free(b); /* at once: no need to wait for the collector */
  return 1;
}

void calypso_encode_open(lua_State *L) {
  lua_newtable(L);
  lua_pushliteral(L, "calypso.array");
  lua_setfield(L, -2, "__name");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &array_key);
  lua_pushcfunction(L, l_array);
  lua_setfield(L, -2, "array");
  lua_pushcfunction(L, l_object_table);
  lua_setfield(L, -2, "object_table");
  luaL_newmetatable(L, DECIMAL_MT);
  lua_pushcfunction(L, l_decimal_text);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, l_decimal_eq);
  lua_setfield(L, -2, "__eq");
  lua_pushliteral(L, DECIMAL_MT);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_decimal);
  lua_setfield(L, -2, "decimal");
  luaL_newmetatable(L, "calypso.buffer");
  lua_pushcfunction(L, l_buf_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_encode_object);
  lua_setfield(L, -2, "encode_object");
}
