/* decode.c: JSON for what we receive (RFC 8259), into Lua values.
 * Why not lua-cjson, which the core used before: lua-cjson 2.1 reads every
 * number as a double, so an amount of 0.123456789012345678 comes back
 * changed and a page counter of 3 comes back 3.0 on Lua 5.4.  Here:
 *   - an integer token is a Lua integer where the runtime has them (5.3+)
 *     and it fits; otherwise a double;
 *   - exact: a number a double cannot hold exactly (more than 15
 *     significant digits, an integer beyond 2^53 that is no Lua integer,
 *     one past a double's range, or one below it: an underflow to zero or
 *     a subnormal, whose digits a double does not keep) is the string of
 *     its exact text;
 *   - tokens (the command line's): every number that is no exact Lua
 *     integer is a core.decimal of its text, sent back byte for byte;
 *   - -0 stays a negative zero (a float), not the integer 0;
 *   - other numbers are read in the C locale, whatever the host's;
 *   - strings must be valid UTF-8 with no raw control byte; escapes,
 *     surrogate pairs included, become UTF-8; a lone surrogate is refused;
 *   - arrays get core.array's marker, so an empty one stays an array if it
 *     is sent back; null is calypso.null (the NULL light userdata);
 *   - duplicate keys: the last wins; nesting past 1000 levels is refused;
 *   - at most max_values values in all (containers, members and elements)
 *     and max_members members in one object: Lua 5.1 to 5.3 hash only some
 *     bytes of a long string, so 28 000 strings made to collide cost 5.1
 *     1.5 s of CPU, outside every timeout; a bound makes that cost the
 *     caller's choice (compat.h has the defaults);
 *   - nothing but whitespace may follow the value.
 * Every failure is a message (with the byte offset) for the caller's error;
 * nothing here raises but running out of memory, and the caller decodes
 * under lua_pcall. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calypso.h"

#define MAX_DEPTH 1000

typedef struct reader {
  lua_State *L;
  const char *s, *end, *at;
  const calypso_decode *how;
  int depth;
  long values; /* read so far */
  const char *why; /* set on failure */
  char limit[96]; /* why, when a limit was passed */
} reader;

static int value(reader *r);

static void skip_space(reader *r) {
  while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r'))
    r->at++;
}

static int refuse(reader *r, const char *why) {
  if (r->why == NULL) r->why = why;
  return 0;
}

static int literal(reader *r, const char *word, size_t n) {
  if ((size_t)(r->end - r->at) < n || memcmp(r->at, word, n) != 0) return refuse(r, "an unexpected token");
  r->at += n;
  return 1;
}

/* ---- numbers ---- */

/* The number token's text, as a string (exact) or a core.decimal (tokens). */
static int keep_text(reader *r, const char *start, size_t len) {
  if (r->how->numbers == CALYPSO_NUMBERS_TOKENS) {
    if (len > CALYPSO_DECIMAL_MAX_TEXT) return refuse(r, "a number of more than 64 characters");
    calypso_push_decimal(r->L, start, len);
  } else {
    lua_pushlstring(r->L, start, len);
  }
  return 1;
}

/* Significant digits of a token's mantissa: from its first non-zero digit
 * to its last digit (0 when it has no non-zero digit). */
static int significant(const char *p, const char *end) {
  int digits = 0;
  for (; p < end && *p != 'e' && *p != 'E'; p++) {
    if (*p < '0' || *p > '9') continue;
    if (digits || *p != '0') digits++;
  }
  return digits;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number(reader *r) {
  const char *start = r->at;
  size_t len = calypso_number_token(r->at, (size_t)(r->end - r->at));
  int keep = r->how->numbers != CALYPSO_NUMBERS_DOUBLE, integral, digits;
  char text[64];
  double d;
  if (len == 0) return refuse(r, "a malformed number");
  r->at += len;
  digits = significant(start, r->at);
  integral = memchr(start, '.', len) == NULL && memchr(start, 'e', len) == NULL &&
             memchr(start, 'E', len) == NULL;
  if (len >= sizeof text) { /* a token this long has more than 15 significant digits */
    char *copy;
    if (keep) return keep_text(r, start, len);
    /* Read whole: cut short, 1000...0 would read as a far smaller number. */
    if ((copy = malloc(len + 1)) == NULL) return refuse(r, "out of memory reading a number");
    memcpy(copy, start, len);
    copy[len] = '\0';
    d = calypso_strtod(copy);
    free(copy);
    lua_pushnumber(r->L, (lua_Number)d);
    return 1;
  }
  memcpy(text, start, len);
  text[len] = '\0';
  if (integral) {
    long long n;
    if (len == 2 && text[0] == '-' && text[1] == '0') { /* the sign is part of the value */
      if (r->how->numbers == CALYPSO_NUMBERS_TOKENS) return keep_text(r, start, len);
      lua_pushnumber(r->L, (lua_Number)-0.0);
      return 1;
    }
    if (calypso_compat_pushinteger(r->L, text, &n)) return 1;
    if (keep) return keep_text(r, start, len);
  } else if (r->how->numbers == CALYPSO_NUMBERS_TOKENS || (keep && digits > 15)) {
    return keep_text(r, start, len);
  }
  d = calypso_strtod(text);
  /* Past a double's range, or below it: zero from digits that are not, or
   * a subnormal, which keeps fewer digits than were written. */
  if (keep && (isinf(d) || (d == 0 && digits > 0) || (d != 0 && fabs(d) < DBL_MIN)))
    return keep_text(r, start, len);
  lua_pushnumber(r->L, (lua_Number)d);
  return 1;
}

/* ---- strings ---- */

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int hex4(const char *p, unsigned *out) {
  int i;
  *out = 0;
  for (i = 0; i < 4; i++) {
    int v = hex_value(p[i]);
    if (v < 0) return 0;
    *out = *out * 16 + (unsigned)v;
  }
  return 1;
}

static void add_utf8(luaL_Buffer *b, unsigned cp) {
  if (cp < 0x80) {
    luaL_addchar(b, (char)cp);
  } else if (cp < 0x800) {
    luaL_addchar(b, (char)(0xC0 | (cp >> 6)));
    luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    luaL_addchar(b, (char)(0xE0 | (cp >> 12)));
    luaL_addchar(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
  } else {
    luaL_addchar(b, (char)(0xF0 | (cp >> 18)));
    luaL_addchar(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
    luaL_addchar(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
  }
}

/* The code point of a \u escape at p (just past the "\u"), surrogate pairs
 * joined; advances *p; 0x110000 when the escape is malformed. */
static unsigned escape_u(reader *r, const char **p) {
  unsigned hi, lo;
  if (r->end - *p < 4 || !hex4(*p, &hi)) return 0x110000;
  *p += 4;
  if (hi < 0xD800 || hi > 0xDFFF) return hi;
  if (hi > 0xDBFF || r->end - *p < 6 || (*p)[0] != '\\' || (*p)[1] != 'u' || !hex4(*p + 2, &lo) ||
      lo < 0xDC00 || lo > 0xDFFF)
    return 0x110000; /* a lone surrogate */
  *p += 6;
  return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* After the opening quote.  Raw bytes must be UTF-8 with no control byte. */
static int string(reader *r) {
  const char *p = r->at, *run = p;
  int escaped = 0;
  luaL_Buffer b;
  /* One scan for the end and the common case: no escape at all.  Runs of
   * bytes that need no look (encode.c's plain ones) are skipped at once. */
  for (;;) {
    unsigned char c;
    while (p < r->end && calypso_json_plain[(unsigned char)*p]) p++;
    if (p >= r->end || *p == '"') break;
    c = (unsigned char)*p;
    if (c < 0x20) return refuse(r, "a control byte in a string");
    if (c == '\\') {
      escaped = 1;
      if (++p >= r->end) break;
      p++;
    } else { /* 0x80 or more: the only bytes left */
      size_t n = calypso_utf8_sequence((const unsigned char *)p, 0, (size_t)(r->end - p));
      if (n == 0) return refuse(r, "a string that is not UTF-8");
      p += n;
    }
  }
  if (p >= r->end) return refuse(r, "an unterminated string");
  if (!escaped) {
    lua_pushlstring(r->L, run, (size_t)(p - run));
    r->at = p + 1;
    return 1;
  }
  luaL_buffinit(r->L, &b);
  p = r->at;
  while (*p != '"') {
    if (*p != '\\') {
      luaL_addchar(&b, *p++);
      continue;
    }
    p++;
    switch (*p++) {
      case '"': luaL_addchar(&b, '"'); break;
      case '\\': luaL_addchar(&b, '\\'); break;
      case '/': luaL_addchar(&b, '/'); break;
      case 'b': luaL_addchar(&b, '\b'); break;
      case 'f': luaL_addchar(&b, '\f'); break;
      case 'n': luaL_addchar(&b, '\n'); break;
      case 'r': luaL_addchar(&b, '\r'); break;
      case 't': luaL_addchar(&b, '\t'); break;
      case 'u': {
        unsigned cp = escape_u(r, &p);
        if (cp > 0x10FFFF) {
          luaL_pushresult(&b);
          lua_pop(r->L, 1);
          return refuse(r, "a malformed \\u escape (or a lone surrogate)");
        }
        add_utf8(&b, cp);
        break;
      }
      default:
        luaL_pushresult(&b);
        lua_pop(r->L, 1);
        return refuse(r, "an unknown escape");
    }
  }
  luaL_pushresult(&b);
  r->at = p + 1;
  return 1;
}

/* ---- containers ---- */

static int array(reader *r) {
  lua_Integer n = 0;
  lua_State *L = r->L;
  lua_newtable(L);
  calypso_array_mark(L, -1);
  skip_space(r);
  if (r->at < r->end && *r->at == ']') {
    r->at++;
    return 1;
  }
  for (;;) {
    if (!value(r)) return 0;
    lua_rawseti(L, -2, ++n);
    skip_space(r);
    if (r->at < r->end && *r->at == ',') {
      r->at++;
    } else if (r->at < r->end && *r->at == ']') {
      r->at++;
      return 1;
    } else {
      return refuse(r, "a list that is not closed");
    }
  }
}

/* An object's first members wait on the stack, and its table is made once
 * their number is known: no rehash as it grows (a five-member answer was
 * four).  Past GATHER members the rest go straight into the table. */
#define GATHER 16

/* The n key-value pairs above base, in order (so the last of a duplicate
 * key wins), into a new table of room members, left at base + 1. */
static void into_table(lua_State *L, int base, int n, int room) {
  int i;
  lua_createtable(L, 0, room);
  for (i = 0; i < n; i++) {
    lua_pushvalue(L, base + 2 * i + 1);
    lua_pushvalue(L, base + 2 * i + 2);
    lua_rawset(L, -3);
  }
  lua_replace(L, base + 1);
  lua_settop(L, base + 1);
}

static int object(reader *r) {
  lua_State *L = r->L;
  long members = 0;
  int base = lua_gettop(L), gathering = 1;
  skip_space(r);
  if (r->at < r->end && *r->at == '}') {
    r->at++;
    lua_createtable(L, 0, 0);
    return 1;
  }
  if (!lua_checkstack(L, 2 * GATHER + 4)) return refuse(r, "JSON nested too deeply");
  for (;;) {
    skip_space(r);
    if (r->at >= r->end || *r->at != '"') return refuse(r, "an object key that is not a string");
    members++;
    if (r->how->max_members > 0 && members > r->how->max_members) { /* before the key is made */
      snprintf(r->limit, sizeof r->limit, "an object of more than %ld members (max_object_members)",
               r->how->max_members);
      return refuse(r, r->limit);
    }
    if (gathering && members > GATHER) { /* too many to wait: the table now, the rest into it */
      into_table(L, base, GATHER, 2 * GATHER);
      gathering = 0;
    }
    r->at++;
    if (!string(r)) return 0;
    skip_space(r);
    if (r->at >= r->end || *r->at != ':') return refuse(r, "an object key without a colon");
    r->at++;
    if (!value(r)) return 0;
    if (!gathering) lua_rawset(L, -3);
    skip_space(r);
    if (r->at < r->end && *r->at == ',') {
      r->at++;
    } else if (r->at < r->end && *r->at == '}') {
      r->at++;
      break;
    } else {
      return refuse(r, "an object that is not closed");
    }
  }
  if (gathering) into_table(L, base, (int)members, (int)members);
  return 1;
}

static int value(reader *r) {
  int ok;
  skip_space(r);
  if (r->at >= r->end) return refuse(r, "no value");
  if (!lua_checkstack(r->L, 3)) return refuse(r, "JSON nested too deeply");
  if (r->how->max_values > 0 && ++r->values > r->how->max_values) {
    snprintf(r->limit, sizeof r->limit, "more than %ld values in all (max_response_values)",
             r->how->max_values);
    return refuse(r, r->limit);
  }
  switch (*r->at) {
    case '{':
    case '[':
      if (++r->depth > MAX_DEPTH) return refuse(r, "JSON nested too deeply");
      ok = *r->at++ == '{' ? object(r) : array(r);
      r->depth--;
      return ok;
    case '"':
      r->at++;
      return string(r);
    case 't':
      if (!literal(r, "true", 4)) return 0;
      lua_pushboolean(r->L, 1);
      return 1;
    case 'f':
      if (!literal(r, "false", 5)) return 0;
      lua_pushboolean(r->L, 0);
      return 1;
    case 'n':
      if (!literal(r, "null", 4)) return 0;
      lua_pushlightuserdata(r->L, NULL);
      return 1;
    default:
      return number(r);
  }
}

const calypso_decode calypso_decode_doubles = {CALYPSO_NUMBERS_DOUBLE, CALYPSO_MAX_VALUES,
                                              CALYPSO_MAX_MEMBERS};

/* Decodes s into one value pushed on the stack (1), or pushes why not (0).
 * Values a failure left half-built are popped first. */
int calypso_json_decode(lua_State *L, const char *s, size_t len, const calypso_decode *how) {
  reader r;
  int top = lua_gettop(L);
  r.L = L;
  r.s = r.at = s;
  r.end = s + len;
  r.how = how ? how : &calypso_decode_doubles;
  r.depth = 0;
  r.values = 0;
  r.why = NULL;
  if (value(&r)) {
    skip_space(&r);
    if (r.at == r.end) return 1;
    refuse(&r, "bytes after the value");
  }
  lua_settop(L, top);
  lua_pushfstring(L, "%s at byte %d", r.why ? r.why : "malformed JSON", (int)(r.at - s) + 1);
  return 0;
}
