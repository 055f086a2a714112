/* sign.c: HMAC-SHA512 as lowercase hex, the Calypso "Sign" header.
 * Holds no state; the key is the secret's bytes as given (not hex-decoded). */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include "calypso.h"

/* Writes exactly CALYPSO_SIGN_HEX_LEN lowercase hex digits (no NUL); 0 on failure. */
int calypso_sign_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     char out[CALYPSO_SIGN_HEX_LEN]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0, i;
  if (key_len > 0x7fffffff) return 0;
  if (!HMAC(EVP_sha512(), key, (int)key_len, msg, msg_len, mac, &mac_len) ||
      mac_len * 2 != CALYPSO_SIGN_HEX_LEN)
    return 0;
  for (i = 0; i < mac_len; i++) {
    out[2 * i] = hex[mac[i] >> 4];
    out[2 * i + 1] = hex[mac[i] & 15];
  }
  OPENSSL_cleanse(mac, sizeof mac);
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
  luaL_argcheck(L, key_len > 0, 1, "secret must not be empty");
  if (!calypso_sign_hex(key, key_len, msg, msg_len, out)) return luaL_error(L, "HMAC-SHA512 failed");
  lua_pushlstring(L, out, sizeof out);
  return 1;
}

void calypso_sign_open(lua_State *L) {
  lua_pushcfunction(L, l_sign);
  lua_setfield(L, -2, "sign");
}
