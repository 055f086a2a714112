/* link.c: client.async's HTTP/1.1, on connections of the core's own.
 * libcurl resolves, connects (through the `proxy` tunnel, if any) and does
 * TLS with verification, in connect-only mode on the multi handle, never
 * blocking; from then on each request is the core's, as on the blocking
 * transport (conn.c): request.c writes it, http1.c and answer.c read the
 * answer, outcome.c judges it, and the connection is kept only if the
 * outcome says so and it is still quiet when the next request comes.
 * Why not libcurl's HTTP engine, as before: it spent about 100 000
 * instructions of a create's 205 000 on its own bookkeeping (the request
 * head through its printf engine, the URL taken apart and put together
 * again each time), and it reads bytes left on an idle connection as the
 * next request's answer.  HTTP/2 (the `http2` option) stays libcurl's
 * (transfer.c): it frames its streams itself.
 * An attempt waits in the multi's queue until a connection is free; a new
 * one is opened for it while there are fewer than max_connections.  Each
 * attempt is stamped and signed when its connection is ready, so one that
 * waited still carries a fresh timestamp; its deadline covers the wait. */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/ssl.h>
#include "multi.h"

/* ---- the lists: the queue and the ended, both first in, first out ---- */

static void put(calypso_transfer **head, calypso_transfer **end, calypso_transfer *t) {
  t->after = NULL;
  if (*end) (*end)->after = t;
  else *head = t;
  *end = t;
}

static void take(calypso_transfer **head, calypso_transfer **end, calypso_transfer *t) {
  calypso_transfer **at, *prev = NULL;
  for (at = head; *at && *at != t; at = &(*at)->after) prev = *at;
  if (*at == NULL) return;
  *at = t->after;
  if (*end == t) *end = prev;
  t->after = NULL;
}

static void unlist(calypso_transfer *t) {
  calypso_multi *m = t->m;
  if (t->listed == 1) take(&m->queue, &m->queue_end, t);
  if (t->listed == 2) take(&m->ended, &m->ended_end, t);
  t->listed = 0;
}

/* ---- a connection ---- */

/* Does k carry an attempt that is still running (connecting for it,
 * writing or reading it)? */
static int carrying(const calypso_link *k) {
  return k->t != NULL && k->t->state == T_RUNNING;
}

static void link_close(calypso_link *k) {
  calypso_multi *m = k->m;
  calypso_link **at;
  for (at = &m->links; *at && *at != k; at = &(*at)->next) continue;
  if (*at) *at = k->next;
  m->nlinks--;
  if (k->t) k->t->link = NULL;
  curl_multi_remove_handle(m->handle, k->easy); /* a connect-only handle's connection closes */
  curl_easy_cleanup(k->easy);
  free(k);
}

/* The attempt is over (answered, broken or failed): drive reports it. */
static void attempt_end(calypso_transfer *t) {
  t->state = T_ENDED;
  t->m->active--;
  t->listed = 2;
  put(&t->m->ended, &t->m->ended_end, t);
}

/* The attempt failed: failure as outcome.c names it, libcurl's words if any. */
static void fail(calypso_transfer *t, const char *failure, const char *detail) {
  if (detail && detail[0] && !t->ex.detail[0]) snprintf(t->ex.detail, sizeof t->ex.detail, "%s", detail);
  calypso_answer_fail(&t->ex, failure);
  if (t->link) link_close(t->link);
  attempt_end(t);
}

static void fail_curl(calypso_link *k, CURLcode rc) {
  fail(k->t, calypso_curl_failure(k->easy, rc, k->detail), k->detail[0] ? k->detail : curl_easy_strerror(rc));
}

static void timed_out(calypso_transfer *t) {
  char words[96];
  snprintf(words, sizeof words, CALYPSO_TIMEOUT_WORDS, t->attempt_ms);
  fail(t, "timeout", words);
}

/* Reads what has come, a few TLS records at a time: a server that keeps
 * sending holds neither this call past its deadline, which is checked on
 * every turn, nor the other connections.  OpenSSL reads ahead on a link,
 * as on the blocking connection (conn.c): an answer's record comes in one
 * recv(), not a header's 5 bytes and then the rest.  So whole records may
 * wait inside OpenSSL, unseen by poll(), when the turns run out: the link
 * is then `pending`, and drive reads it again without waiting.  (Records
 * left after a whole answer make the connection not alive: free_link.) */
#define READ_TURNS 8

static void read_some(calypso_link *k) {
  calypso_transfer *t = k->t;
  char chunk[16384];
  int turn;
  k->pending = 0;
  for (turn = 0; turn < READ_TURNS; turn++) {
    size_t n = 0;
    CURLcode rc;
    if (calypso_conn_mono_ms() >= t->deadline) {
      timed_out(t);
      return;
    }
    rc = curl_easy_recv(k->easy, chunk, sizeof chunk, &n);
    if (rc == CURLE_AGAIN) return;
    if (rc != CURLE_OK) {
      fail_curl(k, rc);
      return;
    }
    if (n == 0) calypso_answer_eof(&t->ex);
    if (n == 0 || calypso_answer_feed(&t->ex, chunk, n)) {
      attempt_end(t); /* the link waits, busy, for the verdict */
      return;
    }
  }
  /* a partial record counts too: then the next read finds nothing, and waits */
  k->pending = k->tls != NULL && SSL_has_pending((SSL *)k->tls);
}

static void write_some(calypso_link *k) {
  calypso_transfer *t = k->t;
  while (k->off < t->request.len) {
    size_t n = 0;
    CURLcode rc = curl_easy_send(k->easy, t->request.data + k->off, t->request.len - k->off, &n);
    if (n > 0) t->ex.request_sent = 1;
    k->off += n;
    if (rc == CURLE_AGAIN) return;
    if (rc != CURLE_OK) {
      fail_curl(k, rc);
      return;
    }
  }
  k->writing = 0;
  if (!k->tls_asked) { /* before the first read: what that read takes, OpenSSL reads ahead */
    k->tls = calypso_conn_read_ahead(k->easy);
    k->tls_asked = 1;
  }
}

/* Stamp, sign, write: t on k, which is connected and free.  An attempt
 * whose deadline has passed (its connection came late: libcurl's clock for
 * the connect starts at the next drive) ends unsent. */
static void begin(calypso_link *k, calypso_transfer *t) {
  calypso_client *c = t->m->c;
  char sign[CALYPSO_SIGN_HEX_LEN];
  int stamped;
  if (calypso_conn_mono_ms() >= t->deadline) {
    timed_out(t); /* nothing was written: the connection stays free */
    return;
  }
  stamped = calypso_transfer_stamp(t, sign);
  if (stamped == 0) {
    fail(t, "stamp", NULL); /* nothing was written: the connection stays free */
    return;
  }
  if (stamped < 0) {
    fail(t, "local", "OpenSSL could not sign the request (out of memory?)");
    return;
  }
  if (!calypso_http1_request(&t->request, calypso_route_method(&t->route), c->path_prefix, t->path.data,
                             c->head, c->head_len, sign, &t->body)) {
    fail(t, "local", "out of memory");
    return;
  }
  k->t = t;
  k->state = K_BUSY;
  k->off = 0;
  k->writing = 1;
  t->link = k;
  t->handed = 1;
  write_some(k);
}

static int open_link(calypso_multi *m, calypso_transfer *t) {
  calypso_client *c = m->c;
  long left = (long)(t->deadline - calypso_conn_mono_ms());
  calypso_link *k = calloc(1, sizeof *k);
  if (left < 1) left = 1;
  if (k == NULL) return 0;
  k->m = m;
  k->fd = CURL_SOCKET_BAD;
  k->easy = calypso_conn_handle(c, c->origin, &m->sockets, k->detail);
  if (k->easy == NULL || curl_easy_setopt(k->easy, CURLOPT_PRIVATE, (void *)k) != CURLE_OK ||
      curl_easy_setopt(k->easy, CURLOPT_TIMEOUT_MS, left) != CURLE_OK ||
      curl_easy_setopt(k->easy, CURLOPT_CONNECTTIMEOUT_MS,
                       c->connect_timeout_ms < left ? c->connect_timeout_ms : left) != CURLE_OK ||
      curl_multi_add_handle(m->handle, k->easy) != CURLM_OK) {
    if (k->easy) curl_easy_cleanup(k->easy);
    free(k);
    return 0;
  }
  k->state = K_CONNECTING;
  k->t = t;
  t->link = k;
  k->next = m->links;
  m->links = k;
  m->nlinks++;
  return 1;
}

/* A free connection that is still good to use, or NULL; the stale ones go. */
static calypso_link *free_link(calypso_multi *m) {
  calypso_link *k = m->links, *next;
  long long now = calypso_conn_mono_ms();
  for (; k; k = next) {
    next = k->next;
    if (k->state != K_IDLE) continue;
    if (now - k->idle_since <= CALYPSO_IDLE_LIMIT_MS && calypso_conn_alive(k->easy, k->fd, k->tls)) return k;
    link_close(k);
  }
  return NULL;
}

/* Gives waiting attempts connections: a free one, else a new one while
 * there are fewer than max_connections. */
static void dispatch(calypso_multi *m) {
  while (m->queue) {
    calypso_transfer *t = m->queue;
    calypso_link *k = free_link(m);
    if (k == NULL && m->nlinks >= m->c->max_connections) return;
    take(&m->queue, &m->queue_end, t);
    t->listed = 0;
    if (k) begin(k, t);
    else if (!open_link(m, t)) fail(t, "local", "libcurl refused a new connection (out of memory?)");
  }
}

/* ---- what multi.c asks ---- */

void calypso_links_start(calypso_multi *m, calypso_transfer *t, long timeout_ms) {
  calypso_answer_start(&t->ex);
  t->ex.response.max = m->c->max_response;
  t->attempt_ms = timeout_ms;
  t->deadline = calypso_conn_mono_ms() + timeout_ms;
  t->handed = 0;
  t->link = NULL;
  t->listed = 1;
  put(&m->queue, &m->queue_end, t);
  dispatch(m);
}

void calypso_links_connected(calypso_link *k, CURLcode rc) {
  calypso_transfer *t = k->t;
  calypso_multi *m = k->m;
  if (rc != CURLE_OK) {
    if (t) fail_curl(k, rc);
    else link_close(k);
    dispatch(m);
    return;
  }
  k->t = NULL;
  k->state = K_IDLE;
  k->idle_since = calypso_conn_mono_ms();
  k->fd = calypso_conn_socket(k->easy);
  if (t) {
    t->link = NULL; /* begin() gives it again */
    begin(k, t);
  }
  dispatch(m);
}

void calypso_links_ready(calypso_link *k, short revents) {
  if (k->state != K_BUSY || !carrying(k)) return;
  if (k->writing) write_some(k);
  else if (revents) read_some(k);
}

void calypso_links_expire(calypso_multi *m, long long now) {
  calypso_transfer *t, *next;
  calypso_link *k, *knext;
  for (t = m->queue; t; t = next) {
    next = t->after;
    if (t->deadline <= now) {
      unlist(t);
      timed_out(t);
    }
  }
  for (k = m->links; k; k = knext) {
    knext = k->next;
    if (carrying(k) && k->t->deadline <= now) timed_out(k->t);
  }
  dispatch(m);
}

long long calypso_links_deadline(const calypso_multi *m) {
  long long at = -1;
  const calypso_transfer *t;
  const calypso_link *k;
  for (t = m->queue; t; t = t->after)
    if (at < 0 || t->deadline < at) at = t->deadline;
  for (k = m->links; k; k = k->next)
    if (carrying(k) && (at < 0 || k->t->deadline < at)) at = k->t->deadline;
  return at;
}

short calypso_links_events(const calypso_link *k) {
  if (k->state != K_BUSY || !carrying(k)) return 0;
  return k->writing ? POLLOUT : POLLIN;
}

calypso_transfer *calypso_links_ended(calypso_multi *m) {
  calypso_transfer *t = m->ended;
  if (t) unlist(t);
  return t;
}

void calypso_links_settle(calypso_transfer *t, int keep) {
  calypso_link *k = t->link;
  calypso_multi *m = t->m;
  if (k) {
    t->link = NULL;
    k->t = NULL;
    if (keep) {
      k->state = K_IDLE;
      k->idle_since = calypso_conn_mono_ms();
    } else {
      link_close(k);
    }
  }
  dispatch(m);
}

void calypso_links_stop(calypso_transfer *t) {
  calypso_multi *m = t->m;
  unlist(t);
  if (t->link) link_close(t->link); /* mid-exchange, or connecting for it */
  if (t->state == T_RUNNING) m->active--;
  t->state = T_IDLE;
  dispatch(m);
}

void calypso_links_orphan(calypso_transfer *t) {
  unlist(t);
  t->link = NULL; /* the links go with the multi handle's teardown */
  if (t->state == T_RUNNING) t->m->active--;
  t->state = T_ENDED;
  t->ex.request_sent = 1;
  t->ex.failure = "forked";
  t->ex.detail[0] = '\0';
  t->handed = 1;
  t->orphaned = 1;
}

void calypso_links_close_all(calypso_multi *m) {
  while (m->links) link_close(m->links);
  m->queue = m->queue_end = m->ended = m->ended_end = NULL;
}

void calypso_links_facts(const calypso_transfer *t, calypso_facts *f) {
  calypso_answer_facts(&t->ex, f);
  f->empty_ok = t->route.empty_ok;
  f->list_ok = t->route.list_ok;
  f->decode = t->m->c->decode;
  calypso_client_peer(t->m->c, &f->peer);
}
