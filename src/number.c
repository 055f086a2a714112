/* number.c: numbers as decimal text, whatever the host's locale.
 *   - the shortest text that reads back as the same double (what encode.c
 *     writes for a float, and what a Lua number's digits really are);
 *   - the exact comparison of two amounts by decimal value, so that 10,
 *     10.00 and 1e1 agree, and 10.000000000000000001 does not;
 *   - the shape of a JSON number token.
 * Text is formatted and read in the C locale (uselocale, per thread): a
 * host that set LC_NUMERIC to a comma locale cannot change a digit here.
 *   core.number_text(n) -> text, digits   the shortest round-trip text and
 *                                         its count of significant digits
 *   core.same_amount(a, b [, lossy]) -> bool   a, b: numbers, number
 *                                         tokens as strings, or core.decimal
 *                                         values; lossy: a float stands for
 *                                         the nearest double of the other */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calypso.h"

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;

static void make_c_locale(void) {
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Enters the C locale; returns the previous one, or (locale_t)0 if the C
 * locale could not be made (never seen: "C" always exists). */
static locale_t c_locale_enter(void) {
  pthread_once(&c_locale_once, make_c_locale);
  if (c_locale == (locale_t)0) return (locale_t)0;
  return uselocale(c_locale);
}

static void c_locale_leave(locale_t previous) {
  if (previous != (locale_t)0) uselocale(previous);
}

double calypso_strtod(const char *text) {
  locale_t previous = c_locale_enter();
  double d = strtod(text, NULL);
  c_locale_leave(previous);
  return d;
}

int calypso_number_text(double d, char out[CALYPSO_NUMBER_TEXT]) {
  locale_t previous;
  int prec;
  if (isnan(d) || isinf(d)) return 0;
  if (d == 0) { /* the sign of a zero is part of the value sent */
    strcpy(out, signbit(d) ? "-0" : "0");
    return 1;
  }
  previous = c_locale_enter();
  if (previous == (locale_t)0) return 0;
  for (prec = 15; prec < 17; prec++) { /* the shortest text that reads back the same */
    snprintf(out, CALYPSO_NUMBER_TEXT, "%.*g", prec, d);
    if (strtod(out, NULL) == d) break;
  }
  if (prec == 17) snprintf(out, CALYPSO_NUMBER_TEXT, "%.17g", d);
  c_locale_leave(previous);
  return 1;
}

size_t calypso_number_token(const char *s, size_t len) {
  size_t i = 0;
  if (i < len && s[i] == '-') i++;
  if (i >= len || s[i] < '0' || s[i] > '9') return 0;
  if (s[i] == '0') i++;
  else
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  if (i < len && s[i] == '.') {
    size_t start = ++i;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    if (i == start) return 0;
  }
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    size_t start;
    if (++i < len && (s[i] == '+' || s[i] == '-')) i++;
    start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    if (i == start) return 0;
  }
  return i;
}

/* A decimal value: its significant digits (no leading or trailing zeros)
 * and the power of ten of the last one; zero has no digits. */
typedef struct value {
  int negative;
  const char *digits[2]; /* the integer part's and the fraction's digits */
  size_t n[2];
  size_t skip_lead, keep; /* of the concatenated digits: zeros before, digits kept */
  long long exponent;     /* of the last kept digit */
} value;

static char digit_at(const value *v, size_t i) {
  return i < v->n[0] ? v->digits[0][i] : v->digits[1][i - v->n[0]];
}

/* Reads a JSON number token; 0 when s is none (or its exponent is absurd). */
static int read_value(const char *s, size_t len, value *v) {
  size_t i = 0, start, total, last;
  long long e = 0;
  if (calypso_number_token(s, len) != len) return 0;
  memset(v, 0, sizeof *v);
  if (s[i] == '-') v->negative = 1, i++;
  start = i;
  while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  v->digits[0] = s + start;
  v->n[0] = i - start;
  v->digits[1] = s + i;
  if (i < len && s[i] == '.') {
    start = ++i;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    v->digits[1] = s + start;
    v->n[1] = i - start;
  }
  if (i < len) { /* e or E */
    int minus = 0;
    i++;
    if (s[i] == '+' || s[i] == '-') minus = s[i++] == '-';
    for (; i < len; i++) {
      if (e > 1000000000000LL) return 0; /* past any exponent a comparison needs */
      e = e * 10 + (s[i] - '0');
    }
    if (minus) e = -e;
  }
  total = v->n[0] + v->n[1];
  while (v->skip_lead < total && digit_at(v, v->skip_lead) == '0') v->skip_lead++;
  if (v->skip_lead == total) { /* zero, whatever its sign */
    v->keep = 0;
    v->negative = 0;
    return 1;
  }
  last = total;
  while (digit_at(v, last - 1) == '0') last--;
  v->keep = last - v->skip_lead;
  v->exponent = e - (long long)v->n[1] + (long long)(total - last);
  return 1;
}

static int same_value(const value *a, const value *b) {
  size_t i;
  if (a->keep != b->keep || a->negative != b->negative) return 0;
  if (a->keep == 0) return 1;
  if (a->exponent != b->exponent) return 0;
  for (i = 0; i < a->keep; i++)
    if (digit_at(a, a->skip_lead + i) != digit_at(b, b->skip_lead + i)) return 0;
  return 1;
}

/* The value at idx as number text into buf (a number, a string token, or
 * a decimal); NULL when it is none of those. */
static const char *amount_text(lua_State *L, int idx, char buf[CALYPSO_NUMBER_TEXT], size_t *len) {
  if (lua_type(L, idx) == LUA_TNUMBER) {
    long long i;
    if (calypso_compat_tointeger(L, idx, &i)) {
      snprintf(buf, CALYPSO_NUMBER_TEXT, "%lld", i);
    } else if (!calypso_number_text((double)lua_tonumber(L, idx), buf)) {
      return NULL;
    }
    *len = strlen(buf);
    return buf;
  }
  if (lua_type(L, idx) == LUA_TSTRING) return lua_tolstring(L, idx, len);
  return calypso_decimal_text(L, idx, len); /* NULL unless a core.decimal */
}

/* A float at idx (no integer subtype), and the other value's text as the
 * nearest double: equal?  (For a client that decodes numbers as doubles:
 * its read-back can see amounts only to a double's precision.) */
static int same_double(lua_State *L, int idx, const char *text, size_t len) {
  char *copy;
  double d;
  long long i;
  if (lua_type(L, idx) != LUA_TNUMBER || calypso_compat_tointeger(L, idx, &i)) return 0;
  if (calypso_number_token(text, len) != len || (copy = malloc(len + 1)) == NULL) return 0;
  memcpy(copy, text, len);
  copy[len] = '\0';
  d = calypso_strtod(copy);
  free(copy);
  return d == (double)lua_tonumber(L, idx);
}

/* core.same_amount(a, b [, lossy]) -> bool: do a and b stand for the same
 * decimal value?  Each is a number, a string holding a JSON number token,
 * or a core.decimal; anything else (a string that is no number, say) is
 * never the same.  lossy: a float (an amount decoded as a double) also
 * agrees with the other's nearest double. */
static int l_same_amount(lua_State *L) {
  char buf_a[CALYPSO_NUMBER_TEXT], buf_b[CALYPSO_NUMBER_TEXT];
  size_t len_a = 0, len_b = 0;
  const char *a = amount_text(L, 1, buf_a, &len_a), *b = amount_text(L, 2, buf_b, &len_b);
  value va, vb;
  int same = a != NULL && b != NULL && read_value(a, len_a, &va) && read_value(b, len_b, &vb) &&
             same_value(&va, &vb);
  if (!same && a != NULL && b != NULL && lua_toboolean(L, 3))
    same = same_double(L, 1, b, len_b) || same_double(L, 2, a, len_a);
  lua_pushboolean(L, same);
  return 1;
}

/* core.number_text(n) -> text, digits: the shortest text that reads back
 * as n (an integer subtype as its digits), and how many significant digits
 * it has; nil for NaN and the infinities. */
static int l_number_text(lua_State *L) {
  char buf[CALYPSO_NUMBER_TEXT];
  size_t len = 0;
  value v;
  luaL_checktype(L, 1, LUA_TNUMBER);
  if (amount_text(L, 1, buf, &len) == NULL || !read_value(buf, len, &v)) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlstring(L, buf, len);
  lua_pushinteger(L, (lua_Integer)v.keep);
  return 2;
}

void calypso_number_open(lua_State *L) {
  lua_pushcfunction(L, l_same_amount);
  lua_setfield(L, -2, "same_amount");
  lua_pushcfunction(L, l_number_text);
  lua_setfield(L, -2, "number_text");
}
