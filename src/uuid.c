/* uuid.c: random identifiers for idempotency keys and subscription ids.
 *   core.uuid4() -> "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
 * 122 random bits from OpenSSL's CSPRNG (RAND_bytes), version 4 and the RFC
 * 9562 variant set; lowercase hex.  A key the server must never see twice
 * for two different requests cannot come from math.random. */
#include <openssl/rand.h>
#include "calypso.h"

/* core.uuid4() -> string.  Raises if OpenSSL has no entropy to give. */
static int l_uuid4(lua_State *L) {
  static const char hex[] = "0123456789abcdef";
  unsigned char b[16];
  char out[36];
  int i, o = 0;
  if (RAND_bytes(b, sizeof b) != 1) return luaL_error(L, "calypso: OpenSSL's RAND_bytes failed");
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* the RFC variant */
  for (i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = hex[b[i] >> 4];
    out[o++] = hex[b[i] & 15];
  }
  lua_pushlstring(L, out, sizeof out);
  return 1;
}

void calypso_uuid_open(lua_State *L) {
  lua_pushcfunction(L, l_uuid4);
  lua_setfield(L, -2, "uuid4");
}
