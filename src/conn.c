/* conn.c: the client's TLS connection, through libcurl in connect-only mode.
 * libcurl resolves, connects and does TLS with verification (https only,
 * HTTP/1.1 by ALPN); this file moves the bytes of one exchange with poll()
 * against a single deadline:
 *   reuse the connection if it is alive (nothing readable, or only TLS
 *   housekeeping), else connect;  send the request;  read until the HTTP/1.1
 *   parser holds a whole response.
 * Why not libcurl's HTTP engine: it costs about twice the CPU per call of
 * this exchange (bench/results.md), and it resends a POST by itself when a
 * reused connection dies, which can create a customer twice.  Here nothing is
 * ever sent twice: whether to try again is the Lua retry policy's decision.
 * A connection in an unknown state (an error mid-exchange, Connection: close,
 * a body over the cap, bytes after the response) is dropped by swapping in a
 * duplicate handle and cleaning up the old one, which closes it. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "calypso.h"

/* Reconnect rather than trust a connection idle this long: servers and load
 * balancers commonly close idle connections after about a minute. */
#define IDLE_LIMIT_MS 30000

/* curl_global_init is not reentrant: run it exactly once per process, from
 * whichever thread (Lua state) gets here first.  These two are the core's only
 * mutable file-scope variables (json.c's two constants only lend addresses). */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int calypso_conn_global_init(void) {
  pthread_once(&global_once, global_init);
  return global_rc == CURLE_OK;
}

long long calypso_conn_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define SET(opt, val) (curl_easy_setopt(h, (opt), (val)) == CURLE_OK)

/* What every handle of ours holds to: https only, for the connection and any
 * redirect (we follow none anyway); the peer and its name verified; a
 * cafile, when given, replacing the system store rather than adding to it. */
int calypso_conn_secure(CURL *h, const char *cafile) {
  int ok =
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
      SET(CURLOPT_PROTOCOLS_STR, "https") && SET(CURLOPT_REDIR_PROTOCOLS_STR, "https") &&
#else
      SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) &&
      SET(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS) &&
#endif
      SET(CURLOPT_FOLLOWLOCATION, 0L) && SET(CURLOPT_SSL_VERIFYPEER, 1L) &&
      SET(CURLOPT_SSL_VERIFYHOST, 2L) && SET(CURLOPT_NOSIGNAL, 1L) &&
      SET(CURLOPT_TCP_NODELAY, 1L) && SET(CURLOPT_TCP_KEEPALIVE, 1L);
  if (ok && cafile) ok = SET(CURLOPT_CAINFO, cafile) && SET(CURLOPT_CAPATH, (char *)NULL);
  return ok;
}

/* origin: "https://host[:port]/" -- where to connect; the path is ours. */
CURL *calypso_conn_handle(calypso_client *c, const char *origin) {
  CURL *h = curl_easy_init();
  if (h == NULL) return NULL;
  if (!(SET(CURLOPT_CONNECT_ONLY, 1L) && SET(CURLOPT_URL, origin) &&
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) &&
        SET(CURLOPT_ERRORBUFFER, c->ex.failure) && calypso_conn_secure(h, c->cafile) &&
        calypso_sockets_setup(&c->sockets, h))) {
    curl_easy_cleanup(h);
    return NULL;
  }
  return h;
}

#undef SET

/* A handle with the same settings and no connection, in place of the old
 * one, whose connection closes (fork-aware: sockets.c).  0 if out of memory. */
static int renew(calypso_client *c) {
  CURL *fresh = curl_easy_duphandle(c->curl);
  c->connected = 0;
  if (fresh == NULL || curl_easy_setopt(fresh, CURLOPT_ERRORBUFFER, c->ex.failure) != CURLE_OK) {
    curl_easy_cleanup(fresh);
    return 0;
  }
  calypso_sockets_cleanup(c, c->curl);
  c->curl = fresh;
  c->pid = getpid();
  return 1;
}

int calypso_conn_after_fork(calypso_client *c) {
  return c->pid == getpid() || renew(c);
}

static curl_socket_t active_socket(calypso_client *c) {
  curl_socket_t s = CURL_SOCKET_BAD;
  curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &s);
  return s;
}

/* Idle and usable: nothing to read, or only TLS housekeeping (a session
 * ticket, say).  Data or EOF on an idle connection means it is finished. */
static int alive(calypso_client *c) {
  struct pollfd p;
  char byte;
  size_t n = 0;
  p.fd = active_socket(c);
  p.events = POLLIN;
  p.revents = 0;
  if (p.fd == CURL_SOCKET_BAD) return 0;
  if (poll(&p, 1, 0) == 0) return 1;
  return curl_easy_recv(c->curl, &byte, 1, &n) == CURLE_AGAIN;
}

static CURLcode timed_out(calypso_client *c) {
  snprintf(c->ex.failure, CURL_ERROR_SIZE, "no complete answer within the attempt's %ld ms",
           c->timeout_ms);
  return CURLE_OPERATION_TIMEDOUT;
}

/* Waits until the socket is ready for `events` or the deadline passes. */
static CURLcode wait_for(calypso_client *c, short events, long long deadline) {
  struct pollfd p;
  p.fd = active_socket(c);
  p.events = events;
  for (;;) {
    long long left = deadline - calypso_conn_mono_ms();
    int r;
    if (left <= 0) return timed_out(c);
    p.revents = 0;
    r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (r > 0) return CURLE_OK; /* errors and hangups show in the next send or recv */
    if (r == 0) return timed_out(c);
    if (errno != EINTR) {
      snprintf(c->ex.failure, CURL_ERROR_SIZE, "poll failed: %s", strerror(errno));
      return CURLE_RECV_ERROR;
    }
  }
}

static CURLcode connect_now(calypso_client *c, long long deadline) {
  long long left = deadline - calypso_conn_mono_ms();
  long connect_ms;
  CURLcode rc;
  if (left <= 0) return timed_out(c);
  connect_ms = (long long)c->connect_timeout_ms < left ? c->connect_timeout_ms : (long)left;
  if (curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)left) != CURLE_OK ||
      curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK)
    return CURLE_OUT_OF_MEMORY;
  rc = curl_easy_perform(c->curl);
  if (rc == CURLE_OK) c->connected = 1;
  return rc;
}

static CURLcode send_all(calypso_client *c, long long deadline) {
  size_t off = 0;
  while (off < c->request.len) {
    size_t n = 0;
    CURLcode rc = curl_easy_send(c->curl, c->request.data + off, c->request.len - off, &n);
    if (n > 0) c->ex.request_sent = 1;
    off += n;
    if (rc == CURLE_AGAIN) rc = wait_for(c, POLLOUT, deadline);
    if (rc != CURLE_OK) return rc;
  }
  return CURLE_OK;
}

static CURLcode receive(calypso_client *c, long long deadline) {
  char chunk[16384];
  for (;;) {
    size_t n = 0;
    CURLcode rc = curl_easy_recv(c->curl, chunk, sizeof chunk, &n);
    if (rc == CURLE_AGAIN) {
      if ((rc = wait_for(c, POLLIN, deadline)) != CURLE_OK) return rc;
      continue;
    }
    if (rc != CURLE_OK) return rc;
    if (n == 0) {
      calypso_http1_eof(&c->ex.parser);
    } else if (calypso_http1_feed(&c->ex.parser, chunk, n, &c->ex.response) < n &&
               calypso_http1_done(&c->ex.parser)) {
      c->ex.parser.conn_close = 1; /* bytes after the response: the stream is not ours to reuse */
    }
    if (calypso_http1_failed(&c->ex.parser)) {
      snprintf(c->ex.failure, CURL_ERROR_SIZE, "%s", c->ex.parser.error);
      return CURLE_RECV_ERROR;
    }
    if (calypso_http1_done(&c->ex.parser)) return CURLE_OK;
  }
}

/* A handshake the peer cut (EOF or reset, no TLS alert) is a network failure:
 * nothing about certificates or protocol versions went wrong.  libcurl gives
 * both the same code; what tells them apart is that a TLS failure always
 * carries an OpenSSL library error ("error:0A00010B:SSL routines::wrong
 * version number", an alert, ...), while a cut connection carries only a
 * socket error, whose wording varies with where the cut landed.  (The OS
 * errno is no guide: it may be left from a refused happy-eyeballs attempt.) */
static int handshake_cut(const char *message) {
  return strstr(message, "SSL routines") == NULL;
}

/* message: libcurl's error buffer, read at the moment of failure. */
const char *calypso_conn_kind(CURLcode rc, const char *message) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_SSL_CONNECT_ERROR:
      return handshake_cut(message) ? "network" : "tls";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return "tls";
    default:
      return "network";
  }
}

/* Sends c->request and parses the answer into c->ex, within timeout_ms.  On
 * failure c->ex.failure_kind is set before the connection is dropped, while
 * libcurl's message (in c->ex.failure, its error buffer) still describes it. */
void calypso_conn_exchange(calypso_client *c, long timeout_ms) {
  long long deadline = calypso_conn_mono_ms() + timeout_ms;
  CURLcode rc;
  calypso_exchange_start(&c->ex);
  if (c->connected && (calypso_conn_mono_ms() - c->idle_since_ms > IDLE_LIMIT_MS || !alive(c))) renew(c);
  rc = c->connected ? CURLE_OK : connect_now(c, deadline);
  if (rc == CURLE_OK) rc = send_all(c, deadline);
  if (rc == CURLE_OK) rc = receive(c, deadline);
  if (rc != CURLE_OK) c->ex.failure_kind = calypso_conn_kind(rc, c->ex.failure);
  if (rc != CURLE_OK || !calypso_http1_reusable(&c->ex.parser)) renew(c);
  else c->idle_since_ms = calypso_conn_mono_ms();
}
