/* sign.c: HMAC-SHA512 as lowercase hex, the Calypso "Sign" header.
 * A client keeps a signer: an HMAC context keyed once with the secret, so a
 * call pays for its own bytes and not for deriving the key again.  The
 * secret itself is not kept anywhere; OpenSSL wipes the context's key
 * material when the signer is freed.  The key is the secret's bytes as given
 * (not hex-decoded).  A secret may also come from a file or an environment
 * variable, read here in C, so that it never becomes a Lua string (which no
 * one can wipe); the file's bytes are wiped as soon as the key is set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#endif
#include "calypso.h"

static void to_hex(const unsigned char *mac, unsigned int len, char *out) {
  static const char hex[] = "0123456789abcdef";
  unsigned int i;
  for (i = 0; i < len; i++) {
    out[2 * i] = hex[mac[i] >> 4];
    out[2 * i + 1] = hex[mac[i] & 15];
  }
}

#if OPENSSL_VERSION_NUMBER >= 0x30000000L

void *calypso_signer_new(const void *key, size_t key_len) {
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL; /* holds its own reference */
  OSSL_PARAM params[2];
  EVP_MAC_free(hmac);
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA512", 0);
  params[1] = OSSL_PARAM_construct_end();
  if (ctx && !EVP_MAC_init(ctx, key, key_len, params)) {
    EVP_MAC_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

int calypso_signer_hex(void *signer, const void *msg, size_t len, char out[CALYPSO_SIGN_HEX_LEN]) {
  EVP_MAC_CTX *ctx = signer;
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  /* A NULL key re-initialises with the key already set. */
  if (!EVP_MAC_init(ctx, NULL, 0, NULL) || !EVP_MAC_update(ctx, msg, len) ||
      !EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) || mac_len * 2 != CALYPSO_SIGN_HEX_LEN)
    return 0;
  to_hex(mac, (unsigned int)mac_len, out);
  return 1;
}

void calypso_signer_free(void *signer) {
  EVP_MAC_CTX_free(signer);
}

#else /* OpenSSL 1.1 */

void *calypso_signer_new(const void *key, size_t key_len) {
  HMAC_CTX *ctx = HMAC_CTX_new();
  if (ctx && !HMAC_Init_ex(ctx, key, (int)key_len, EVP_sha512(), NULL)) {
    HMAC_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

int calypso_signer_hex(void *signer, const void *msg, size_t len, char out[CALYPSO_SIGN_HEX_LEN]) {
  HMAC_CTX *ctx = signer;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC_Init_ex(ctx, NULL, 0, NULL, NULL) || !HMAC_Update(ctx, msg, len) ||
      !HMAC_Final(ctx, mac, &mac_len) || mac_len * 2 != CALYPSO_SIGN_HEX_LEN)
    return 0;
  to_hex(mac, mac_len, out);
  return 1;
}

void calypso_signer_free(void *signer) {
  HMAC_CTX_free(signer);
}

#endif

static int blank(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Whitespace at either end of a secret is a copy-and-paste or file slip:
 * signing with it gives only "003 Wrong sign" later, so refuse it now. */
const char *calypso_secret_problem(const char *s, size_t len) {
  if (len == 0) return "is empty";
  if (blank(s[0]) || blank(s[len - 1])) return "has whitespace at its start or end";
  return NULL;
}

#define MAX_SECRET_FILE 4096

/* The file's bytes, less one final LF or CRLF (what `echo` and editors
 * add), key the signer; our copy is wiped before it is freed.  NULL, with
 * *why saying what is wrong (never the secret), when it cannot. */
void *calypso_signer_from_file(const char *path, const char **why) {
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t len;
  void *signer = NULL;
  *why = "cannot be read";
  if (f == NULL) return NULL;
  buf = malloc(MAX_SECRET_FILE + 1);
  len = buf ? fread(buf, 1, MAX_SECRET_FILE + 1, f) : 0;
  fclose(f);
  if (buf == NULL) {
    *why = "cannot be read: out of memory";
    return NULL;
  }
  if (len > MAX_SECRET_FILE) {
    *why = "is larger than 4096 bytes";
  } else {
    if (len > 0 && buf[len - 1] == '\n') len--;
    if (len > 0 && buf[len - 1] == '\r') len--;
    *why = calypso_secret_problem(buf, len);
    if (*why == NULL && (signer = calypso_signer_new(buf, len)) == NULL) *why = "cannot key HMAC-SHA512";
  }
  OPENSSL_cleanse(buf, MAX_SECRET_FILE + 1);
  free(buf);
  return signer;
}

/* The variable's value keys the signer; it stays where it is, in the
 * process environment (not ours to wipe). */
void *calypso_signer_from_env(const char *name, const char **why) {
  const char *value = getenv(name);
  void *signer;
  *why = value ? calypso_secret_problem(value, strlen(value)) : "is not set";
  if (*why) return NULL;
  signer = calypso_signer_new(value, strlen(value));
  if (signer == NULL) *why = "cannot key HMAC-SHA512";
  return signer;
}

/* core.has_env(name) -> bool: is the variable set and not empty?  Lets the
 * default client check for CALYPSO_API_SECRET without copying it into Lua. */
static int l_has_env(lua_State *L) {
  const char *value = getenv(luaL_checkstring(L, 1));
  lua_pushboolean(L, value != NULL && value[0] != '\0');
  return 1;
}

/* core.sign(secret, body) -> hex
 * Raises on non-string arguments, an empty secret, or an OpenSSL failure
 * (none is a runtime condition of the network). */
static int l_sign(lua_State *L) {
  size_t key_len, msg_len;
  const char *key = luaL_checklstring(L, 1, &key_len);
  const char *msg = luaL_checklstring(L, 2, &msg_len);
  char out[CALYPSO_SIGN_HEX_LEN];
  void *signer;
  int ok;
  luaL_argcheck(L, key_len > 0, 1, "secret must not be empty");
  signer = calypso_signer_new(key, key_len);
  ok = signer && calypso_signer_hex(signer, msg, msg_len, out);
  if (signer) calypso_signer_free(signer);
  if (!ok) return luaL_error(L, "HMAC-SHA512 failed");
  lua_pushlstring(L, out, sizeof out);
  return 1;
}

/* core.verify_sign(secret, body, sign) -> bool
 * Is `sign` the HMAC-SHA512 of body, in hex of either case?  The comparison
 * takes the same time wherever the first difference is (CRYPTO_memcmp), so
 * timing shows nothing about the right signature.  Raises on non-strings or
 * an empty secret. */
static int l_verify_sign(lua_State *L) {
  size_t key_len, msg_len, sign_len, i;
  const char *key = luaL_checklstring(L, 1, &key_len);
  const char *msg = luaL_checklstring(L, 2, &msg_len);
  const char *sign = luaL_checklstring(L, 3, &sign_len);
  char expected[CALYPSO_SIGN_HEX_LEN], given[CALYPSO_SIGN_HEX_LEN];
  void *signer;
  int ok;
  luaL_argcheck(L, key_len > 0, 1, "secret must not be empty");
  if (sign_len != CALYPSO_SIGN_HEX_LEN) { /* the length is public: no need to hide it */
    lua_pushboolean(L, 0);
    return 1;
  }
  for (i = 0; i < sign_len; i++) /* fold A-F to a-f without branching on the secret */
    given[i] = (char)(sign[i] | (char)(0x20 & -(sign[i] >= 'A' && sign[i] <= 'F')));
  signer = calypso_signer_new(key, key_len);
  ok = signer && calypso_signer_hex(signer, msg, msg_len, expected);
  if (signer) calypso_signer_free(signer);
  if (!ok) return luaL_error(L, "HMAC-SHA512 failed");
  lua_pushboolean(L, CRYPTO_memcmp(expected, given, sizeof expected) == 0);
  OPENSSL_cleanse(expected, sizeof expected);
  return 1;
}

void calypso_sign_open(lua_State *L) {
  lua_pushcfunction(L, l_sign);
  lua_setfield(L, -2, "sign");
  lua_pushcfunction(L, l_verify_sign);
  lua_setfield(L, -2, "verify_sign");
  lua_pushcfunction(L, l_has_env);
  lua_setfield(L, -2, "has_env");
}
