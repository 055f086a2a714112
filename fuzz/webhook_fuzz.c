/* webhook_fuzz.c: what a webhook receiver calls on bytes from the network:
 * core.verify_sign(secret, body, sign), core.sign(secret, body) and
 * core.decode_object(body), through Lua (lua_pcall), against OpenSSL's
 * HMAC-SHA512 computed here.
 * Input: [flags][secret length][sign length][secret][sign][body...]
 * flags & 3 picks the sign: 0 as given, 1 the right HMAC in lowercase hex,
 * 2 in uppercase, 3 in a case mix taken from the given sign's bits; flags & 4
 * then changes one digit of it (a near miss; which one also depends on the
 * sign length), so both answers get exercised.
 * Invariants (abort() on violation):
 *  - no crash, no UB, no leak;
 *  - with an empty secret, verify_sign and sign raise; otherwise neither does;
 *  - verify_sign is true exactly when sign is the HMAC's 128 hex digits,
 *    each digit in either case (sign.c folds A-F per digit: "either case");
 *  - sign returns the HMAC's lowercase hex;
 *  - decode_object never raises; it returns a table or nil and a message;
 *    a table only when the body, after blanks, starts with '{' and lua-cjson
 *    (an independent reader) decodes it too; and nil only where lua-cjson
 *    also refuses, or for what decode.c refuses on purpose that lua-cjson
 *    lets through (no UTF-8 check, strtod's numbers, reading stopped at a
 *    NUL byte). */
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "fuzz.h"

static lua_State *L;
static int reference; /* registry ref: a fresh lua-cjson instance's decode */

/* core[name](args...) under pcall; the status, results left on the stack. */
static int call_core(const char *name, int nargs, int nresults) {
  lua_getglobal(L, "core");
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
  lua_insert(L, -(nargs + 1));
  return lua_pcall(L, nargs, nresults, 0);
}

static int blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does the decoder refuse, on purpose, what lua-cjson (which checks no
 * UTF-8 and stops reading at a NUL byte) lets through?  why: its message. */
static int stricter(const char *why, const char *body, size_t len) {
  return why && (strstr(why, "UTF-8") || strstr(why, "control byte") || strstr(why, "surrogate") ||
                 strstr(why, "escape") || strstr(why, "nested") || strstr(why, "malformed number") ||
                 (strncmp(why, "bytes after the value", 21) == 0 && memchr(body, '\0', len)));
}

static void check_decode(const char *body, size_t len) {
  int top = lua_gettop(L), object, expect;
  size_t i = 0;
  lua_pushlstring(L, body, len);
  if (call_core("decode_object", 1, 2) != LUA_OK)
    calypso_fuzz_fail("decode_object raised: %s", lua_tostring(L, -1));
  object = lua_istable(L, -2);
  CALYPSO_FUZZ_CHECK(object ? lua_isnil(L, -1) : lua_isnil(L, -2) && lua_type(L, -1) == LUA_TSTRING,
                     "decode_object returned %s, %s", luaL_typename(L, -2), luaL_typename(L, -1));
  while (i < len && blank(body[i])) i++;
  lua_rawgeti(L, LUA_REGISTRYINDEX, reference);
  lua_pushlstring(L, body, len);
  expect = i < len && body[i] == '{' && lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1);
  CALYPSO_FUZZ_CHECK(object || !expect || stricter(lua_tostring(L, top + 2), body, len),
                     "decode_object refuses a body lua-cjson accepts: %s", lua_tostring(L, top + 2));
  CALYPSO_FUZZ_CHECK(!object || expect, "decode_object accepts a body lua-cjson refuses");
  lua_settop(L, top);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  calypso_fuzz_locale();
  L = calypso_fuzz_lua();
  reference = calypso_fuzz_decoder(L, 1000); /* json.c's settings */
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0, k;
  char hex[2 * EVP_MAX_MD_SIZE], sign[256]; /* a given sign is at most 255 bytes */
  const char *secret, *given, *body;
  size_t secret_len, given_len, sign_len, body_len, i;
  int flags, top = lua_gettop(L), raised, verdict, expect;
  if (size < 3) return 0;
  flags = data[0];
  secret_len = data[1];
  given_len = data[2];
  if (size < 3 + secret_len + given_len) return 0;
  secret = (const char *)data + 3;
  given = secret + secret_len;
  body = given + given_len;
  body_len = size - 3 - secret_len - given_len;

  CALYPSO_FUZZ_CHECK(HMAC(EVP_sha512(), secret_len ? secret : "", (int)secret_len,
                          (const unsigned char *)body, body_len, mac, &mac_len) != NULL &&
                         mac_len == 64,
                     "OpenSSL's HMAC failed");
  for (k = 0; k < mac_len; k++) {
    hex[2 * k] = lower[mac[k] >> 4];
    hex[2 * k + 1] = lower[mac[k] & 15];
  }
  if ((flags & 3) == 0) {
    sign_len = given_len;
    memcpy(sign, given, given_len);
  } else {
    sign_len = 2 * mac_len;
    for (k = 0; k < 2 * mac_len; k++) {
      int up = (flags & 3) == 2 ||
               ((flags & 3) == 3 && given_len && (given[k % given_len] >> (k % 8) & 1));
      sign[k] = (up ? upper : lower)[strchr(lower, hex[k]) - lower];
    }
    if (flags & 4) /* one digit anywhere, '0'<->'1', 'a'<->'c' ... */
      sign[((size_t)(flags >> 3) * 4 + given_len) % sign_len] ^= (char)(1 + (flags >> 3 & 1));
  }
  expect = sign_len == 2 * mac_len;
  for (i = 0; expect && i < sign_len; i++)
    expect = sign[i] == hex[i] || sign[i] == upper[strchr(lower, hex[i]) - lower];

  lua_pushlstring(L, secret, secret_len);
  lua_pushlstring(L, body, body_len);
  lua_pushlstring(L, sign, sign_len);
  raised = call_core("verify_sign", 3, 1) != LUA_OK;
  CALYPSO_FUZZ_CHECK(raised == (secret_len == 0), "verify_sign %s with a secret of %zu bytes: %s",
                     raised ? "raised" : "did not raise", secret_len,
                     raised ? lua_tostring(L, -1) : "");
  if (!raised) {
    CALYPSO_FUZZ_CHECK(lua_isboolean(L, -1), "verify_sign returned a %s", luaL_typename(L, -1));
    verdict = lua_toboolean(L, -1);
    CALYPSO_FUZZ_CHECK(verdict == expect, "verify_sign says %s for a sign that is %s",
                       verdict ? "true" : "false", expect ? "right" : "wrong");
  }
  lua_settop(L, top);

  lua_pushlstring(L, secret, secret_len);
  lua_pushlstring(L, body, body_len);
  raised = call_core("sign", 2, 1) != LUA_OK;
  CALYPSO_FUZZ_CHECK(raised == (secret_len == 0), "sign %s with a secret of %zu bytes",
                     raised ? "raised" : "did not raise", secret_len);
  if (!raised) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    CALYPSO_FUZZ_CHECK(s && len == 2 * mac_len && memcmp(s, hex, len) == 0,
                       "sign differs from OpenSSL's HMAC-SHA512");
  }
  lua_settop(L, top);

  check_decode(body, body_len);
  calypso_fuzz_settle(L, top);
  return 0;
}
