/* uuid.c: identifiers for idempotency keys and subscription ids.
 *   core.uuid4() -> "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
 *   core.uuid5(namespace, name) -> "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx"
 * uuid4: 122 random bits from OpenSSL's CSPRNG (RAND_bytes); a key the
 * server must never see twice for two different requests cannot come from
 * math.random.  uuid5 (RFC 9562 section 5.5): the first 16 bytes of SHA-1
 * over the namespace's 16 bytes and then the name, so the same order gives
 * the same key in every process, before and after a crash.  Both set the
 * RFC's variant and their version; lowercase hex. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "calypso.h"

static const char hex[] = "0123456789abcdef";

/* Sets version and variant, then pushes the 36-character text form. */
static void push_uuid(lua_State *L, unsigned char b[16], int version) {
  char out[36];
  int i, o = 0;
  b[6] = (unsigned char)((b[6] & 0x0f) | (version << 4));
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* the RFC variant */
  for (i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = hex[b[i] >> 4];
    out[o++] = hex[b[i] & 15];
  }
  lua_pushlstring(L, out, sizeof out);
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The 16 bytes of a UUID in its 8-4-4-4-12 text form (either case); 0 if
 * the text is not one. */
static int parse_uuid(const char *s, size_t len, unsigned char b[16]) {
  size_t i;
  int n = 0;
  if (len != 36) return 0;
  for (i = 0; i < 36; i++) {
    int hi, lo;
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return 0;
      continue;
    }
    hi = hex_value(s[i]);
    lo = hex_value(s[++i]);
    if (hi < 0 || lo < 0 || i == 8 || i == 13 || i == 18 || i == 23) return 0;
    b[n++] = (unsigned char)(hi << 4 | lo);
  }
  return n == 16;
}

/* core.uuid4() -> string.  Raises if OpenSSL has no entropy to give. */
static int l_uuid4(lua_State *L) {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return luaL_error(L, "calypso: OpenSSL's RAND_bytes failed");
  push_uuid(L, b, 4);
  return 1;
}

/* core.uuid5(namespace, name) -> string.  Raises when namespace is not a
 * UUID's text or name is not a string (calypso.uuid5 says so at the
 * caller's line first), or when OpenSSL cannot hash. */
static int l_uuid5(lua_State *L) {
  size_t ns_len, name_len;
  const char *ns = luaL_checklstring(L, 1, &ns_len), *name;
  unsigned char space[16], md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_MD_CTX *ctx;
  int ok;
  luaL_checktype(L, 2, LUA_TSTRING);
  name = lua_tolstring(L, 2, &name_len);
  if (!parse_uuid(ns, ns_len, space)) return luaL_argerror(L, 1, "not a UUID");
  ctx = EVP_MD_CTX_new();
  ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) && EVP_DigestUpdate(ctx, space, sizeof space) &&
       EVP_DigestUpdate(ctx, name, name_len) && EVP_DigestFinal_ex(ctx, md, &md_len) && md_len >= 16;
  EVP_MD_CTX_free(ctx);
  if (!ok) return luaL_error(L, "calypso: OpenSSL could not hash a uuid5 name");
  push_uuid(L, md, 5);
  return 1;
}

void calypso_uuid_open(lua_State *L) {
  lua_pushcfunction(L, l_uuid4);
  lua_setfield(L, -2, "uuid4");
  lua_pushcfunction(L, l_uuid5);
  lua_setfield(L, -2, "uuid5");
}
