/* request.c: the HTTP/1.1 requests the core writes, and nothing else.  A
 * call's request is a head fixed per client (Host, User-Agent, Content-Type,
 * Accept, Key: built once) plus the path, Sign, Content-Length and body,
 * written into one buffer so that one TLS record carries the whole request.
 * The CONNECT request opens a proxy's tunnel to the origin.  What comes back
 * is http1.c's to parse. */
#include <stdlib.h>
#include <string.h>
#include "calypso.h"

/* The request head after "POST <path>": everything that never changes for
 * this client.  The per-call Sign and Content-Length follow it. */
char *calypso_http1_head(const char *authority, size_t authority_len, const char *key,
                        size_t key_len, size_t *len) {
  static const char *const parts[] = {
      " HTTP/1.1\r\nHost: ", "\r\nUser-Agent: calypso-lua/" CALYPSO_VERSION
      "\r\nContent-Type: application/json\r\nAccept: application/json\r\nKey: ", "\r\n"};
  size_t n = strlen(parts[0]) + authority_len + strlen(parts[1]) + key_len + strlen(parts[2]);
  char *head = malloc(n + 1), *p = head;
  if (head == NULL) return NULL;
  memcpy(p, parts[0], strlen(parts[0]));
  p += strlen(parts[0]);
  memcpy(p, authority, authority_len);
  p += authority_len;
  memcpy(p, parts[1], strlen(parts[1]));
  p += strlen(parts[1]);
  memcpy(p, key, key_len);
  p += key_len;
  memcpy(p, parts[2], strlen(parts[2]) + 1);
  *len = n;
  return head;
}

/* <method> <path_prefix><path> HTTP/1.1, the fixed head (Host, User-Agent,
 * Content-Type, Accept, Key), Sign, Content-Length, the body: one buffer,
 * so that one TLS record carries the whole request. */
int calypso_http1_request(calypso_buf *out, const char *method, const char *path_prefix, const char *path,
                          const char *head, size_t head_len, const char sign[CALYPSO_SIGN_HEX_LEN],
                          const calypso_buf *body) {
  calypso_buf_reset(out);
  return calypso_buf_appends(out, method) && calypso_buf_appends(out, " ") &&
         calypso_buf_appends(out, path_prefix) &&
         calypso_buf_appends(out, path) && calypso_buf_append(out, head, head_len) &&
         calypso_buf_appends(out, "Sign: ") &&
         calypso_buf_append(out, sign, CALYPSO_SIGN_HEX_LEN) &&
         calypso_buf_appends(out, "\r\nContent-Length: ") &&
         calypso_buf_append_decimal(out, body->len) && calypso_buf_appends(out, "\r\n\r\n") &&
         calypso_buf_append(out, body->data, body->len);
}

/* CONNECT host:port HTTP/1.1, for a proxy to open a tunnel to the origin. */
int calypso_http1_connect_request(calypso_buf *out, const char *host, int port) {
  int v6 = strchr(host, ':') != NULL;
  calypso_buf_reset(out);
  return calypso_buf_appends(out, "CONNECT ") && calypso_buf_appends(out, v6 ? "[" : "") &&
         calypso_buf_appends(out, host) && calypso_buf_appends(out, v6 ? "]:" : ":") &&
         calypso_buf_append_decimal(out, (unsigned long long)port) &&
         calypso_buf_appends(out, " HTTP/1.1\r\nHost: ") && calypso_buf_appends(out, v6 ? "[" : "") &&
         calypso_buf_appends(out, host) && calypso_buf_appends(out, v6 ? "]:" : ":") &&
         calypso_buf_append_decimal(out, (unsigned long long)port) &&
         calypso_buf_appends(out, "\r\n\r\n");
}
