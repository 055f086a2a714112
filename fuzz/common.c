/* common.c: the locale every harness runs in, and the one way a harness
 * reports a broken invariant.  No Lua here: http1_fuzz links without it. */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz.h"

void calypso_fuzz_locale(void) {
  const char *name = getenv("FUZZ_LOCALE");
  if (name == NULL || name[0] == '\0') name = "C";
  if (setlocale(LC_ALL, name) == NULL) {
    fprintf(stderr, "fuzz: FUZZ_LOCALE=%s cannot be set (locale -a lists what exists)\n", name);
    abort();
  }
}

void calypso_fuzz_fail(const char *fmt, ...) {
  va_list args;
  fputs("fuzz: invariant broken: ", stderr);
  va_start(args, fmt);
  vfprintf(stderr, fmt, args);
  va_end(args);
  fputc('\n', stderr);
  abort();
}
