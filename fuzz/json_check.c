/* json_check.c: strict RFC 8259 JSON and RFC 3629 UTF-8, for holding the
 * encoder's output (src/encode.c) to the standards.  Written from the RFCs,
 * not from encode.c, so that the two cannot share a mistake: UTF-8 is
 * decoded to a code point and the code point checked (no overlong forms,
 * no surrogates, nothing past U+10FFFF); JSON is scanned by its grammar,
 * with no NaN or Infinity, no leading zeros, no trailing commas, only the
 * eight escapes and \uXXXX (surrogates only in pairs), no raw control bytes
 * and nothing after the value.  The scan records each value's token in
 * document order, so the caller can hold each one to the value it wrote. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

#define MAX_DEPTH 256 /* past the writer's 100, so that its limit is what shows */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_char(const unsigned char *s, size_t n) {
  static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  size_t len, k;
  uint32_t cp;
  if (s[0] < 0x80) return 1;
  len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
  if (len == 0 || s[0] >= 0xF8 || n < len) return 0;
  cp = s[0] & (0x7Fu >> len);
  for (k = 1; k < len; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[k] & 0x3Fu);
  }
  if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

int calypso_fuzz_utf8_valid(const char *s, size_t n) {
  size_t i = 0, len;
  while (i < n) {
    if ((len = utf8_char((const unsigned char *)s + i, n - i)) == 0) return 0;
    i += len;
  }
  return 1;
}

typedef struct {
  const char *s;
  size_t n, i;
  calypso_fuzz_token *tok;
  size_t ntok, cap;
  const char *why;
} scanner;

static int bad(scanner *sc, const char *why) {
  if (sc->why == NULL) sc->why = why;
  return 0;
}

static void emit(scanner *sc, char kind, size_t at, size_t len) {
  if (sc->ntok == sc->cap) {
    sc->cap = sc->cap ? 2 * sc->cap : 64;
    sc->tok = realloc(sc->tok, sc->cap * sizeof *sc->tok);
    CALYPSO_FUZZ_CHECK(sc->tok != NULL, "out of memory");
  }
  sc->tok[sc->ntok].kind = kind;
  sc->tok[sc->ntok].at = at;
  sc->tok[sc->ntok++].len = len;
}

static int hex4(scanner *sc, unsigned *u) {
  size_t k;
  *u = 0;
  if (sc->n - sc->i < 4) return bad(sc, "short \\u escape");
  for (k = 0; k < 4; k++) {
    char c = sc->s[sc->i++];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return bad(sc, "bad hex digit in \\u escape");
    *u = *u << 4 | (unsigned)d;
  }
  return 1;
}

static int scan_string(scanner *sc, char kind) {
  size_t start = sc->i++, len;
  unsigned u, lo;
  while (sc->i < sc->n) {
    unsigned char c = (unsigned char)sc->s[sc->i];
    if (c == '"') {
      sc->i++;
      emit(sc, kind, start, sc->i - start);
      return 1;
    }
    if (c < 0x20) return bad(sc, "raw control byte in a string");
    if (c == '\\') {
      if (++sc->i == sc->n) return bad(sc, "escape at the end");
      c = (unsigned char)sc->s[sc->i++];
      if (c == 'u') {
        if (!hex4(sc, &u)) return 0;
        if (u >= 0xDC00 && u <= 0xDFFF) return bad(sc, "lone low surrogate escape");
        if (u >= 0xD800 && u <= 0xDBFF) {
          if (sc->n - sc->i < 2 || sc->s[sc->i] != '\\' || sc->s[sc->i + 1] != 'u')
            return bad(sc, "lone high surrogate escape");
          sc->i += 2;
          if (!hex4(sc, &lo)) return 0;
          if (lo < 0xDC00 || lo > 0xDFFF) return bad(sc, "bad surrogate pair");
        }
      } else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
        return bad(sc, "invalid escape");
      }
      continue;
    }
    if ((len = utf8_char((const unsigned char *)sc->s + sc->i, sc->n - sc->i)) == 0)
      return bad(sc, "invalid UTF-8 in a string");
    sc->i += len;
  }
  return bad(sc, "unterminated string");
}

static int digits(scanner *sc) {
  size_t start = sc->i;
  while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9') sc->i++;
  return sc->i > start;
}

static int scan_number(scanner *sc) {
  size_t start = sc->i;
  if (sc->s[sc->i] == '-') sc->i++;
  if (sc->i < sc->n && sc->s[sc->i] == '0') {
    sc->i++;
    if (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
      return bad(sc, "leading zero");
  } else if (!digits(sc)) {
    return bad(sc, "not a number");
  }
  if (sc->i < sc->n && sc->s[sc->i] == '.') {
    sc->i++;
    if (!digits(sc)) return bad(sc, "no digit after the decimal point");
  }
  if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
    sc->i++;
    if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-')) sc->i++;
    if (!digits(sc)) return bad(sc, "no digit in the exponent");
  }
  emit(sc, 'n', start, sc->i - start);
  return 1;
}

static void blanks(scanner *sc) {
  while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) && sc->s[sc->i] != '\0') sc->i++;
}

static int literal(scanner *sc, const char *word, char kind) {
  size_t len = strlen(word);
  if (sc->n - sc->i < len || memcmp(sc->s + sc->i, word, len) != 0)
    return bad(sc, "unknown literal");
  emit(sc, kind, sc->i, len);
  sc->i += len;
  return 1;
}

static int scan_value(scanner *sc, int depth) {
  char c, close;
  int first = 1;
  blanks(sc);
  if (sc->i == sc->n) return bad(sc, "missing value");
  if (depth > MAX_DEPTH) return bad(sc, "nested deeper than the writer allows");
  c = sc->s[sc->i];
  if (c == '"') return scan_string(sc, '"');
  if (c == '-' || (c >= '0' && c <= '9')) return scan_number(sc);
  if (c == 't') return literal(sc, "true", 't');
  if (c == 'f') return literal(sc, "false", 'f');
  if (c == 'n') return literal(sc, "null", 'z');
  if (c != '[' && c != '{') return bad(sc, "unexpected byte");
  close = c == '[' ? ']' : '}';
  emit(sc, c, sc->i++, 1);
  for (;;) {
    blanks(sc);
    if (sc->i < sc->n && sc->s[sc->i] == close && first) {
      sc->i++;
      return 1;
    }
    if (c == '{') {
      if (sc->i == sc->n || sc->s[sc->i] != '"') return bad(sc, "object key is not a string");
      if (!scan_string(sc, 'k')) return 0;
      blanks(sc);
      if (sc->i == sc->n || sc->s[sc->i++] != ':') return bad(sc, "no colon after a key");
    }
    if (!scan_value(sc, depth + 1)) return 0;
    blanks(sc);
    if (sc->i == sc->n) return bad(sc, "unterminated container");
    if (sc->s[sc->i] == close) {
      sc->i++;
      return 1;
    }
    if (sc->s[sc->i++] != ',') return bad(sc, "no comma between members");
    first = 0;
  }
}

const char *calypso_fuzz_json_scan(const char *s, size_t n, calypso_fuzz_token **tok,
                                   size_t *ntok, size_t *at) {
  scanner sc;
  memset(&sc, 0, sizeof sc);
  sc.s = s;
  sc.n = n;
  if (scan_value(&sc, 1)) {
    blanks(&sc);
    if (sc.i != sc.n) bad(&sc, "bytes after the value");
  }
  *tok = sc.tok;
  *ntok = sc.ntok;
  *at = sc.i;
  return sc.why;
}
