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
#include <string.h>
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
#define CALYPSO_ANSWER_MT "calypso.Answer"
#define CALYPSO_ERROR_MT "calypso.Error"
#define CALYPSO_ROUTE_MT "calypso.Route"
#define CALYPSO_DECIMAL_MT "calypso.Decimal"
#define CALYPSO_SIGN_HEX_LEN 128
#define CALYPSO_SIGN_PREFIX "Sign: "
#define CALYPSO_HEADER_VALUE 64 /* room kept for a Retry-After or Date value */
#define CALYPSO_MAX_BODY (64 * 1024 * 1024) /* the largest envelope a client sends */
/* Reconnect rather than trust a connection idle this long: servers and load
 * balancers commonly close idle connections after about a minute. */
#define CALYPSO_IDLE_LIMIT_MS 30000
/* A timed-out attempt's detail (conn.c, link.c), with its timeout in ms. */
#define CALYPSO_TIMEOUT_WORDS "no complete answer within the attempt's %ld ms"

/* How one endpoint is called (route.c). */
enum { CALYPSO_POST, CALYPSO_DELETE };
enum { CALYPSO_ENVELOPE_FULL, CALYPSO_ENVELOPE_ACCOUNT, CALYPSO_ENVELOPE_PAYLOAD, CALYPSO_ENVELOPE_BARE };
typedef struct calypso_route {
  int method;   /* CALYPSO_POST or CALYPSO_DELETE */
  int envelope; /* which of the four documented bodies */
  int empty_ok; /* a 2xx with an empty body is the success `true` */
  int list_ok;  /* a 2xx may carry a JSON array, not only an object */
  /* {"account":<json>,"timestamp": for a call made for another account than
   * the client's (the per-call account option), in the route's own userdata;
   * NULL: the client's.  Read only while the body is built. */
  const char *prefix;
  size_t prefix_len;
} calypso_route;

/* How decode.c reads a JSON text: numbers as doubles (and exact Lua
 * integers), as the exact text of those a double cannot hold, or every
 * non-integer as a core.decimal token (the command line); and what one text
 * may hold (0: no bound).  The defaults are lower on PUC Lua 5.1 to 5.3,
 * whose string hash reads only some bytes of a long string (compat.h). */
enum { CALYPSO_NUMBERS_DOUBLE, CALYPSO_NUMBERS_EXACT, CALYPSO_NUMBERS_TOKENS };
typedef struct calypso_decode {
  int numbers;
  long max_values;  /* values in all: containers, members and elements */
  long max_members; /* members of one object */
} calypso_decode;

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
  unsigned char *http1; /* by descriptor: an HTTP/1.x answer came on it (multi.c, http2 = true) */
  int n, cap;
} calypso_sockets;

/* The two headers the retry policy reads, kept raw; "" when absent. */
typedef struct calypso_kept {
  char retry_after[CALYPSO_HEADER_VALUE];
  char date[CALYPSO_HEADER_VALUE];
} calypso_kept;

/* An HTTP/1.1 response being parsed (http1.c). */
typedef struct calypso_http1 {
  int state, status;
  int chunked;
  int conn_close;      /* Connection: close seen (on this or an interim answer), or
                          bytes came after the answer */
  int http10, keep_alive;
  int interim;         /* 1xx answers skipped so far */
  int tunnel;          /* the answer to CONNECT: a 2xx has no body */
  long long length;    /* Content-Length, or -1 */
  size_t length_digits; /* how it was written: a repeat must match */
  long long remaining; /* body or chunk bytes still to come */
  size_t line_len, header_bytes;
  const char *error;   /* why it failed, when it did */
  calypso_kept kept;
  char line[8192];
} calypso_http1;

/* Whom a transport reached and what it trusted, for the words of a TLS
 * failure: the client's (calypso_client_peer), unless the transport says
 * it trusted a store of its own (nginx's lua_ssl_trusted_certificate). */
typedef struct calypso_peer {
  int system_trust;        /* the client has no cafile: the system's store */
  int loopback;            /* the host is localhost, 127.0.0.0/8 or ::1 (a local sandbox, say) */
  int ip_host;             /* the host is an IP address, which a certificate rarely names */
  char trust_name[48];     /* the transport's own trust store, or "" */
} calypso_peer;

/* What a transport saw in one attempt: plain facts, no judgement.
 * calypso_outcome() (outcome.c) alone turns them into the call's result or
 * error, and says whether the connection may carry another exchange; every
 * transport (conn.c, transfer.c, the cosocket one through answer.c)
 * reports the same fields. */
typedef struct calypso_facts {
  int status;              /* the final answer's status; 0: none seen */
  const char *body;        /* the body as received (may be NULL when len is 0) */
  size_t len;
  size_t cap;              /* max_response_bytes, for the message */
  int complete;            /* the answer was framed whole */
  int over_cap;            /* the body passed max_response_bytes */
  int reusable;            /* the framing leaves the connection fit for another exchange */
  const char *bad_framing; /* why the bytes are not an answer we accept; NULL if they are */
  const char *failure;     /* how the transport failed, or NULL: one of
                              "dns", "connect", "tls", "timeout", "reset", "closed",
                              "resend", "forked", "stamp", "local" (see outcome.c) */
  const char *detail;      /* the transport's own words for the failure, or NULL */
  int request_sent;        /* any byte of the request may have left */
  int empty_ok;            /* the route takes a 2xx with an empty body as `true` */
  int list_ok;             /* ... and a JSON array as well as an object */
  calypso_decode decode;   /* the client's exact_numbers and response limits */
  const calypso_kept *kept; /* Retry-After and Date, or NULL */
  calypso_peer peer;       /* whom the transport verified, and against what: for the hints */
} calypso_facts;

/* One answer as it arrives over a byte stream the core does not own (the
 * blocking connection, an nginx cosocket): answer.c. */
typedef struct calypso_answer {
  calypso_http1 parser;
  calypso_buf response;
  int request_sent;          /* request bytes may have left for the server */
  const char *failure;       /* NULL while the transport has not failed: a class as in facts */
  int keep;                  /* the outcome let the connection carry another exchange */
  int tunnel;                /* this is the answer to CONNECT (calypso_tunnel_outcome) */
  int empty_ok, list_ok;     /* as the route says */
  calypso_decode decode;     /* the client's exact_numbers and response limits */
  calypso_peer peer;         /* as in facts */
  size_t received;           /* bytes fed to it: head, body and all (for hooks) */
  char detail[CURL_ERROR_SIZE]; /* the transport's words; also libcurl's error buffer */
} calypso_answer;

typedef struct calypso_client {
  CURL *curl;                /* libcurl in connect-only mode: the TLS connection */
  void *signer;              /* HMAC-SHA512 keyed with the secret (sign.c) */
  pid_t pid;                 /* the process whose connection `curl` holds */
  int connected;             /* curl holds a connection */
  curl_socket_t fd;          /* ... on this socket (asked once, as it connects; else CURL_SOCKET_BAD) */
  void *tls;                 /* ... its OpenSSL SSL, reading ahead (conn.c), once known; else NULL */
  int tls_asked;             /* ... asked for since it connected */
  int kept;                  /* ... which the last outcome allowed to carry another exchange */
  long long idle_since_ms;   /* monotonic time the connection last went idle */
  long timeout_ms, connect_timeout_ms;
  long attempt_ms;           /* the current attempt's timeout, for its message */
  int exchanged;             /* the last attempt() reached the wire (for last()) */
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
  char *proxy;               /* NULL: no proxy, whatever the environment says */
  char *proxy_host;          /* the proxy's authority split, for other transports */
  int proxy_port;
  long max_connections;      /* the non-blocking transport's connection cap */
  int http2;                 /* may the non-blocking transport offer HTTP/2? */
  size_t max_response;       /* max_response_bytes */
  calypso_decode decode;     /* exact_numbers (numbers a double cannot hold as their text),
                                max_response_values, max_object_members */
  calypso_buf body, request;
  calypso_answer ex;       /* the blocking transport's current exchange */
  calypso_sockets sockets;   /* every descriptor the blocking handle opened */
  struct calypso_multi *multi; /* the non-blocking transport, made on first use */
  struct calypso_multi *lanes; /* client:lane()'s, each a multi handle of its own */
  void (*free_multi)(struct calypso_client *c); /* set by multi.c with multi or a lane */
} calypso_client;

/* What one runtime failure says; error.c turns it into the Lua value. */
typedef struct calypso_error {
  const char *kind;     /* validation network tls timeout api decode idempotency */
  const char *message;  /* NULL: "HTTP <status> with no error message" */
  long status;          /* HTTP status, 0 when there was none */
  const char *code;     /* Calypso errorCode or NULL */
  const char *trace_id; /* Calypso traceId or NULL */
  const char *hint;     /* what the caller should check, or NULL */
  const char *cause;    /* the failure class (outcome.c): "dns", "connect", "tls", "tls_clock",
                           "timeout", "reset", "closed", "framing", "too_large", ...; or NULL */
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

/* json.c: core.null, core.decode_object */
void calypso_json_open(lua_State *L);

/* decode.c: JSON we receive; pushes exactly one value and returns 1, or
 * pushes the failure message and returns 0.  how (NULL: doubles and the
 * default limits) says how numbers are read and what one text may hold. */
int calypso_json_decode(lua_State *L, const char *s, size_t len, const calypso_decode *how);
extern const calypso_decode calypso_decode_doubles;

/* encode.c: JSON for what we send; NULL on success, else why not */
void calypso_encode_open(lua_State *L);
const char *calypso_json_write(lua_State *L, int idx, calypso_buf *out);
int calypso_json_is_object(const char *s, size_t len); /* first non-blank byte is '{' */
/* The length of the UTF-8 sequence that starts at s[i] (a byte >= 0x80), or 0 if invalid. */
size_t calypso_utf8_sequence(const unsigned char *s, size_t i, size_t len);
/* 1 for a byte JSON writes as it is in a string (0x20 to 0x7f but '"' and '\\'), else 0 */
extern const unsigned char calypso_json_plain[256];
void calypso_array_mark(lua_State *L, int idx); /* give the table core.array's marker */
/* A core.decimal holding text (a JSON number token of at most 64 bytes). */
void calypso_push_decimal(lua_State *L, const char *text, size_t len);
#define CALYPSO_DECIMAL_MAX_TEXT 64
/* The text of the core.decimal at idx, or NULL if it is none. */
const char *calypso_decimal_text(lua_State *L, int idx, size_t *len);

/* number.c: decimal text in the C locale, whatever the host's */
void calypso_number_open(lua_State *L);
#define CALYPSO_NUMBER_TEXT 40
/* The shortest text that reads back as d ("-0" for -0.0); 0 for NaN or infinity. */
int calypso_number_text(double d, char out[CALYPSO_NUMBER_TEXT]);
/* The length of the JSON number token at the start of s, or 0 if none. */
size_t calypso_number_token(const char *s, size_t len);
double calypso_strtod(const char *text); /* strtod in the C locale */

/* sign.c: a keyed HMAC-SHA512 context; hex writes exactly 128 digits, no NUL */
void calypso_sign_open(lua_State *L);
void *calypso_signer_new(const void *key, size_t key_len);
int calypso_signer_hex(void *signer, const void *msg, size_t len, char out[CALYPSO_SIGN_HEX_LEN]);
void calypso_signer_free(void *signer);
const char *calypso_secret_problem(const char *s, size_t len); /* NULL if usable */
void *calypso_signer_from_file(const char *path, const char **why);
void *calypso_signer_from_env(const char *name, const char **why);

/* buf.c: appends return 0 (and set overflow or nomem) when they cannot */
int calypso_buf_grow(calypso_buf *b, const void *data, size_t n); /* buf.c: may allocate */
/* Appends n bytes: 1, or 0 with overflow or nomem set.  Inline, because the
 * JSON writer makes a dozen small appends per call and nearly all of them
 * fit in what the buffer has: a compare and a copy, no call. */
static inline int calypso_buf_append(calypso_buf *b, const void *data, size_t n) {
  if (n == 0) return 1;
  if (n > b->cap - b->len) return calypso_buf_grow(b, data, n);
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return 1;
}
int calypso_buf_appends(calypso_buf *b, const char *s);
#define CALYPSO_DECIMAL_MAX 24 /* room for any unsigned long long in decimal */
/* Writes n in decimal at the end of out; returns where its *len digits start. */
const char *calypso_decimal(char out[CALYPSO_DECIMAL_MAX], unsigned long long n, size_t *len);
int calypso_buf_append_decimal(calypso_buf *b, unsigned long long n);
int calypso_buf_append_decimal_signed(calypso_buf *b, long long n);
void calypso_buf_reset(calypso_buf *b);
void calypso_buf_free(calypso_buf *b);

/* uuid.c */
void calypso_uuid_open(lua_State *L);
/* text.c: core.printable, core.is_email (text.lua's common cases) */
void calypso_text_open(lua_State *L);

/* forward.c: core.forward, a plain POST for `calypso listen --forward-to` */
void calypso_forward_open(lua_State *L);

/* route.c */
void calypso_route_open(lua_State *L);
const calypso_route *calypso_check_route(lua_State *L, int idx); /* nil: POST, full, object */
long calypso_check_timeout(lua_State *L, int arg); /* seconds -> ms, checked (envelope.c) */
const char *calypso_route_method(const calypso_route *r);
int calypso_route_has_account(const calypso_route *r);
int calypso_route_has_payload(const calypso_route *r);

/* request.c */
/* " HTTP/1.1\r\nHost: ...\r\n...Key: ...\r\n": the head fixed per client (malloc'd) */
char *calypso_http1_head(const char *authority, size_t authority_len, const char *key,
                         size_t key_len, size_t *len);
int calypso_http1_request(calypso_buf *out, const char *method, const char *path_prefix, const char *path,
                          const char *head, size_t head_len, const char sign[CALYPSO_SIGN_HEX_LEN],
                          const calypso_buf *body);
int calypso_http1_connect_request(calypso_buf *out, const char *host, int port);

/* http1.c */
void calypso_http1_start(calypso_http1 *p);
void calypso_http1_start_tunnel(calypso_http1 *p);
size_t calypso_http1_feed(calypso_http1 *p, const char *data, size_t n, calypso_buf *body);
void calypso_http1_eof(calypso_http1 *p);
int calypso_http1_done(const calypso_http1 *p);
int calypso_http1_failed(const calypso_http1 *p);
int calypso_http1_in_head(const calypso_http1 *p); /* still reading status line and headers */
int calypso_http1_reusable(const calypso_http1 *p); /* does the framing allow another exchange? */
void calypso_kept_clear(calypso_kept *k);
void calypso_kept_header(calypso_kept *k, const char *name, size_t name_len, const char *value,
                         size_t value_len);
/* One raw header line from libcurl ("Name: value\r\n", or a status line). */
void calypso_kept_line(calypso_kept *k, const char *line, size_t len);

/* outcome.c: the only judge.  Pushes the result (1) or nil and the error (2);
 * *keep (may be NULL) says whether the connection may carry another exchange. */
int calypso_outcome(lua_State *L, const calypso_facts *f, int *keep);
const char *calypso_failure_class(const char *name); /* its canonical string, or NULL if unknown */
void calypso_outcome_open(lua_State *L);
/* The answer to CONNECT: pushes true (the tunnel is open) or nil and err. */
int calypso_tunnel_outcome(lua_State *L, const calypso_facts *f);

/* answer.c */
void calypso_answer_open(lua_State *L);
void calypso_answer_start(calypso_answer *ex);
int calypso_answer_feed(calypso_answer *ex, const char *data, size_t n); /* -> finished */
void calypso_answer_eof(calypso_answer *ex);
void calypso_answer_fail(calypso_answer *ex, const char *failure); /* detail already set */
/* The facts of the exchange so far (the parser's, and any failure). */
void calypso_answer_facts(const calypso_answer *ex, calypso_facts *f);
/* A new exchange object on the stack, for a transport written in Lua. */
calypso_answer *calypso_answer_push(lua_State *L, size_t max_response);
calypso_answer *calypso_answer_push_tunnel(lua_State *L);

/* curl.c: what both libcurl transports share */
int calypso_curl_global_init(void);
/* https only, TLS 1.2 or later, verified, no redirects, the proxy or none */
int calypso_curl_secure(CURL *h, const char *cafile, const char *proxy);
/* A failed CURLcode as a failure class (see calypso_facts); message is
 * libcurl's error buffer, read at the moment of failure. */
const char *calypso_curl_failure(CURL *curl, CURLcode rc, const char *message);
void calypso_tls_errors_clear(void); /* empty OpenSSL's error queue (curl.c) */

/* conn.c: the blocking transport; one exchange on the client's connection */
long long calypso_conn_mono_ms(void);
void calypso_conn_forget(calypso_client *c); /* no connection held: its facts reset */
CURL *calypso_conn_handle(calypso_client *c, const char *origin, calypso_sockets *set, char *detail);
/* an idle connect-only connection, still usable?  tls: its SSL if it reads ahead, else NULL */
int calypso_conn_alive(CURL *h, curl_socket_t fd, void *tls);
void *calypso_conn_read_ahead(CURL *h); /* after the first send: its SSL, read-ahead on; or NULL */
curl_socket_t calypso_conn_socket(CURL *h); /* a connect-only handle's socket, once connected */
void calypso_conn_exchange(calypso_client *c, long timeout_ms); /* fills c->ex */
void calypso_conn_settle(calypso_client *c, int keep); /* after the outcome: keep or drop */
int calypso_conn_after_fork(calypso_client *c);

/* sockets.c */
pid_t calypso_pid(void); /* getpid(), read once per process (and again after a fork) */
int calypso_sockets_setup(calypso_sockets *set, CURL *h);
int calypso_sockets_park(calypso_sockets *set, pid_t owner);
void calypso_sockets_cleanup(calypso_client *c, CURL *h);
void calypso_sockets_free(calypso_sockets *set);

/* envelope.c: the signed envelope (client:envelope, and for every transport) */
void calypso_envelope_open(lua_State *L); /* expects the client methods table on top */
void calypso_sign_body(lua_State *L, calypso_client *c, char out[CALYPSO_SIGN_HEX_LEN]);

/* multi.c, transfer.c: the non-blocking transport (client methods) */
void calypso_multi_open(lua_State *L); /* expects the client methods table on top */

/* clock.c */
long long calypso_clock_ms(void);
void calypso_clock_open(lua_State *L);

/* client.c */
void calypso_client_open(lua_State *L); /* leaves the client methods table on top */
calypso_client *calypso_client_push(lua_State *L); /* a new, closed client */
void calypso_client_release(calypso_client *c);  /* idempotent: closed afterwards */
calypso_client *calypso_check_client(lua_State *L, int idx);
void calypso_client_peer(const calypso_client *c, calypso_peer *p); /* whom c reaches, trusting what */

/* settings.c: core.new */
void calypso_settings_open(lua_State *L);

/* envelope.c: the envelope and the argument checks every transport shares */
/* The path argument at arg: "/..." of visible ASCII, at most 8 KiB; raises otherwise. */
const char *calypso_check_path(lua_State *L, int arg, size_t *len);
/* The envelope the route asks for, with the payload at idx (nil when the
 * route sends none), stamped ts, into out: 1; or pushes nil and a
 * validation error and returns 0 (nothing is sent then).  *ts_at, when not
 * NULL, says where the timestamp's digits start. */
int calypso_build_body(lua_State *L, calypso_client *c, const calypso_route *route, int idx,
                       long long ts, calypso_buf *out, size_t *ts_at);

/* call.c: the blocking and prepared attempts (client methods) */
void calypso_call_open(lua_State *L); /* expects the client methods table on top */

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif
