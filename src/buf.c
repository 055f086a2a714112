/* buf.c: growable byte buffers that refuse to grow past their `max`.
 * A client owns three (body, request, response) and reuses them for every
 * call, so steady-state calls allocate nothing here. */
#include <stdlib.h>
#include <string.h>
#include "calypso.h"

/* calypso_buf_append's path when the bytes do not fit in what b has. */
int calypso_buf_grow(calypso_buf *b, const void *data, size_t n) {
  if (n > b->max - b->len) {
    b->overflow = 1;
    return 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    char *p;
    while (cap < b->len + n) cap *= 2;
    if (cap > b->max) cap = b->max;
    p = realloc(b->data, cap);
    if (p == NULL) {
      b->nomem = 1;
      return 0;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return 1;
}

int calypso_buf_appends(calypso_buf *b, const char *s) {
  return calypso_buf_append(b, s, strlen(s));
}

/* "00".."99": two digits per division. */
static const char digit_pairs[] =
    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
    "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* n in decimal, at the end of out: snprintf costs ~900 instructions, this
 * ~100 for a 13-digit timestamp, and every call writes a timestamp and a
 * Content-Length. */
const char *calypso_decimal(char out[CALYPSO_DECIMAL_MAX], unsigned long long n, size_t *len) {
  size_t i = CALYPSO_DECIMAL_MAX;
  while (n >= 100) {
    i -= 2;
    memcpy(out + i, digit_pairs + 2 * (n % 100), 2);
    n /= 100;
  }
  if (n >= 10) {
    i -= 2;
    memcpy(out + i, digit_pairs + 2 * n, 2);
  } else {
    out[--i] = (char)('0' + n);
  }
  *len = CALYPSO_DECIMAL_MAX - i;
  return out + i;
}

int calypso_buf_append_decimal(calypso_buf *b, unsigned long long n) {
  char digits[CALYPSO_DECIMAL_MAX];
  size_t len;
  const char *d = calypso_decimal(digits, n, &len);
  return calypso_buf_append(b, d, len);
}

int calypso_buf_append_decimal_signed(calypso_buf *b, long long n) {
  if (n >= 0) return calypso_buf_append_decimal(b, (unsigned long long)n);
  /* -(n + 1) + 1 is |n| without overflowing at LLONG_MIN */
  return calypso_buf_append(b, "-", 1) &&
         calypso_buf_append_decimal(b, (unsigned long long)(-(n + 1)) + 1);
}

void calypso_buf_reset(calypso_buf *b) {
  b->len = 0;
  b->overflow = b->nomem = 0;
}

void calypso_buf_free(calypso_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
