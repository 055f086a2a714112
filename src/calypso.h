/* calypso.h: what the C core's files share.  Nothing here is Lua-visible.
 *
 * Invariants of calypso_client:
 *  - curl == NULL means closed: every other resource has been released and
 *    the secret wiped; a closed client is never used again.
 *  - the secret exists only in `secret` (C memory, never a Lua string we keep).
 *  - no Lua function is called while libcurl runs; curl callbacks only append
 *    to `response`. */
#ifndef CALYPSO_H
#define CALYPSO_H

#include <stddef.h>
#include <curl/curl.h>
#include "compat.h"

#define CALYPSO_VERSION "0.1.0"

/* The shared object exports luaopen_calypso_core only: the pragma below hides
 * every function declared in this header, whatever flags the build (make or
 * luarocks) passes, so the calypso_* functions stay private to the module
 * even though they cross files. */
#if defined(__GNUC__)
#define CALYPSO_EXPORT __attribute__((visibility("default")))
#pragma GCC visibility push(hidden)
#else
#define CALYPSO_EXPORT
#endif
#define CALYPSO_CLIENT_MT "calypso.Client"
#define CALYPSO_ERROR_MT "calypso.Error"
#define CALYPSO_SIGN_HEX_LEN 128
#define CALYPSO_SIGN_PREFIX "Sign: "

/* A growable byte buffer that refuses to grow past `max`. */
typedef struct calypso_buf {
  char *data;
  size_t len, cap, max;
  int overflow; /* a write would have passed max */
  int nomem;    /* realloc failed */
} calypso_buf;

typedef struct calypso_client {
  CURL *curl;
  unsigned char *secret;
  size_t secret_len;
  char *account;  /* for tostring */
  char *base_url; /* no trailing slash */
  char *prefix;   /* {"account":<json>,"timestamp": -- fixed per client */
  size_t prefix_len;
  struct curl_slist *headers;  /* Key, Content-Type, Accept, Expect; owned */
  struct curl_slist sign_node; /* first header handed to curl; ours, not curl's */
  char sign_line[sizeof CALYPSO_SIGN_PREFIX + CALYPSO_SIGN_HEX_LEN];
  calypso_buf response;
  char errbuf[CURL_ERROR_SIZE];
} calypso_client;

/* What one runtime failure says; error.c turns it into the Lua value. */
typedef struct calypso_error {
  const char *kind;     /* validation network tls timeout api decode */
  const char *message;  /* NULL: "HTTP <status> with no error message" */
  long status;          /* HTTP status, 0 when there was none */
  const char *code;     /* Calypso errorCode or NULL */
  const char *trace_id; /* Calypso traceId or NULL */
} calypso_error;

/* core.c */
CALYPSO_EXPORT int luaopen_calypso_core(lua_State *L);

/* error.c */
void calypso_error_open(lua_State *L);
/* Both push nil and the error value and return 2, for `return calypso_...`. */
int calypso_push_error(lua_State *L, const calypso_error *e);
int calypso_fail(lua_State *L, const char *kind, long status, const char *fmt, ...);

/* json.c: the private lua-cjson instance; both push exactly one value and
 * return 1 on success, or push the failure message and return 0.  encode
 * also refuses numbers that lua-cjson's 14 digits would round. */
void calypso_json_open(lua_State *L);
int calypso_json_encode(lua_State *L, int idx);
int calypso_json_decode(lua_State *L, const char *s, size_t len);

/* sign.c */
void calypso_sign_open(lua_State *L);
int calypso_sign_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     char out[CALYPSO_SIGN_HEX_LEN]);

/* http.c */
typedef struct calypso_http_opts {
  const char *cafile; /* NULL: libcurl's default trust store */
  long timeout_ms, connect_timeout_ms;
  size_t max_response;
} calypso_http_opts;
int calypso_http_global_init(void);
CURL *calypso_http_handle(calypso_client *c, const calypso_http_opts *o);
CURLcode calypso_http_post(calypso_client *c, const char *url, const char *body, size_t len,
                           long *status);
const char *calypso_http_kind(CURLcode rc);

/* client.c */
void calypso_client_open(lua_State *L);
calypso_client *calypso_check_client(lua_State *L, int idx);

/* call.c: methods of the client */
int calypso_client_call(lua_State *L);
int calypso_client_envelope(lua_State *L);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif
