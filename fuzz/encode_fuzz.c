/* encode_fuzz.c: the JSON writer for what we send (src/encode.c), driven
 * by Lua values that the input builds.  The input is a small stack program
 * (see `step`): strings of any bytes, integers, floats from raw bits (NaN,
 * infinities, -0, subnormals), booleans, null, functions, light userdata,
 * tables and calypso.array() tables filled densely, sparsely or with mixed
 * keys, copies of stack values (so shared and cyclic tables), and deep
 * nesting.  Every value left on the stack is written with
 * calypso_json_write into a buffer capped at OUT_MAX.
 * Invariants (abort() on violation):
 *  - no crash, no UB, no leak;
 *  - an independent judge (`judge`, written from encode.c's contract, not
 *    its code) decides whether the value can be sent: a refusal of a
 *    sendable value, or a success for an unsendable one, is a finding
 *    (the judge counts an upper bound of the output as it goes, and gives
 *    no verdict past OUT_MAX, where "too large" is a fair refusal);
 *  - the output is strict RFC 8259 JSON (json_check.c): no NaN or Infinity, no
 *    leading zeros, no trailing commas, only valid escapes and UTF-8, no
 *    raw control bytes, nothing after the value;
 *  - lua-cjson (a cjson.new() instance, invalid numbers off) decodes it to
 *    a value equal to the input: strings byte-equal, numbers equal, null,
 *    booleans; and since cjson 2.1 makes every number a double and every
 *    container a plain table, the scanned tokens are checked too: each
 *    integer's text is exactly its decimal, each float's text reads back
 *    (in the C locale) as the same double (so -0 written as 0 passes), each
 *    table is written as [ or { as the contract says.
 * Numbers and locales: run with FUZZ_LOCALE=de_DE.UTF-8 this checks that no
 * comma decimal leaks into the output. */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

#define OUT_MAX (64 * 1024)
#define MAX_STACK 48
#define MAX_DEPTH 100 /* encode.c's documented nesting limit */

static lua_State *L;
static int array_mt; /* registry ref: the metatable calypso.array() sets */
static int decode;   /* registry ref: a fresh lua-cjson instance's decode */
static locale_t c_locale;


/* ---- the judge: can this value be sent, per encode.c's banner? ---- */

enum { SENDABLE, UNSENDABLE, UNKNOWN };

static int is_marked(int idx) {
  int marked = 0;
  if (lua_getmetatable(L, idx)) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, array_mt);
    marked = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
  }
  return marked;
}

/* How a table must be written: '[' or '{', or 0 when it cannot be. */
static char table_shape(int idx, lua_Integer *n) {
  lua_Integer count = 0, ints = 0, strings = 0, lo = 0, hi = 0;
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    count++;
    if (lua_type(L, -1) == LUA_TSTRING) {
      strings++;
    } else if (lua_isinteger(L, -1)) {
      lua_Integer k = lua_tointeger(L, -1);
      if (ints == 0 || k < lo) lo = k;
      if (ints == 0 || k > hi) hi = k;
      ints++;
    }
  }
  *n = count;
  if (count == ints && (count == 0 || (lo == 1 && hi == count))) /* keys exactly 1..n */
    return count > 0 || is_marked(idx) ? '[' : '{';
  if (is_marked(idx)) return 0;
  return count == strings ? '{' : 0;
}

/* *budget counts down an upper bound of the bytes the value writes. */
static int judge(int idx, int depth, long *budget) {
  size_t len;
  lua_Integer n, i;
  char shape;
  int verdict = SENDABLE, v;
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
    case LUA_TSTRING:
      lua_tolstring(L, idx, &len);
      *budget -= 6 * (long)len + 2;
      return calypso_fuzz_utf8_valid(lua_tostring(L, idx), len) ? SENDABLE : UNSENDABLE;
    case LUA_TNUMBER:
      *budget -= 32;
      return lua_isinteger(L, idx) || isfinite(lua_tonumber(L, idx)) ? SENDABLE : UNSENDABLE;
    case LUA_TBOOLEAN: *budget -= 5; return SENDABLE;
    case LUA_TLIGHTUSERDATA:
      *budget -= 4;
      return lua_touserdata(L, idx) == NULL ? SENDABLE : UNSENDABLE;
    case LUA_TTABLE: break;
    default: return UNSENDABLE;
  }
  if (depth > MAX_DEPTH || (shape = table_shape(idx, &n)) == 0) return UNSENDABLE;
  *budget -= 2;
  if (shape == '[') {
    for (i = 1; i <= n; i++) {
      if (*budget < 0) return UNKNOWN;
      lua_rawgeti(L, idx, i);
      v = judge(-1, depth + 1, budget);
      lua_pop(L, 1);
      if (v == UNSENDABLE) return UNSENDABLE;
      if (v == UNKNOWN) verdict = UNKNOWN;
      *budget -= 1;
    }
    return verdict;
  }
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (*budget < 0) verdict = UNKNOWN;
    v = verdict == UNKNOWN ? UNKNOWN : judge(-2, depth + 1, budget);
    if (v == SENDABLE) v = judge(-1, depth + 1, budget);
    lua_pop(L, 1);
    if (v == UNSENDABLE) {
      lua_pop(L, 1);
      return UNSENDABLE;
    }
    if (v == UNKNOWN) verdict = UNKNOWN;
    *budget -= 2;
  }
  return verdict;
}


/* ---- the round trip: input value vs decoded value vs tokens ---- */

typedef struct {
  const char *s; /* the output */
  calypso_fuzz_token *tok;
  size_t ntok, next;
} walk;

static const calypso_fuzz_token *take(walk *w, char kind) {
  const calypso_fuzz_token *t;
  CALYPSO_FUZZ_CHECK(w->next < w->ntok, "fewer JSON tokens than values");
  t = &w->tok[w->next++];
  CALYPSO_FUZZ_CHECK(t->kind == kind, "token %zu is '%c', expected '%c': %.*s", w->next - 1,
                     t->kind, kind, (int)t->len, w->s + t->at);
  return t;
}

static void same_number(walk *w, int in, int out) {
  const calypso_fuzz_token *t = take(w, 'n');
  char text[64];
  CALYPSO_FUZZ_CHECK(lua_type(L, out) == LUA_TNUMBER, "a number decoded as %s",
                     luaL_typename(L, out));
  CALYPSO_FUZZ_CHECK(t->len < sizeof text, "number token of %zu bytes", t->len);
  if (lua_isinteger(L, in)) {
    lua_Integer i = lua_tointeger(L, in);
    snprintf(text, sizeof text, "%lld", (long long)i);
    CALYPSO_FUZZ_CHECK(strlen(text) == t->len && memcmp(text, w->s + t->at, t->len) == 0,
                       "integer %s written as %.*s", text, (int)t->len, w->s + t->at);
    CALYPSO_FUZZ_CHECK(lua_tonumber(L, out) == (lua_Number)i, "integer %s decoded as %.17g", text,
                       lua_tonumber(L, out));
  } else {
    double d = lua_tonumber(L, in), back;
    locale_t previous;
    memcpy(text, w->s + t->at, t->len);
    text[t->len] = '\0';
    previous = uselocale(c_locale);
    back = strtod(text, NULL);
    uselocale(previous);
    CALYPSO_FUZZ_CHECK(back == d, "float %.17g written as %s, which reads %.17g", d, text, back);
    CALYPSO_FUZZ_CHECK(lua_tonumber(L, out) == d, "float %.17g (%s) decoded as %.17g", d, text,
                       lua_tonumber(L, out));
  }
}

static lua_Integer count_keys(int idx) {
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    n++;
  }
  return n;
}

/* Walks the input (in) the way encode.c writes it: arrays 1..n, objects in
 * lua_next order, which is the same for an unchanged table. */
static void same_value(walk *w, int in, int out) {
  size_t a, b;
  lua_Integer n, i;
  char shape;
  in = lua_absindex(L, in);
  out = lua_absindex(L, out);
  switch (lua_type(L, in)) {
    case LUA_TSTRING: {
      const char *x = lua_tolstring(L, in, &a), *y;
      take(w, '"');
      CALYPSO_FUZZ_CHECK(lua_type(L, out) == LUA_TSTRING, "a string decoded as %s",
                         luaL_typename(L, out));
      y = lua_tolstring(L, out, &b);
      CALYPSO_FUZZ_CHECK(a == b && memcmp(x, y, a) == 0,
                         "a string of %zu bytes came back as %zu other bytes", a, b);
      return;
    }
    case LUA_TNUMBER: same_number(w, in, out); return;
    case LUA_TBOOLEAN:
      take(w, lua_toboolean(L, in) ? 't' : 'f');
      CALYPSO_FUZZ_CHECK(lua_type(L, out) == LUA_TBOOLEAN &&
                             lua_toboolean(L, out) == lua_toboolean(L, in),
                         "a boolean came back different");
      return;
    case LUA_TLIGHTUSERDATA:
      take(w, 'z');
      CALYPSO_FUZZ_CHECK(lua_type(L, out) == LUA_TLIGHTUSERDATA && lua_touserdata(L, out) == NULL,
                         "null decoded as %s", luaL_typename(L, out));
      return;
    case LUA_TTABLE: break;
    default: calypso_fuzz_fail("a %s was written", luaL_typename(L, in));
  }
  shape = table_shape(in, &n);
  take(w, shape);
  CALYPSO_FUZZ_CHECK(lua_type(L, out) == LUA_TTABLE, "a table decoded as %s",
                     luaL_typename(L, out));
  CALYPSO_FUZZ_CHECK(count_keys(out) == n, "a table of %lld keys decoded with %lld", (long long)n,
                     (long long)count_keys(out));
  luaL_checkstack(L, 8, "deep");
  if (shape == '[') {
    for (i = 1; i <= n; i++) {
      lua_rawgeti(L, in, i);
      lua_rawgeti(L, out, i);
      same_value(w, -2, -1);
      lua_pop(L, 2);
    }
    return;
  }
  lua_pushnil(L);
  while (lua_next(L, in)) {
    take(w, 'k');
    lua_pushvalue(L, -2);
    lua_rawget(L, out);
    CALYPSO_FUZZ_CHECK(!lua_isnil(L, -1), "key %s is missing after decoding", lua_tostring(L, -3));
    same_value(w, -2, -1);
    lua_pop(L, 2);
  }
}

/* ---- one value: write it, then hold the result to the judge ---- */

static void check_value(int idx) {
  calypso_buf out;
  const char *why;
  long budget = OUT_MAX - 64;
  int verdict, top = lua_gettop(L);
  size_t at;
  walk w;
  memset(&out, 0, sizeof out);
  out.max = OUT_MAX;
  why = calypso_json_write(L, idx, &out);
  CALYPSO_FUZZ_CHECK(lua_gettop(L) == top, "the writer left the stack at %d, not %d",
                     lua_gettop(L), top);
  verdict = judge(idx, 1, &budget);
  if (why != NULL) {
    CALYPSO_FUZZ_CHECK(verdict != SENDABLE, "a sendable value was refused: %s", why);
    calypso_buf_free(&out);
    return;
  }
  CALYPSO_FUZZ_CHECK(verdict != UNSENDABLE, "an unsendable value was written: %.*s",
                     (int)(out.len < 200 ? out.len : 200), out.data ? out.data : "");
  w.s = out.data;
  w.next = 0;
  why = calypso_fuzz_json_scan(out.data, out.len, &w.tok, &w.ntok, &at);
  CALYPSO_FUZZ_CHECK(why == NULL, "not strict JSON (%s at byte %zu): %.*s", why, at,
                     (int)(out.len < 200 ? out.len : 200), out.data);
  lua_rawgeti(L, LUA_REGISTRYINDEX, decode);
  lua_pushlstring(L, out.data, out.len);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK)
    calypso_fuzz_fail("lua-cjson refuses the output (%s): %.*s", lua_tostring(L, -1),
                      (int)(out.len < 200 ? out.len : 200), out.data);
  same_value(&w, idx, -1);
  CALYPSO_FUZZ_CHECK(w.next == w.ntok, "more JSON tokens than values");
  lua_settop(L, top);
  free(w.tok);
  calypso_buf_free(&out);
}

/* ---- the program ---- */

static const char *const strings[] = {
    "", "a", "\"", "\\", "/", "\x7f", "\b\f\n\r\t", "\x01\x1f", "caf\xc3\xa9",
    "\xe2\x82\xac", "\xf0\x9f\x92\xb3", "\xf4\x8f\xbf\xbf", "\xef\xbb\xbf",
    "\xc3",             /* truncated */
    "\xc0\xaf",         /* overlong '/' */
    "\xe0\x80\xaf",     /* overlong */
    "\xed\xa0\x80",     /* surrogate */
    "\xf4\x90\x80\x80", /* past U+10FFFF */
    "\xf8\x88\x80\x80\x80", "\xff", "\x80", "amount", "1..n", "12,5", "null",
};
static const double floats[] = {
    0.5, -0.0, 0.1, 1.0 / 3, 12.5, 1e15, 1e16, 1e17, 9007199254740993.0, 9.2e18, 9.3e18,
    -9.2233720368547758e18, 1e300, 1.7976931348623157e308, 2.2250738585072014e-308,
    4.9406564584124654e-324, 123456.789, 0.30000000000000004,
};
static const long long integers[] = {
    0, 1, -1, 100, 9007199254740992LL, 9007199254740993LL, -9007199254740993LL,
    INT64_MAX, INT64_MIN, INT64_MAX - 1, 1000000000000000000LL,
};

static int no_op(lua_State *l) {
  (void)l;
  return 0;
}

typedef struct {
  const uint8_t *p;
  size_t n;
} input;

static int byte(input *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

static uint64_t bits(input *in) {
  uint64_t u = 0;
  int k;
  for (k = 0; k < 8; k++) u = u << 8 | (uint64_t)byte(in);
  return u;
}

/* Is the value at idx fit to be a table key (rawset raises on nil and NaN)? */
static int usable_key(int idx) {
  return !lua_isnil(L, idx) && !(lua_type(L, idx) == LUA_TNUMBER && !lua_isinteger(L, idx) &&
                                 isnan(lua_tonumber(L, idx)));
}

/* One instruction; base is the stack slot below the program's values. */
static void step(input *in, int base) {
  int have = lua_gettop(L) - base, op = byte(in) % 22, k;
  if (have >= MAX_STACK && op <= 11) op = 21;
  switch (op) {
    case 0: k = byte(in), k = k < (int)in->n ? k : (int)in->n;
      lua_pushlstring(L, (const char *)in->p, (size_t)k);
      in->p += k, in->n -= (size_t)k;
      break;
    case 1: lua_pushstring(L, strings[byte(in) % (sizeof strings / sizeof *strings)]); break;
    case 2: lua_pushinteger(L, (lua_Integer)bits(in)); break;
    case 3: lua_pushinteger(L, (lua_Integer)(int8_t)byte(in)); break;
    case 4:
      lua_pushinteger(L, (lua_Integer)integers[byte(in) % (sizeof integers / sizeof *integers)]);
      break;
    case 5: {
      uint64_t u = bits(in);
      double d;
      memcpy(&d, &u, sizeof d); /* any bits: NaNs, infinities, subnormals */
      lua_pushnumber(L, d);
      break;
    }
    case 6: {
      int j = byte(in);
      double d = floats[j % (sizeof floats / sizeof *floats)];
      lua_pushnumber(L, j & 0x80 ? -d : d);
      break;
    }
    case 7: lua_pushboolean(L, byte(in) & 1); break;
    case 8: lua_pushlightuserdata(L, NULL); break;
    case 9: lua_newtable(L); break;
    case 10: /* core.array({}) */
      lua_getglobal(L, "core");
      lua_getfield(L, -1, "array");
      lua_remove(L, -2);
      lua_newtable(L);
      lua_call(L, 1, 1);
      break;
    case 11: /* a function, or a light userdata that is not null */
      if (byte(in) & 1) lua_pushcfunction(L, no_op);
      else lua_pushlightuserdata(L, (void *)&L);
      break;
    case 12: /* t[#t+1] = v */
      if (have >= 2 && lua_istable(L, -2)) lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
      break;
    case 13: /* t[k] = v, k and v popped */
      if (have >= 3 && lua_istable(L, -3) && usable_key(-2)) lua_rawset(L, -3);
      break;
    case 14: /* t[i] = v for i in -8..247: holes, zero and negative keys */
      k = byte(in) - 8;
      if (have >= 2 && lua_istable(L, -2)) lua_rawseti(L, -2, k);
      break;
    case 15: /* t[k] = nil, k popped: a hole where there was a value */
      if (have >= 2 && lua_istable(L, -2) && usable_key(-1)) {
        lua_pushnil(L);
        lua_rawset(L, -3);
      }
      break;
    case 16: /* a copy of any value on the stack: shared tables, and cycles once stored */
      k = byte(in);
      if (have >= 1 && have < MAX_STACK) lua_pushvalue(L, base + 1 + k % have);
      break;
    case 17: /* wrap the top value in k arrays or objects: depth around the limit */
      k = byte(in);
      if (have >= 1) {
        int object = k & 1;
        for (k = k / 2 + (k & 0x80 ? 0 : MAX_DEPTH - 64); k > 0; k--) {
          lua_createtable(L, 1, 1);
          lua_insert(L, -2);
          if (object) lua_setfield(L, -2, "k");
          else lua_rawseti(L, -2, 1);
        }
      }
      break;
    case 18: if (have >= 1) lua_pop(L, 1); break;
    case 19: if (have >= 2) lua_insert(L, -2); break; /* swap */
    case 20: /* mark the table at top as an array after it was filled */
      if (have >= 1 && lua_istable(L, -1)) {
        lua_getglobal(L, "core");
        lua_getfield(L, -1, "array");
        lua_remove(L, -2);
        lua_pushvalue(L, -2);
        lua_call(L, 1, 0);
      }
      break;
    default: break;
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  calypso_fuzz_locale();
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  CALYPSO_FUZZ_CHECK(c_locale != (locale_t)0, "no C locale");
  L = calypso_fuzz_lua();
  lua_getglobal(L, "core");
  lua_getfield(L, -1, "array");
  lua_newtable(L);
  lua_call(L, 1, 1);
  CALYPSO_FUZZ_CHECK(lua_getmetatable(L, -1), "core.array sets no metatable");
  array_mt = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 2);
  decode = calypso_fuzz_decoder(L, 0);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  int base = lua_gettop(L), i, steps;
  luaL_checkstack(L, MAX_STACK + 2 * MAX_DEPTH, "program stack");
  for (steps = 0; in.n > 0 && steps < 512; steps++) step(&in, base);
  for (i = base + 1; i <= lua_gettop(L); i++) check_value(i);
  calypso_fuzz_settle(L, base);
  return 0;
}
