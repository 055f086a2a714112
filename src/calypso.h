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
#include <sys/types.h>
#include <curl/curl.h>
#include "compat.h"

#if LIBCURL_VERSION_NUM < 0x075000
#error "calypso needs libcurl 7.80.0 or later (CURLOPT_PREREQFUNCTION guards against resends)"
#endif

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
#define CALYPSO_MAX_SOCKETS 8  /* one connection, plus happy-eyeballs attempts */
#define CALYPSO_HEADER_VALUE 64 /* room kept for a Retry-After or Date value */

/* A growable byte buffer that refuses to grow past `max`. */
typedef struct calypso_buf {
  char *data;
  size_t len, cap, max;
  int overflow; /* a write would have passed max */
  int nomem;    /* realloc failed */
} calypso_buf;

/* What one attempt learned besides status and body; reset before each. */
typedef struct calypso_attempt {
  int sends;                              /* times libcurl was about to send the request */
  char retry_after[CALYPSO_HEADER_VALUE]; /* of the final response; "" when absent */
  char date[CALYPSO_HEADER_VALUE];
} calypso_attempt;

typedef struct calypso_client {
  CURL *curl;
  pid_t pid;                 /* the process whose connections `curl` holds */
  long timeout_ms, connect_timeout_ms;
  long long clock_offset_ms; /* added to the local clock when stamping */
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
  calypso_attempt last;
  curl_socket_t sockets[CALYPSO_MAX_SOCKETS]; /* every descriptor libcurl opened for us */
  int nsockets;
  char errbuf[CURL_ERROR_SIZE];
} calypso_client;

/* What one runtime failure says; error.c turns it into the Lua value. */
typedef struct calypso_error {
  const char *kind;     /* validation network tls timeout api decode */
  const char *message;  /* NULL: "HTTP <status> with no error message" */
  long status;          /* HTTP status, 0 when there was none */
  const char *code;     /* Calypso errorCode or NULL */
  const char *trace_id; /* Calypso traceId or NULL */
  int request_sent;     /* the request was handed to a connection */
  double retry_after;   /* seconds the server asked us to wait; < 0 when it did not */
  long long date;       /* the server's Date as Unix seconds; 0 when absent */
} calypso_error;

/* core.c */
CALYPSO_EXPORT int luaopen_calypso_core(lua_State *L);

/* error.c */
void calypso_error_open(lua_State *L);
/* An error with nothing known yet but kind and status (0: none). */
calypso_error calypso_error_init(const char *kind, long status);
/* Both push nil and the error value and return 2, for `return calypso_...`;
 * calypso_fail formats e->message first (lua_pushfstring's format). */
int calypso_push_error(lua_State *L, const calypso_error *e);
int calypso_fail(lua_State *L, calypso_error *e, const char *fmt, ...);

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
int calypso_http_global_init(void);
CURL *calypso_http_handle(calypso_client *c, const char *cafile);
CURLcode calypso_http_post(calypso_client *c, const char *url, const char *body, size_t len,
                           long timeout_ms, long *status);
const char *calypso_http_kind(calypso_client *c, CURLcode rc);

/* sockets.c */
int calypso_sockets_setup(calypso_client *c, CURL *h);
int calypso_sockets_after_fork(calypso_client *c);
void calypso_sockets_cleanup(calypso_client *c, CURL *h);

/* clock.c */
long long calypso_clock_ms(void);
void calypso_clock_open(lua_State *L);

/* client.c */
void calypso_client_open(lua_State *L);
calypso_client *calypso_check_client(lua_State *L, int idx);

/* call.c: methods of the client */
int calypso_client_attempt(lua_State *L);
int calypso_client_envelope(lua_State *L);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif
