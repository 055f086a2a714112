/* fuzz.h: what the libFuzzer harnesses (fuzz/<name>_fuzz.c) share.
 * Every harness runs in the locale FUZZ_LOCALE names ("C" when unset), set
 * in LLVMFuzzerInitialize before anything reads it: lua-cjson captures the
 * decimal point when it loads, and the core must not care either way.
 * A broken invariant is reported by calypso_fuzz_fail, which abort()s so
 * that libFuzzer keeps the input as a crash artifact. */
#ifndef CALYPSO_FUZZ_H
#define CALYPSO_FUZZ_H

#include <stddef.h>
#include "calypso.h"

/* common.c */
void calypso_fuzz_locale(void); /* setlocale(LC_ALL, $FUZZ_LOCALE), or abort */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
void calypso_fuzz_fail(const char *fmt, ...);
#define CALYPSO_FUZZ_CHECK(cond, ...) \
  do {                                \
    if (!(cond)) calypso_fuzz_fail(__VA_ARGS__); \
  } while (0)

/* json_check.c: strict RFC 8259 JSON and RFC 3629 UTF-8, from the RFCs. */
int calypso_fuzz_utf8_valid(const char *s, size_t n);
typedef struct calypso_fuzz_token {
  char kind; /* '[' '{' '"' (a string value) 'k' (a key) 'n' 't' 'f' 'z' (null) */
  size_t at, len;
} calypso_fuzz_token;
/* NULL if s is one strict JSON text, with *tok (malloc'd, for the caller to
 * free) its values' tokens in document order; otherwise why not, *at where. */
const char *calypso_fuzz_json_scan(const char *s, size_t n, calypso_fuzz_token **tok,
                                   size_t *ntok, size_t *at);

/* lua.c: one Lua 5.4 state for the whole run, made after the locale is set:
 * standard libraries, lua-cjson linked in as package.preload.cjson, and
 * calypso.core required into the global `core`.  Each input runs on it and
 * leaves its stack as it found it; calypso_fuzz_settle collects the garbage,
 * so that a value the core leaks or frees twice shows up on this input. */
lua_State *calypso_fuzz_lua(void);
int calypso_fuzz_decoder(lua_State *L, int max_depth); /* registry ref of a decode function */
int calypso_fuzz_chunk(lua_State *L, const char *text, size_t len, const char *name); /* ref, compiled */
void calypso_fuzz_settle(lua_State *L, int top);

#endif
