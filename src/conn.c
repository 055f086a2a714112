/* conn.c: the blocking transport: the client's TLS connection, through
 * libcurl in connect-only mode.  libcurl resolves, connects (through the
 * `proxy` option's tunnel, if any) and does TLS with verification (curl.c);
 * this file moves the bytes of one exchange with poll() against a single
 * deadline, and judges nothing (answer.c gathers the facts, outcome.c
 * decides):
 *   reuse the connection if the last outcome kept it and it is alive
 *   (nothing readable, or only TLS housekeeping), else connect;  send the
 *   request;  read until the exchange is finished.
 * OpenSSL reads ahead on this connection (calypso_conn_read_ahead): an
 * answer's record comes in one recv(), not a header's 5 bytes and then the
 * rest (one system call a call fewer).  So bytes can wait inside OpenSSL,
 * unseen by poll(): alive() asks OpenSSL too, and a read waits only after a
 * read found nothing.
 * Why not libcurl's HTTP engine: it costs about twice the CPU per call of
 * this exchange (bench/results.md), and it resends a POST by itself when a
 * reused connection dies, which can create a customer twice.  Here nothing is
 * ever sent twice: whether to try again is the Lua retry policy's decision.
 * A connection the outcome did not keep (an error mid-exchange, Connection:
 * close, a body over the cap, bytes after the response, a refused answer)
 * is dropped by swapping in a duplicate handle and cleaning up the old one,
 * which closes it. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include "calypso.h"

long long calypso_conn_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define SET(opt, val) (curl_easy_setopt(h, (opt), (val)) == CURLE_OK)

/* libcurl sets SSL_MODE_RELEASE_BUFFERS, so OpenSSL frees its record
 * buffers whenever they empty and allocates them again on the next read or
 * write: three allocations and frees per call, 3 500 instructions of a
 * create's 81 000.  This one connection keeps them (about 34 KiB while it
 * is open).  Only where libcurl's TLS is OpenSSL: other backends hand this
 * callback a context of their own type. */
static CURLcode tls_buffers_kept(CURL *h, void *ssl_ctx, void *unused) {
  (void)h;
  (void)unused;
  SSL_CTX_clear_mode((SSL_CTX *)ssl_ctx, SSL_MODE_RELEASE_BUFFERS);
  return CURLE_OK;
}

static int tls_is_openssl(void) {
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  return v->ssl_version != NULL && strncmp(v->ssl_version, "OpenSSL/", 8) == 0;
}

/* origin: "https://host[:port]/" -- where to connect; the path is ours.
 * set: the descriptors' owner (sockets.c); detail: libcurl's error buffer.
 * The blocking connection's, and each of client.async's (link.c). */
CURL *calypso_conn_handle(calypso_client *c, const char *origin, calypso_sockets *set, char *detail) {
  CURL *h = curl_easy_init();
  if (h == NULL) return NULL;
  if (!(SET(CURLOPT_CONNECT_ONLY, 1L) && SET(CURLOPT_URL, origin) &&
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) && SET(CURLOPT_ERRORBUFFER, detail) &&
        calypso_curl_secure(h, c->cafile, c->proxy) && calypso_sockets_setup(set, h)) ||
      (tls_is_openssl() && !SET(CURLOPT_SSL_CTX_FUNCTION, tls_buffers_kept))) {
    curl_easy_cleanup(h);
    return NULL;
  }
  return h;
}

#undef SET

/* The client holds no connection: what it knew of the last one (held, kept,
 * its socket, its SSL) is forgotten, here only (renew, client release). */
void calypso_conn_forget(calypso_client *c) {
  c->connected = c->kept = c->tls_asked = 0;
  c->fd = CURL_SOCKET_BAD;
  c->tls = NULL;
}

/* A handle with the same settings and no connection, in place of the old
 * one, whose connection closes (fork-aware: sockets.c).  0 if out of memory. */
static int renew(calypso_client *c) {
  CURL *fresh = curl_easy_duphandle(c->curl);
  calypso_conn_forget(c);
  if (fresh == NULL || curl_easy_setopt(fresh, CURLOPT_ERRORBUFFER, c->ex.detail) != CURLE_OK) {
    curl_easy_cleanup(fresh);
    return 0;
  }
  calypso_sockets_cleanup(c, c->curl);
  c->curl = fresh;
  c->pid = calypso_pid();
  return 1;
}

int calypso_conn_after_fork(calypso_client *c) {
  return c->pid == calypso_pid() || renew(c);
}

/* Asked once per connection: libcurl finds it by walking every connection
 * its multi handle holds (client.async's links share one), and a connect-only
 * connection keeps its socket for life. */
curl_socket_t calypso_conn_socket(CURL *h) {
  curl_socket_t s = CURL_SOCKET_BAD;
  curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &s);
  return s;
}

/* Idle and usable: nothing to read, or only TLS housekeeping (a session
 * ticket, say).  Data or EOF on an idle connection means it is finished.
 * h: a connect-only handle with its connection (the blocking one, a link);
 * fd: its socket (calypso_conn_socket); tls: its SSL when OpenSSL reads
 * ahead on it (NULL: it does not), whose buffer may hold bytes the socket no
 * longer shows (a second answer that came in the same recv as the first). */
int calypso_conn_alive(CURL *h, curl_socket_t fd, void *tls) {
  struct pollfd p;
  char byte;
  size_t n = 0;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  if (p.fd == CURL_SOCKET_BAD) return 0;
  if (poll(&p, 1, 0) == 0 && (tls == NULL || !SSL_has_pending((SSL *)tls))) return 1;
  return curl_easy_recv(h, &byte, 1, &n) == CURLE_AGAIN;
}

/* Turns on OpenSSL's read-ahead for the connection's SSL and returns it;
 * NULL where libcurl's TLS is not OpenSSL, or does not say (then it stays
 * off, and nothing can wait unseen).  libcurl names the SSL of a
 * connect-only handle only once curl_easy_send or _recv has attached the
 * connection again, so this is asked after the first send (here, and on
 * client.async's links: link.c). */
void *calypso_conn_read_ahead(CURL *h) {
  struct curl_tlssessioninfo *tls = NULL;
  if (curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &tls) != CURLE_OK || tls == NULL ||
      tls->backend != CURLSSLBACKEND_OPENSSL || tls->internals == NULL)
    return NULL;
  SSL_set_read_ahead((SSL *)tls->internals, 1);
  return tls->internals;
}

static CURLcode timed_out(calypso_client *c) {
  snprintf(c->ex.detail, CURL_ERROR_SIZE, CALYPSO_TIMEOUT_WORDS, c->attempt_ms);
  return CURLE_OPERATION_TIMEDOUT;
}

/* Waits until the socket is ready for `events` or the deadline passes. */
static CURLcode wait_for(calypso_client *c, short events, long long deadline) {
  struct pollfd p;
  p.fd = c->fd;
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
      snprintf(c->ex.detail, CURL_ERROR_SIZE, "poll failed: %s", strerror(errno));
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
  if (rc == CURLE_OK) {
    c->connected = 1;
    c->fd = calypso_conn_socket(c->curl);
  }
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

/* Reads until the exchange is finished: a whole answer, bytes that cannot
 * be one (the outcome judges both), or the connection closed.  The deadline
 * is checked on every turn, not only when nothing is readable: a server that
 * keeps sending must not hold the call past its timeout.  The first read
 * waits for the socket: the answer cannot have come yet, and nothing waits
 * inside OpenSSL unseen by poll (alive() found the connection quiet, its
 * read-ahead buffer included).  After that, a read waits only once one found
 * nothing: what OpenSSL read ahead, the socket no longer shows. */
static CURLcode receive(calypso_client *c, long long deadline) {
  char chunk[16384];
  int readable = 0;
  for (;;) {
    size_t n = 0;
    CURLcode rc;
    if (readable) { /* else wait_for checks the deadline (one clock read a turn) */
      if (calypso_conn_mono_ms() >= deadline) return timed_out(c);
    } else if ((rc = wait_for(c, POLLIN, deadline)) != CURLE_OK) {
      return rc;
    }
    rc = curl_easy_recv(c->curl, chunk, sizeof chunk, &n);
    readable = rc != CURLE_AGAIN;
    if (rc == CURLE_AGAIN) continue;
    if (rc != CURLE_OK) return rc;
    if (n == 0) {
      calypso_answer_eof(&c->ex);
      return CURLE_OK;
    }
    if (calypso_answer_feed(&c->ex, chunk, n)) return CURLE_OK;
  }
}

/* Sends c->request and reads the answer into c->ex, within timeout_ms.  A
 * connection is reused only if the last outcome kept it, it has not idled
 * too long and it looks alive.  A failure is classified at once, while
 * libcurl's message (in c->ex.detail, its error buffer) still describes it. */
void calypso_conn_exchange(calypso_client *c, long timeout_ms) {
  long long now = calypso_conn_mono_ms(), deadline = now + timeout_ms;
  CURLcode rc;
  c->attempt_ms = timeout_ms;
  calypso_answer_start(&c->ex);
  if (c->connected &&
      (!c->kept || now - c->idle_since_ms > CALYPSO_IDLE_LIMIT_MS || !calypso_conn_alive(c->curl, c->fd, c->tls)))
    renew(c);
  c->kept = 0;
  rc = c->connected ? CURLE_OK : connect_now(c, deadline);
  if (rc == CURLE_OK) rc = send_all(c, deadline);
  if (rc == CURLE_OK && !c->tls_asked) {
    c->tls = calypso_conn_read_ahead(c->curl);
    c->tls_asked = 1;
  }
  if (rc == CURLE_OK) rc = receive(c, deadline);
  if (rc != CURLE_OK) calypso_answer_fail(&c->ex, calypso_curl_failure(c->curl, rc, c->ex.detail));
}

/* After the outcome: keep the connection for the next exchange, or close it. */
void calypso_conn_settle(calypso_client *c, int keep) {
  if (keep && c->connected) {
    c->kept = 1;
    c->idle_since_ms = calypso_conn_mono_ms();
  } else {
    renew(c);
  }
}
