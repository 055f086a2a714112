/* multi.c: the non-blocking transport.  Many requests in flight at once on
 * one libcurl multi handle, driven from the caller's loop through libcurl's
 * socket API (lua/calypso/async.lua holds the requests and the retry policy):
 *   client:submit(path, payload) -> slot | nil, err  build the envelope now
 *   client:start(slot, timeout)      one attempt: hand the request to libcurl
 *   client:drive(seconds) -> ended, running
 *                                    move every transfer, for at most seconds,
 *                                    until one attempt ends; ended lists
 *                                    { slot, result, err, status, sent, received }:
 *                                    how each ended (outcome.c), and its bytes
 *   client:bodies(slot) -> sent, got the last attempt's envelope and answer body
 *   client:release(slot)             forget the request (stops it if running)
 *   client:watch() -> { [fd] = "r" | "w" | "rw" }, seconds | nil
 *                                    what a host loop should wait on, and for how long
 * By default every exchange is the core's own HTTP/1.1 on up to
 * max_connections connections that libcurl connects (link.c), the same
 * request and the same parser as the blocking transport.  With the `http2`
 * option libcurl's HTTP engine frames the exchange instead: HTTP/2 when the
 * server offers it (requests then share a connection), else its HTTP/1.1;
 * there, one request's easy handle, its stamping and its facts are
 * transfer.c's. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "multi.h"

#define CALYPSO_LANE_MT "calypso.Lane"

/* ---- libcurl's callbacks: plain C, never Lua ---- */

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
  calypso_multi *m = userp;
  int i;
  (void)easy;
  (void)socketp;
  for (i = 0; i < m->nwatch && m->watch[i].fd != s; i++) continue;
  if (what == CURL_POLL_REMOVE) {
    if (i < m->nwatch) m->watch[i] = m->watch[--m->nwatch];
    return 0;
  }
  if (i == m->nwatch) {
    if (m->nwatch == m->capwatch) {
      int cap = m->capwatch ? m->capwatch * 2 : 16;
      struct pollfd *w = realloc(m->watch, (size_t)cap * sizeof *w);
      if (w == NULL) return -1;
      m->watch = w;
      m->capwatch = cap;
    }
    m->watch[m->nwatch++].fd = s;
  }
  m->watch[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) | (what & CURL_POLL_OUT ? POLLOUT : 0));
  return 0;
}

static int on_timer(CURLM *handle, long ms, void *userp) {
  calypso_multi *m = userp;
  (void)handle;
  m->timer_at = ms < 0 ? -1 : calypso_conn_mono_ms() + ms;
  return 0;
}

/* ---- the multi handle ---- */

static void abandon(calypso_multi *m);

static int multi_setup(calypso_multi *m) {
  m->handle = curl_multi_init();
  m->pid = calypso_pid();
  m->timer_at = -1;
  return m->handle &&
         curl_multi_setopt(m->handle, CURLMOPT_SOCKETFUNCTION, on_socket) == CURLM_OK &&
         curl_multi_setopt(m->handle, CURLMOPT_SOCKETDATA, (void *)m) == CURLM_OK &&
         curl_multi_setopt(m->handle, CURLMOPT_TIMERFUNCTION, on_timer) == CURLM_OK &&
         curl_multi_setopt(m->handle, CURLMOPT_TIMERDATA, (void *)m) == CURLM_OK &&
         curl_multi_setopt(m->handle, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) == CURLM_OK &&
         curl_multi_setopt(m->handle, CURLMOPT_MAX_HOST_CONNECTIONS, m->c->max_connections) == CURLM_OK &&
         curl_multi_setopt(m->handle, CURLMOPT_MAX_TOTAL_CONNECTIONS, m->c->max_connections) == CURLM_OK &&
         curl_multi_setopt(m->handle, CURLMOPT_MAXCONNECTS, m->c->max_connections) == CURLM_OK;
}

/* Takes every handle down; in a child of the process that opened the
 * connections, their sockets are parked first (sockets.c).  Returns 0 when
 * they could not be parked: everything is then leaked, untouched. */
static int multi_teardown(calypso_multi *m) {
  int i;
  if (!calypso_sockets_park(&m->sockets, m->pid)) return 0;
  calypso_links_close_all(m);
  for (i = 0; i < m->nslots; i++) {
    calypso_transfer *t = m->slots[i];
    if (t && t->easy) {
      curl_multi_remove_handle(m->handle, t->easy); /* harmless when not added */
      curl_easy_cleanup(t->easy);
      t->easy = NULL;
    }
  }
  for (i = 0; i < m->nspare; i++) calypso_transfer_free(m->spare[i]);
  m->nspare = 0;
  m->active = m->nwatch = 0;
  if (m->handle) curl_multi_cleanup(m->handle); /* closes the cached connections */
  m->handle = NULL;
  m->sockets.n = 0;
  return 1;
}

static void multi_destroy(calypso_multi *m) {
  int i;
  if (!multi_teardown(m)) return;
  for (i = 0; i < m->nslots; i++) calypso_transfer_free(m->slots[i]);
  free(m->slots);
  free(m->watch);
  free(m->set);
  free(m->set_link);
  calypso_sockets_free(&m->sockets);
  free(m);
}

/* The client closes: client.async's handle and every lane's go, and each
 * lane's userdata is left closed. */
static void multi_free(calypso_client *c) {
  calypso_multi *m = c->multi, *next;
  c->multi = NULL;
  if (m) multi_destroy(m);
  for (m = c->lanes, c->lanes = NULL; m; m = next) {
    next = m->next;
    m->lane->m = NULL;
    multi_destroy(m);
  }
}

/* m, ready to use: remade after fork(), its libcurl handle set up. */
static calypso_multi *multi_ready(lua_State *L, calypso_multi *m) {
  if (m->pid != 0 && m->pid != calypso_pid()) abandon(m);
  if (m->handle == NULL && !multi_setup(m)) {
    if (m->handle) curl_multi_cleanup(m->handle);
    m->handle = NULL;
    luaL_error(L, "calypso: out of memory, or libcurl refused the multi settings");
  }
  return m;
}

/* The client's own multi handle (client.async's), made on first use. */
static calypso_multi *multi_of(lua_State *L, calypso_client *c) {
  calypso_multi *m = c->multi;
  if (m == NULL) {
    m = calloc(1, sizeof *m);
    if (m == NULL) luaL_error(L, "calypso: out of memory");
    m->c = c;
    c->multi = m;
    c->free_multi = multi_free;
  }
  return multi_ready(L, m);
}

/* The multi handle of the method's self (a lane's own, or the client's),
 * or NULL where the client has made none yet (release and watch make none). */
static calypso_multi *self_multi_if_any(lua_State *L) {
  calypso_lane *lane = luaL_testudata(L, 1, CALYPSO_LANE_MT);
  if (lane == NULL) return calypso_check_client(L, 1)->multi;
  if (lane->m == NULL) luaL_error(L, "calypso: the client is closed");
  return lane->m;
}

/* The same, made on first use and ready (remade after fork(), set up). */
static calypso_multi *self_multi(lua_State *L) {
  calypso_multi *m = self_multi_if_any(L);
  return m ? multi_ready(L, m) : multi_of(L, calypso_check_client(L, 1));
}

static calypso_transfer *slot_of(lua_State *L, calypso_multi *m, int arg) {
  lua_Integer slot = luaL_checkinteger(L, arg);
  luaL_argcheck(L, m && slot >= 1 && slot <= m->nslots && m->slots[slot - 1], arg, "no such request");
  return m->slots[slot - 1];
}

/* After fork(): the child's copies of the parent's transfers end here, as
 * network failures, without a byte of theirs reaching the parent's streams. */
static void abandon(calypso_multi *m) {
  int i;
  for (i = 0; i < m->nslots; i++) {
    calypso_transfer *t = m->slots[i];
    if (t == NULL) continue;
    if (!CALYPSO_LINKS(m)) {
      if (t->state == T_RUNNING) calypso_transfer_orphan(t);
    } else if (t->state == T_RUNNING || t->listed) { /* or ended, not yet reported */
      calypso_links_orphan(t);
    }
  }
  if (!multi_teardown(m)) {
    /* Could not park the parent's sockets: leave them be, start afresh. */
    m->links = NULL;
    m->nlinks = 0;
    m->queue = m->queue_end = m->ended = m->ended_end = NULL;
    m->handle = NULL;
    m->sockets.n = 0;
    m->active = m->nwatch = 0;
  }
  m->pid = calypso_pid();
}

/* A free slot, its number (1-based) for Lua; raises when out of memory. */
static int free_slot(lua_State *L, calypso_multi *m) {
  int slot;
  for (slot = 0; slot < m->nslots && m->slots[slot]; slot++) continue;
  if (slot == m->nslots) {
    calypso_transfer **s = realloc(m->slots, (size_t)(m->nslots + 16) * sizeof *s);
    if (s == NULL) luaL_error(L, "calypso: out of memory");
    memset(s + m->nslots, 0, 16 * sizeof *s);
    m->slots = s;
    m->nslots += 16;
  }
  return slot + 1;
}

/* Forgets the request in slot t->slot; its transfer is kept for reuse. */
static void release_slot(calypso_multi *m, calypso_transfer *t) {
  m->slots[t->slot - 1] = NULL;
  t->orphaned = 0;
  if (m->nspare < CALYPSO_SPARE_MAX) m->spare[m->nspare++] = t;
  else calypso_transfer_free(t);
}

/* client:submit(path, payload [, route]) -> slot | nil, err
 * The transfer is in its slot before the envelope is built, so that a raise
 * there (out of memory) leaves it owned by the multi handle, not leaked. */
static int l_submit(lua_State *L) {
  calypso_multi *m = self_multi(L);
  calypso_client *c = m->c;
  size_t path_len, digits;
  const char *path = calypso_check_path(L, 2, &path_len);
  const calypso_route *route = calypso_check_route(L, 4);
  calypso_transfer *t;
  int slot;
  lua_settop(L, 4);
  slot = free_slot(L, m);
  t = m->nspare > 0 ? m->spare[--m->nspare] : calypso_transfer_new(m);
  if (t == NULL) luaL_error(L, "calypso: out of memory, or libcurl refused the transfer settings");
  m->slots[slot - 1] = t;
  t->slot = slot;
  t->state = T_IDLE;
  if (!CALYPSO_LINKS(m) && t->easy == NULL && !calypso_transfer_setup(t))
    luaL_error(L, "calypso: out of memory, or libcurl refused the transfer settings");
  t->route = *route;
  t->route.prefix = NULL; /* read once, just below: the route's userdata may go before the transfer */
  t->route.prefix_len = 0;
  if (!calypso_build_body(L, c, route, 3, calypso_clock_ms() + c->clock_offset_ms, &t->body, &t->ts_at)) {
    release_slot(m, t);
    return 2;
  }
  for (digits = 0; t->body.data[t->ts_at + digits] >= '0' && t->body.data[t->ts_at + digits] <= '9';
       digits++)
    continue;
  t->ts_len = digits;
  /* Over the core's HTTP/1.1 the endpoint's path; for libcurl the URL:
   * origin, base_url's path, the endpoint's path.  NUL-terminated. */
  calypso_buf_reset(&t->url);
  calypso_buf_reset(&t->path);
  if (CALYPSO_LINKS(m) ? !calypso_buf_append(&t->path, path, path_len + 1)
                       : !calypso_buf_appends(&t->url, c->origin) ||
                             !calypso_buf_appends(&t->url, c->path_prefix) ||
                             !calypso_buf_append(&t->url, path, path_len + 1))
    luaL_error(L, "calypso: out of memory, or the path is too long");
  lua_pushinteger(L, slot);
  return 1;
}

/* With `http2 = true`, a server that offers only HTTP/1.1 gets libcurl's
 * HTTP/1.1, and bytes waiting on an idle connection of it are nobody's
 * answer: libcurl 7.88 counts them as a sign of life, reuses the connection
 * and reads them as the next request's answer, another object as a success.
 * So before a request is handed over, each idle connection (one libcurl is
 * not watching) that has carried an HTTP/1.x answer and has anything to
 * read is emptied and shut down; libcurl then finds it closed and connects
 * afresh.  HTTP/2 frames its streams itself, and an idle connection there
 * may well get a PING: those are left alone.  (By default the core's own
 * HTTP/1.1 looks at a connection before each request: link.c.) */
#define QUIET_BATCH 64

static void quiet_idle(calypso_multi *m) {
  struct pollfd p[QUIET_BATCH];
  int i = 0;
  while (i < m->sockets.n) {
    int n = 0, k;
    for (; i < m->sockets.n && n < QUIET_BATCH; i++) {
      curl_socket_t s = m->sockets.fd[i];
      int w;
      if (!m->sockets.http1[i]) continue;
      for (w = 0; w < m->nwatch && m->watch[w].fd != s; w++) continue;
      if (w < m->nwatch) continue; /* libcurl is using it */
      p[n].fd = s;
      p[n].events = POLLIN;
      p[n++].revents = 0;
    }
    if (n == 0 || poll(p, (nfds_t)n, 0) <= 0) continue;
    for (k = 0; k < n; k++) {
      char junk[4096];
      if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      while (recv(p[k].fd, junk, sizeof junk, MSG_DONTWAIT) > 0) continue;
      shutdown(p[k].fd, SHUT_RDWR);
    }
  }
}

/* The attempt's answer came over HTTP/1.x: its connection is one for
 * quiet_idle to look at. */
static void seen_http1(calypso_multi *m, const calypso_transfer *t) {
  curl_socket_t s = CURL_SOCKET_BAD;
  int i;
  if (t->strict != 1 || curl_easy_getinfo(t->easy, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK) return;
  for (i = 0; i < m->sockets.n; i++)
    if (m->sockets.fd[i] == s) m->sockets.http1[i] = 1;
}

/* client:start(slot, timeout) -> nothing; timeout: seconds for this attempt */
static int l_start(lua_State *L) {
  calypso_multi *m = self_multi(L);
  calypso_client *c = m->c;
  calypso_transfer *t = slot_of(L, m, 2);
  long timeout_ms = calypso_check_timeout(L, 3);
  luaL_argcheck(L, t->state != T_RUNNING, 2, "the request is running");
  luaL_argcheck(L, !t->listed && !t->orphaned, 2, "the request's last attempt is not reported yet");
  if (CALYPSO_LINKS(m)) {
    t->state = T_RUNNING;
    m->active++;
    calypso_links_start(m, t, timeout_ms); /* may end at once: drive reports it */
    return 0;
  }
  if (t->easy == NULL && !calypso_transfer_setup(t)) luaL_error(L, "calypso: out of memory");
  quiet_idle(m);
  if (!calypso_transfer_start(t, timeout_ms, c->connect_timeout_ms) ||
      curl_multi_add_handle(m->handle, t->easy) != CURLM_OK)
    luaL_error(L, "calypso: libcurl refused to start the request");
  t->state = T_RUNNING;
  m->active++;
  return 0;
}

static void act(calypso_multi *m, curl_socket_t s, int flags) {
  int running;
  curl_multi_socket_action(m->handle, s, flags, &running);
}

/* The request's bytes if any may have left: the head libcurl wrote (its own
 * count) and the body; else 0. */
static lua_Integer bytes_sent(const calypso_transfer *t) {
  long head = 0;
  if (CALYPSO_LINKS(t->m)) return t->ex.request_sent ? (lua_Integer)t->request.len : 0;
  if (!t->handed) return 0;
  if (curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &head) != CURLE_OK || head < 0) head = 0;
  return (lua_Integer)head + (lua_Integer)t->body.len;
}

/* Appends { slot, result | nil, err, status, sent, received } for an ended
 * attempt to the table at `ended` (status, sent, received as client:last()).  The verdict is made here, while libcurl still holds the
 * connection the answer came on: a refused answer's connection is shut down
 * now, before any other transfer can be given it. */
static int report(lua_State *L, int ended, calypso_transfer *t, int n) {
  calypso_facts facts;
  int keep = 0, entry, links = CALYPSO_LINKS(t->m);
  if (links) calypso_links_facts(t, &facts);
  else calypso_transfer_facts(t, &facts);
  lua_createtable(L, 6, 0);
  entry = lua_gettop(L);
  lua_pushinteger(L, t->slot);
  lua_rawseti(L, entry, 1);
  /* the result at [2], or the error at [3]; the judge may leave more below */
  lua_rawseti(L, entry, calypso_outcome(L, &facts, &keep) + 1);
  lua_settop(L, entry);
  lua_pushinteger(L, facts.status);
  lua_rawseti(L, entry, 4);
  lua_pushinteger(L, bytes_sent(t));
  lua_rawseti(L, entry, 5);
  lua_pushinteger(L, (lua_Integer)(links ? t->ex.received : t->received));
  lua_rawseti(L, entry, 6);
  lua_rawseti(L, ended, ++n);
  if (links) {
    calypso_links_settle(t, keep);
  } else {
    seen_http1(t->m, t);
    if (!keep && t->complete) calypso_transfer_drop_connection(t);
  }
  return n;
}

/* Ends the attempts libcurl reports done and reports them; over the core's
 * HTTP/1.1, libcurl reports connections made, and the ended attempts wait
 * in the multi's list. */
static int collect(lua_State *L, int ended, calypso_multi *m, int n) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(m->handle, &left)) != NULL) {
    char *p = NULL;
    calypso_transfer *t;
    if (msg->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
    if (CALYPSO_LINKS(m)) {
      calypso_links_connected((calypso_link *)(void *)p, msg->data.result);
      continue;
    }
    t = (calypso_transfer *)(void *)p;
    calypso_transfer_end(t, msg->data.result);
    n = report(L, ended, t, n);
    curl_multi_remove_handle(m->handle, t->easy);
  }
  if (CALYPSO_LINKS(m)) {
    calypso_transfer *t;
    calypso_links_expire(m, calypso_conn_mono_ms());
    while ((t = calypso_links_ended(m)) != NULL) n = report(L, ended, t, n);
  }
  return n;
}

/* What drive polls: libcurl's sockets, then the links' (set_link[i] says
 * which, NULL for libcurl's).  Returns how many; raises when out of memory.
 * *pending: whether one of those links has records waiting inside OpenSSL
 * (link.c), to be read without waiting. */
static int gather(lua_State *L, calypso_multi *m, int *pending) {
  calypso_link *k;
  int n = 0, need = m->nwatch + m->nlinks, i;
  if (need > m->capset) {
    int cap = need < 16 ? 16 : need * 2;
    struct pollfd *set = realloc(m->set, (size_t)cap * sizeof *set);
    calypso_link **who = set ? realloc(m->set_link, (size_t)cap * sizeof *who) : NULL;
    if (set) m->set = set;
    if (who == NULL) luaL_error(L, "calypso: out of memory");
    m->set_link = who;
    m->capset = cap;
  }
  for (i = 0; i < m->nwatch; i++) {
    m->set[n] = m->watch[i];
    m->set_link[n++] = NULL;
  }
  *pending = 0;
  for (k = m->links; k; k = k->next) {
    short ev = calypso_links_events(k);
    if (ev == 0) continue;
    if (k->pending) *pending = 1;
    m->set[n].fd = k->fd;
    m->set[n].events = ev;
    m->set_link[n++] = k;
  }
  return n;
}

/* client:drive(seconds) -> ended, running */
static int l_drive(lua_State *L) {
  calypso_multi *m = self_multi(L);
  lua_Number seconds = luaL_optnumber(L, 2, 0);
  long long now = calypso_conn_mono_ms();
  long long end = now + (seconds > 0 ? (seconds > 1e9 ? (long long)1e12 : (long long)(seconds * 1000)) : 0);
  int n = 0, i, ended;
  lua_newtable(L);
  ended = lua_gettop(L);
  for (i = 0; i < m->nslots; i++) { /* ended by abandon() after a fork */
    if (m->slots[i] && m->slots[i]->orphaned) {
      m->slots[i]->orphaned = 0;
      n = report(L, ended, m->slots[i], n);
    }
  }
  if (m->ended) n = collect(L, ended, m, n); /* ended as they started */
  while (m->active > 0 && n == 0) {
    long long wait = end - now, due = calypso_links_deadline(m);
    int nready, r, pending;
    if (m->timer_at >= 0 && m->timer_at - now < wait) wait = m->timer_at - now;
    if (due >= 0 && due - now < wait) wait = due - now;
    nready = gather(L, m, &pending);
    if (wait < 0 || pending) wait = 0;
    r = poll(m->set, (nfds_t)nready, wait > INT_MAX ? INT_MAX : (int)wait);
    if (r < 0 && errno != EINTR) luaL_error(L, "calypso: poll failed: %s", strerror(errno));
    for (i = 0; r >= 0 && i < nready; i++) {
      short ev = m->set[i].revents;
      if (ev == 0 && m->set_link[i] && m->set_link[i]->pending) ev = POLLIN; /* records inside OpenSSL */
      if (ev == 0) continue;
      if (m->set_link[i]) {
        calypso_links_ready(m->set_link[i], ev);
        continue;
      }
      act(m, m->set[i].fd,
          (ev & (POLLIN | POLLHUP) ? CURL_CSELECT_IN : 0) | (ev & POLLOUT ? CURL_CSELECT_OUT : 0) |
              (ev & (POLLERR | POLLNVAL) ? CURL_CSELECT_ERR : 0));
    }
    now = calypso_conn_mono_ms();
    if (m->timer_at >= 0 && now >= m->timer_at) {
      m->timer_at = -1;
      act(m, CURL_SOCKET_TIMEOUT, 0);
    }
    n = collect(L, ended, m, n);
    now = calypso_conn_mono_ms();
    if (n > 0 || now >= end) break;
  }
  calypso_tls_errors_clear();
  lua_pushinteger(L, m->active);
  return 2;
}

/* client:release(slot) -> nothing */
static int l_release(lua_State *L) {
  calypso_multi *m = self_multi_if_any(L);
  calypso_transfer *t = slot_of(L, m, 2);
  if (m->pid != calypso_pid()) abandon(m); /* a child's first word: never the parent's streams */
  if (CALYPSO_LINKS(m)) {
    calypso_links_stop(t);
  } else if (t->state == T_RUNNING) {
    curl_multi_remove_handle(m->handle, t->easy);
    m->active--;
  }
  release_slot(m, t);
  return 0;
}

/* client:bodies(slot) -> request_body, response_body: the envelope of the
 * slot's last attempt, as stamped, and the body it got (for log_bodies). */
static int l_bodies(lua_State *L) {
  calypso_transfer *t = slot_of(L, self_multi(L), 2);
  const calypso_buf *got = CALYPSO_LINKS(t->m) ? &t->ex.response : &t->response;
  lua_pushlstring(L, t->body.data ? t->body.data : "", t->body.len);
  lua_pushlstring(L, got->data ? got->data : "", got->len);
  return 2;
}

/* client:handed(slot) -> bool: has the slot's attempt been handed to a
 * connection (the connect and handshake are behind it, and its request is
 * stamped)?  The event-loop transport counts handshakes by it. */
static int l_handed(lua_State *L) {
  calypso_transfer *t = slot_of(L, self_multi(L), 2);
  lua_pushboolean(L, t->handed);
  return 1;
}

/* client:watch() -> { [fd] = "r" | "w" | "rw" }, seconds | nil */
static int l_watch(lua_State *L) {
  calypso_multi *m = self_multi_if_any(L);
  long long due;
  int i, n, pending;
  lua_newtable(L);
  if (m == NULL || m->pid != calypso_pid()) {
    lua_pushnil(L);
    return 2;
  }
  n = gather(L, m, &pending);
  for (i = 0; i < n; i++) {
    short ev = m->set[i].events;
    lua_pushstring(L, (ev & POLLIN) && (ev & POLLOUT) ? "rw" : ev & POLLOUT ? "w" : "r");
    lua_rawseti(L, -2, (lua_Integer)m->set[i].fd);
  }
  due = calypso_links_deadline(m);
  if (m->timer_at >= 0 && (due < 0 || m->timer_at < due)) due = m->timer_at;
  if (m->ended) due = 0; /* ended already: drive reports it */
  if (pending) due = 0; /* records inside OpenSSL: drive reads them */
  if (due < 0) {
    lua_pushnil(L);
  } else {
    long long left = due - calypso_conn_mono_ms();
    lua_pushnumber(L, left > 0 ? (lua_Number)left / 1000 : 0);
  }
  return 2;
}

/* client:lane() -> lane: a multi handle of its own, with the same methods
 * (submit, start, drive, release, watch, bodies) and connections of its
 * own, for one call at a time (and handed(slot)): the event-loop transport
 * (lua/calypso/loop.lua) gives each running call one, so that no two
 * coroutines ever wait on one descriptor.  A lane holds no secret: it signs
 * with its client's signer, and closes with the client. */
static int l_lane(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  calypso_lane *lane = lua_newuserdatauv(L, sizeof *lane, 0);
  calypso_multi *m;
  lane->m = NULL;
  luaL_getmetatable(L, CALYPSO_LANE_MT);
  lua_setmetatable(L, -2);
  m = calloc(1, sizeof *m);
  if (m == NULL) luaL_error(L, "calypso: out of memory");
  m->c = c;
  m->lane = lane;
  m->next = c->lanes;
  c->lanes = m;
  c->free_multi = multi_free;
  lane->m = m;
  return 1;
}

/* lane:close(): its connections go now (also __gc); idempotent. */
static int l_lane_close(lua_State *L) {
  calypso_lane *lane = luaL_checkudata(L, 1, CALYPSO_LANE_MT);
  calypso_multi *m = lane->m, **at;
  if (m == NULL) return 0;
  for (at = &m->c->lanes; *at && *at != m; at = &(*at)->next) continue;
  if (*at) *at = m->next;
  lane->m = NULL;
  multi_destroy(m);
  calypso_tls_errors_clear();
  return 0;
}

void calypso_multi_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"submit", l_submit},   {"start", l_start},
                                     {"drive", l_drive},     {"release", l_release},
                                     {"watch", l_watch},     {"bodies", l_bodies},
                                     {"handed", l_handed},   {NULL, NULL}};
  luaL_setfuncs(L, methods, 0);
  lua_pushcfunction(L, l_lane);
  lua_setfield(L, -2, "lane");
  /* a lane's metatable: the same methods, and close */
  luaL_newmetatable(L, CALYPSO_LANE_MT);
  lua_pushcfunction(L, l_lane_close);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, CALYPSO_LANE_MT);
  lua_setfield(L, -2, "__name");
  luaL_newlib(L, methods);
  lua_pushcfunction(L, l_lane_close);
  lua_setfield(L, -2, "close");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}
