/* sign.c: HMAC-SHA512 as lowercase hex, the Calypso "Sign" header.
 * A client keeps a signer: HMAC's inner and outer SHA-512 states, each
 * having absorbed the secret padded to one block (RFC 2104), computed once,
 * so a call pays only for its own bytes.  Why not OpenSSL's HMAC or
 * EVP_MAC: re-using their keyed context copies it through
 * EVP_MD_CTX_copy_ex, which frees and allocates the digest's state on every
 * call (a malloc and a free, a cleanse, a lookup: half of a two-field
 * create's signing cost); here the two states are copied by value.  The
 * SHA-512 itself is OpenSSL's (its SHA512_* calls, which OpenSSL 3 marks
 * deprecated in favour of EVP, but keeps, with the same assembly).  The
 * secret itself is not kept anywhere; the states derived from it are wiped
 * (OPENSSL_cleanse) when the signer is freed, and so is every working copy.
 * The key is the secret's bytes as given (not hex-decoded).  A secret may
 * also come from a file or an environment variable, read here in C, so that
 * it never becomes a Lua string (which no one can wipe); the file's bytes
 * are wiped as soon as the key is set. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA512_Init/Update/Final: see above */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include "calypso.h"

typedef struct calypso_signer {
  SHA512_CTX inner; /* has absorbed key XOR 0x36.. */
  SHA512_CTX outer; /* has absorbed key XOR 0x5c.. */
} calypso_signer;

/* "00".."ff": one lookup per byte of the MAC (where there is no SSE2, and for a tail). */
static const char hex_pairs[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

#if defined(__SSE2__) /* every x86-64: 16 bytes of MAC to 32 of hex at once */
#include <emmintrin.h>
static void to_hex(const unsigned char *mac, unsigned int len, char *out) {
  const __m128i low4 = _mm_set1_epi8(0x0f), nine = _mm_set1_epi8(9);
  const __m128i zero = _mm_set1_epi8('0'), letters = _mm_set1_epi8('a' - '0' - 10);
  unsigned int i;
  for (i = 0; i + 16 <= len; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(mac + i));
    __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4), lo = _mm_and_si128(v, low4);
    __m128i first = _mm_unpacklo_epi8(hi, lo), second = _mm_unpackhi_epi8(hi, lo); /* nibbles, in order */
    first = _mm_add_epi8(_mm_add_epi8(first, zero), _mm_and_si128(_mm_cmpgt_epi8(first, nine), letters));
    second = _mm_add_epi8(_mm_add_epi8(second, zero), _mm_and_si128(_mm_cmpgt_epi8(second, nine), letters));
    _mm_storeu_si128((__m128i *)(out + 2 * i), first);
    _mm_storeu_si128((__m128i *)(out + 2 * i + 16), second);
  }
  for (; i < len; i++) memcpy(out + 2 * i, hex_pairs + 2 * mac[i], 2);
}
#else
static void to_hex(const unsigned char *mac, unsigned int len, char *out) {
  unsigned int i;
  for (i = 0; i < len; i++) memcpy(out + 2 * i, hex_pairs + 2 * mac[i], 2);
}
#endif

/* One state: SHA-512 begun on the key's block XOR pad. */
static int absorb(SHA512_CTX *state, const unsigned char block[SHA512_CBLOCK], unsigned char pad) {
  unsigned char padded[SHA512_CBLOCK];
  int i, ok;
  for (i = 0; i < SHA512_CBLOCK; i++) padded[i] = (unsigned char)(block[i] ^ pad);
  ok = SHA512_Init(state) && SHA512_Update(state, padded, sizeof padded);
  OPENSSL_cleanse(padded, sizeof padded);
  return ok;
}

void *calypso_signer_new(const void *key, size_t key_len) {
  unsigned char block[SHA512_CBLOCK];
  calypso_signer *s = malloc(sizeof *s);
  int ok;
  if (s == NULL) return NULL;
  memset(block, 0, sizeof block);
  if (key_len > sizeof block) { /* a longer key is replaced by its digest (RFC 2104) */
    ok = SHA512(key, key_len, block) != NULL;
  } else {
    memcpy(block, key, key_len);
    ok = 1;
  }
  ok = ok && absorb(&s->inner, block, 0x36) && absorb(&s->outer, block, 0x5c);
  OPENSSL_cleanse(block, sizeof block);
  if (!ok) {
    calypso_signer_free(s);
    return NULL;
  }
  return s;
}

int calypso_signer_hex(void *signer, const void *msg, size_t len, char out[CALYPSO_SIGN_HEX_LEN]) {
  const calypso_signer *s = signer;
  SHA512_CTX work = s->inner; /* a copy by value: nothing allocated */
  unsigned char mac[SHA512_DIGEST_LENGTH];
  int ok = SHA512_Update(&work, msg, len) && SHA512_Final(mac, &work);
  work = s->outer;
  ok = ok && SHA512_Update(&work, mac, sizeof mac) && SHA512_Final(mac, &work);
  if (ok) to_hex(mac, sizeof mac, out);
  OPENSSL_cleanse(&work, sizeof work);
  OPENSSL_cleanse(mac, sizeof mac);
  return ok && sizeof mac * 2 == CALYPSO_SIGN_HEX_LEN;
}

void calypso_signer_free(void *signer) {
  if (signer == NULL) return;
  OPENSSL_cleanse(signer, sizeof(calypso_signer));
  free(signer);
}

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
