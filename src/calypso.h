/* calypso.h: what the C core's files share.  Nothing here is Lua-visible.
 *
 * Invariants of calypso_client:
 *  - curl == NULL means closed: every other resource has been released and
 *    the secret wiped; a closed client is never used again.
 *  - the secret exists only in `secret` (C memory, never a Lua string we keep).
 *  - no Lua function is called while libcurl runs; its callbacks are the
 *    socket open/close ones in sockets.c and the transfer ones in multi.c,
 *    all plain C. */
#ifndef CALYPSO_H
#define CALYPSO_H

#include <stddef.h>
#include <sys/types.h>
#include <curl/curl.h>
#include "compat.h"

#if LIBCURL_VERSION_NUM < 0x075000
#error "calypso needs libcurl 7.80.0 or later (CURLOPT_PREREQFUNCTION, CURLINFO_ACTIVESOCKET)"
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
#define CALYPSO_EXCHANGE_MT "calypso.Exchange"
#define CALYPSO_ERROR_MT "calypso.Error"
#define CALYPSO_SIGN_HEX_LEN 128
#define CALYPSO_SIGN_PREFIX "Sign: "
#define CALYPSO_HEADER_VALUE 64 /* room kept for a Retry-After or Date value */

/* A growable byte buffer that refuses to grow past `max`. */
typedef struct calypso_buf {
  char *data;
  size_t len, cap, max;
  int overflow; /* an append would have passed max */
  int nomem;    /* realloc failed */
} calypso_buf;

/* The descriptors libcurl opened for one set of handles (sockets.c). */
typedef struct calypso_sockets {
  curl_socket_t *fd;
  int n, cap;
} calypso_sockets;

/* An HTTP/1.1 response being parsed (http1.c). */
typedef struct calypso_http1 {
  int state, status;
  int chunked;
  int conn_close;      /* Connection: close seen, on this or an interim answer */
  int http10, keep_alive;
  int has_length;
  long long length;    /* Content-Length, or -1 */
  long long remaining; /* body or chunk bytes still to come */
  size_t line_len, header_bytes;
  const char *error;   /* why it failed, when it did */
  char retry_after[CALYPSO_HEADER_VALUE]; /* "" when absent */
  char date[CALYPSO_HEADER_VALUE];
  char line[8192];
} calypso_http1;

/* One request's answer: as it arrives, and how the exchange ended.  Both
 * transports fill one: the blocking one (conn.c) and, from Lua, the nginx
 * cosocket one.  exchange.c turns it into the call's result or error. */
typedef struct calypso_exchange {
  calypso_http1 parser;
  calypso_buf response;
  int request_sent;          /* request bytes left for the server */
  const char *failure_kind;  /* NULL while the transport has not failed */
  char failure[CURL_ERROR_SIZE]; /* what failed; also libcurl's error buffer */
} calypso_exchange;

typedef struct calypso_client {
  CURL *curl;                /* libcurl in connect-only mode: the TLS connection */
  void *signer;              /* HMAC-SHA512 keyed with the secret (sign.c) */
  pid_t pid;                 /* the process whose connection `curl` holds */
  int connected;             /* curl holds a connection we may reuse */
  long long idle_since_ms;   /* monotonic time the connection last went idle */
  long timeout_ms, connect_timeout_ms;
  long long clock_offset_ms; /* added to the local clock when stamping */
  char *account;             /* for tostring */
  char *base_url;            /* no trailing slash; for tostring */
  char *path_prefix;         /* the path part of base_url: "" or "/v2", say */
  char *prefix;              /* {"account":<json>,"timestamp": -- fixed per client */
  size_t prefix_len;
  char *head;                /* " HTTP/1.1\r\nHost: ...Key: ...\r\n" -- fixed per client;
                                multi.c takes its header lines from it too */
  size_t head_len;
  char *host;                /* the authority split, for other transports */
  int port;
  char *origin;              /* "https://<authority>", no trailing slash */
  char *cafile;              /* NULL: the system trust store */
  long max_connections;      /* the non-blocking transport's connection cap */
  int http2;                 /* may the non-blocking transport offer HTTP/2? */
  calypso_buf body, request;
  calypso_exchange ex;       /* the blocking transport's current exchange */
  calypso_sockets sockets;   /* every descriptor the blocking handle opened */
  struct calypso_multi *multi; /* the non-blocking transport, made on first use */
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

/* json.c: the private lua-cjson instance, for what we receive; decode pushes
 * exactly one value and returns 1, or pushes the failure message and returns 0 */
void calypso_json_open(lua_State *L);
int calypso_json_decode(lua_State *L, const char *s, size_t len);

/* encode.c: JSON for what we send; NULL on success, else why not */
void calypso_encode_open(lua_State *L);
const char *calypso_json_write(lua_State *L, int idx, calypso_buf *out);
int calypso_json_is_object(const char *s, size_t len); /* first non-blank byte is '{' */

/* sign.c: a keyed HMAC-SHA512 context; hex writes exactly 128 digits, no NUL */
void calypso_sign_open(lua_State *L);
void *calypso_signer_new(const void *key, size_t key_len);
int calypso_signer_hex(void *signer, const void *msg, size_t len, char out[CALYPSO_SIGN_HEX_LEN]);
void calypso_signer_free(void *signer);

/* buf.c: appends return 0 (and set overflow or nomem) when they cannot */
int calypso_buf_append(calypso_buf *b, const void *data, size_t n);
int calypso_buf_appends(calypso_buf *b, const char *s);
#define CALYPSO_DECIMAL_MAX 24 /* room for any unsigned long long in decimal */
/* Writes n in decimal at the end of out; returns where its *len digits start. */
const char *calypso_decimal(char out[CALYPSO_DECIMAL_MAX], unsigned long long n, size_t *len);
int calypso_buf_append_decimal(calypso_buf *b, unsigned long long n);
int calypso_buf_append_decimal_signed(calypso_buf *b, long long n);
void calypso_buf_reset(calypso_buf *b);
void calypso_buf_free(calypso_buf *b);

/* http1.c */
int calypso_http1_request(calypso_buf *out, const char *path_prefix, const char *path,
                          const char *head, size_t head_len, const char sign[CALYPSO_SIGN_HEX_LEN],
                          const calypso_buf *body);
void calypso_http1_start(calypso_http1 *p);
size_t calypso_http1_feed(calypso_http1 *p, const char *data, size_t n, calypso_buf *body);
void calypso_http1_eof(calypso_http1 *p);
/* For answers framed by someone else (libcurl's HTTP engine, in multi.c):
 * note keeps Retry-After and Date from one raw header line; a status line
 * forgets them; complete marks the answer whole with its status. */
void calypso_http1_note_header(calypso_http1 *p, const char *line, size_t len);
void calypso_http1_complete(calypso_http1 *p, int status);
int calypso_http1_done(const calypso_http1 *p);
int calypso_http1_failed(const calypso_http1 *p);
int calypso_http1_reusable(const calypso_http1 *p); /* may the connection carry another? */

/* exchange.c */
void calypso_exchange_open(lua_State *L);
void calypso_exchange_start(calypso_exchange *ex);
int calypso_exchange_finish(lua_State *L, calypso_exchange *ex); /* result, or nil and err */
calypso_exchange *calypso_exchange_push(lua_State *L, size_t max_response);

/* conn.c: one exchange on the client's connection, filling c->ex */
int calypso_conn_global_init(void);
long long calypso_conn_mono_ms(void);
int calypso_conn_secure(CURL *h, const char *cafile); /* https only, verified, no redirects */
const char *calypso_conn_kind(CURLcode rc, const char *message); /* network, tls or timeout */
CURL *calypso_conn_handle(calypso_client *c, const char *origin);
void calypso_conn_exchange(calypso_client *c, long timeout_ms);
int calypso_conn_after_fork(calypso_client *c);

/* sockets.c */
int calypso_sockets_setup(calypso_sockets *set, CURL *h);
int calypso_sockets_park(calypso_sockets *set, pid_t owner);
void calypso_sockets_cleanup(calypso_client *c, CURL *h);
void calypso_sockets_free(calypso_sockets *set);

/* multi.c: the non-blocking transport; methods of the client */
void calypso_multi_free(calypso_client *c);
int calypso_multi_submit(lua_State *L);
int calypso_multi_start(lua_State *L);
int calypso_multi_drive(lua_State *L);
int calypso_multi_outcome(lua_State *L);
int calypso_multi_release(lua_State *L);
int calypso_multi_watch(lua_State *L);

/* clock.c */
long long calypso_clock_ms(void);
void calypso_clock_open(lua_State *L);

/* client.c */
void calypso_client_open(lua_State *L);
calypso_client *calypso_check_client(lua_State *L, int idx);

/* call.c: methods of the client, and the envelope they share with multi.c */
int calypso_path_ok(const char *p, size_t len);
int calypso_build_body(lua_State *L, calypso_client *c, int idx, long long ts, calypso_buf *out);
int calypso_client_attempt(lua_State *L);
int calypso_client_prepare(lua_State *L);
int calypso_client_envelope(lua_State *L);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif
