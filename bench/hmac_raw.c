/* bench/hmac_raw.c: the floor for signing: OpenSSL's HMAC-SHA512 of the
 * given bytes, no JSON, no hex, no Lua.  Prints nanoseconds per MAC for a
 * context keyed once and reused (the cheapest correct way), then for the
 * one-shot HMAC() call.  With a fourth argument, only the keyed context's
 * loop runs (for counting its instructions under callgrind: bench/run).
 *   hmac_raw SECRET BODY_FILE ITERATIONS [keyed] */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  unsigned char body[65536], mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len;
  size_t len, out_len;
  long i, n;
  double t;
  FILE *f;
  EVP_MAC *hmac;
  EVP_MAC_CTX *ctx;
  OSSL_PARAM params[2];
  if ((argc != 4 && argc != 5) || (f = fopen(argv[2], "rb")) == NULL) return 2;
  len = fread(body, 1, sizeof body, f);
  fclose(f);
  n = atol(argv[3]);

  hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  ctx = EVP_MAC_CTX_new(hmac);
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA512", 0);
  params[1] = OSSL_PARAM_construct_end();
  if (!EVP_MAC_init(ctx, (const unsigned char *)argv[1], strlen(argv[1]), params)) return 1;
  for (i = 0; i < n / 10; i++) { /* warm-up */
    EVP_MAC_init(ctx, NULL, 0, NULL);
    EVP_MAC_update(ctx, body, len);
    EVP_MAC_final(ctx, mac, &out_len, sizeof mac);
  }
  t = now();
  for (i = 0; i < n; i++) {
    EVP_MAC_init(ctx, NULL, 0, NULL);
    EVP_MAC_update(ctx, body, len);
    EVP_MAC_final(ctx, mac, &out_len, sizeof mac);
  }
  printf("%f\n", (now() - t) / n * 1e9);
  if (argc == 5) return mac[0] == 0 && mac[1] == 0; /* the MAC is used: no loop is optimised away */

  t = now();
  for (i = 0; i < n; i++) HMAC(EVP_sha512(), argv[1], (int)strlen(argv[1]), body, len, mac, &mac_len);
  printf("%f\n", (now() - t) / n * 1e9);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(hmac);
  return 0;
}
