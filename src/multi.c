/* multi.c: the non-blocking transport.  Many requests in flight at once on
 * one libcurl multi handle, driven from the caller's loop through libcurl's
 * socket API (lua/calypso/async.lua holds the requests and the retry policy):
 *   client:submit(path, payload) -> slot | nil, err  build the envelope now
 *   client:start(slot, timeout)      one attempt: hand the request to libcurl
 *   client:drive(seconds) -> ended, running
 *                                    move every transfer, for at most seconds,
 *                                    until one attempt ends; ended lists slots
 *   client:outcome(slot) -> result | nil, err   how the attempt ended (exchange.c)
 *   client:release(slot)             forget the request (stops it if running)
 *   client:watch() -> { [fd] = "r" | "w" | "rw" }, seconds | nil
 *                                    what a host loop should wait on, and for how long
 * libcurl's HTTP engine frames the exchange: HTTP/2 when the server offers
 * it (requests then share a connection), else HTTP/1.1 on up to
 * max_connections connections; libcurl queues what does not fit.
 * Every attempt is stamped and signed in the pre-request callback, when
 * libcurl has a connection and is about to send: a request that waited for
 * one still carries a fresh timestamp.  The timestamp keeps its 13 digits
 * (years 2001 to 2286), so the body is rewritten in place.  The same callback
 * refuses a second send within one attempt: libcurl resends a request by
 * itself when a reused connection dies under it, and a create sent twice can
 * make two customers.  Whether to try again is the Lua policy's decision. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "calypso.h"

#define SPARE_MAX 64 /* finished transfers kept, with their handles, for reuse */

enum { T_IDLE, T_RUNNING, T_ENDED };

typedef struct transfer {
  CURL *easy;
  struct calypso_multi *m;
  int slot, state;
  int sends;        /* pre-request callbacks in this attempt */
  int handed;       /* the request was stamped and handed to a connection */
  int stamp_failed; /* the clock gave a timestamp we cannot write */
  int orphaned;     /* ended by a fork, not yet reported by drive */
  size_t ts_at, ts_len; /* where the timestamp's digits are in body */
  calypso_buf body, url;
  struct curl_slist *headers;
  char *sign_at; /* the 128 hex digits of the Sign header line */
  calypso_exchange ex;
} transfer;

typedef struct calypso_multi {
  CURLM *handle;
  calypso_client *c;
  pid_t pid;           /* the process whose connections handle holds */
  transfer **slots;    /* by slot - 1; NULL: free */
  int nslots, active;  /* active: transfers in the multi handle */
  transfer *spare[SPARE_MAX];
  int nspare;
  struct pollfd *watch, *ready; /* what libcurl asked us to watch; a copy to poll */
  int nwatch, capwatch;
  long long timer_at;  /* monotonic ms when libcurl wants its timeout; -1: none */
  calypso_sockets sockets;
} calypso_multi;

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
      struct pollfd *r = w ? realloc(m->ready, (size_t)cap * sizeof *r) : NULL;
      if (w) m->watch = w;
      if (r == NULL) return -1;
      m->ready = r;
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

static size_t on_write(char *data, size_t size, size_t n, void *userp) {
  transfer *t = userp;
  return calypso_buf_append(&t->ex.response, data, size * n) ? size * n : 0;
}

static size_t on_header(char *line, size_t size, size_t n, void *userp) {
  transfer *t = userp;
  calypso_http1_note_header(&t->ex.parser, line, size * n);
  return size * n;
}

/* Stamp, sign, send: or refuse a second send of the same attempt. */
static int on_prereq(void *userp, char *ip, char *local_ip, int port, int local_port) {
  transfer *t = userp;
  calypso_client *c = t->m->c;
  long long ts = calypso_clock_ms() + c->clock_offset_ms;
  char digits[CALYPSO_DECIMAL_MAX];
  size_t len = 0;
  const char *d = digits;
  (void)ip;
  (void)local_ip;
  (void)port;
  (void)local_port;
  if (t->sends++ > 0) return CURL_PREREQFUNC_ABORT;
  if (ts >= 0) d = calypso_decimal(digits, (unsigned long long)ts, &len);
  if (len != t->ts_len) {
    t->stamp_failed = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  memcpy(t->body.data + t->ts_at, d, len);
  if (!calypso_signer_hex(c->signer, t->body.data, t->body.len, t->sign_at)) {
    t->stamp_failed = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  t->handed = 1;
  return CURL_PREREQFUNC_OK;
}

/* ---- transfers ---- */

#define SET(opt, val) (curl_easy_setopt(t->easy, (opt), (val)) == CURLE_OK)

/* The settings that hold for every attempt of every request. */
static int setup_easy(transfer *t) {
  calypso_client *c = t->m->c;
  t->easy = curl_easy_init();
  return t->easy && calypso_conn_secure(t->easy, c->cafile) &&
         calypso_sockets_setup(&t->m->sockets, t->easy) &&
         SET(CURLOPT_HTTP_VERSION,
             c->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1) &&
         SET(CURLOPT_PIPEWAIT, 1L) && SET(CURLOPT_POST, 1L) &&
         SET(CURLOPT_HTTPHEADER, t->headers) && SET(CURLOPT_ERRORBUFFER, t->ex.failure) &&
         SET(CURLOPT_PRIVATE, (void *)t) && SET(CURLOPT_WRITEFUNCTION, on_write) &&
         SET(CURLOPT_WRITEDATA, (void *)t) && SET(CURLOPT_HEADERFUNCTION, on_header) &&
         SET(CURLOPT_HEADERDATA, (void *)t) && SET(CURLOPT_PREREQFUNCTION, on_prereq) &&
         SET(CURLOPT_PREREQDATA, (void *)t);
}

static void transfer_free(transfer *t) {
  if (t == NULL) return;
  if (t->easy) curl_easy_cleanup(t->easy);
  curl_slist_free_all(t->headers);
  calypso_buf_free(&t->body);
  calypso_buf_free(&t->url);
  calypso_buf_free(&t->ex.response);
  free(t);
}

/* Appends a line; on failure frees the whole list and returns NULL. */
static struct curl_slist *append(struct curl_slist *list, const char *line) {
  struct curl_slist *grown = curl_slist_append(list, line);
  if (grown == NULL) curl_slist_free_all(list);
  return grown;
}

/* The client's fixed header lines, from the head the blocking transport
 * sends (client.c), so both send the same headers: every line but the
 * request line's tail and Host, which libcurl writes (or :authority). */
static struct curl_slist *fixed_headers(const calypso_client *c) {
  struct curl_slist *list = NULL;
  const char *line = strstr(c->head, "\r\n") + 2, *end;
  char *copy = malloc(c->head_len + 1);
  if (copy == NULL) return NULL;
  for (; (end = strstr(line, "\r\n")) != NULL; line = end + 2) {
    if (strncmp(line, "Host:", 5) == 0) continue;
    memcpy(copy, line, (size_t)(end - line));
    copy[end - line] = '\0';
    if ((list = append(list, copy)) == NULL) break;
  }
  free(copy);
  return list;
}

/* A transfer with its fixed headers; Sign's digits are written per attempt. */
static transfer *transfer_new(calypso_multi *m) {
  calypso_client *c = m->c;
  transfer *t = calloc(1, sizeof *t);
  struct curl_slist *last;
  if (t == NULL) return NULL;
  t->m = m;
  t->headers = fixed_headers(c);
  if (t->headers) t->headers = append(t->headers, "Expect:");
  if (t->headers)
    t->headers = append(t->headers, CALYPSO_SIGN_PREFIX
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000");
  if (t->headers == NULL || !setup_easy(t)) {
    transfer_free(t);
    return NULL;
  }
  for (last = t->headers; last->next; last = last->next) continue;
  t->sign_at = last->data + strlen(CALYPSO_SIGN_PREFIX);
  t->body.max = 64 * 1024 * 1024;
  t->url.max = 64 * 1024;
  t->ex.response.max = c->ex.response.max;
  return t;
}

#undef SET

/* ---- the multi handle ---- */

static void abandon(calypso_multi *m);

static int multi_setup(calypso_multi *m) {
  m->handle = curl_multi_init();
  m->pid = getpid();
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
  for (i = 0; i < m->nslots; i++) {
    transfer *t = m->slots[i];
    if (t && t->easy) {
      curl_multi_remove_handle(m->handle, t->easy); /* harmless when not added */
      curl_easy_cleanup(t->easy);
      t->easy = NULL;
    }
  }
  for (i = 0; i < m->nspare; i++) transfer_free(m->spare[i]);
  m->nspare = 0;
  m->active = m->nwatch = 0;
  if (m->handle) curl_multi_cleanup(m->handle); /* closes the cached connections */
  m->handle = NULL;
  m->sockets.n = 0;
  return 1;
}

void calypso_multi_free(calypso_client *c) {
  calypso_multi *m = c->multi;
  int i;
  if (m == NULL) return;
  c->multi = NULL;
  if (!multi_teardown(m)) return;
  for (i = 0; i < m->nslots; i++) transfer_free(m->slots[i]);
  free(m->slots);
  free(m->watch);
  free(m->ready);
  calypso_sockets_free(&m->sockets);
  free(m);
}

/* The client's multi handle, made on first use and remade after fork(). */
static calypso_multi *multi_of(lua_State *L, calypso_client *c) {
  calypso_multi *m = c->multi;
  if (m && m->pid != getpid()) abandon(m);
  if (m == NULL) {
    m = calloc(1, sizeof *m);
    if (m == NULL) luaL_error(L, "calypso: out of memory");
    m->c = c;
    c->multi = m;
  }
  if (m->handle == NULL && !multi_setup(m)) {
    if (m->handle) curl_multi_cleanup(m->handle);
    m->handle = NULL;
    luaL_error(L, "calypso: out of memory, or libcurl refused the multi settings");
  }
  return m;
}

static transfer *slot_of(lua_State *L, calypso_multi *m, int arg) {
  lua_Integer slot = luaL_checkinteger(L, arg);
  luaL_argcheck(L, m && slot >= 1 && slot <= m->nslots && m->slots[slot - 1], arg, "no such request");
  return m->slots[slot - 1];
}

/* How the attempt ended, for exchange.c to turn into the call's outcome. */
static void end_attempt(transfer *t, CURLcode rc) {
  calypso_exchange *ex = &t->ex;
  long status = 0;
  t->state = T_ENDED;
  t->m->active--;
  ex->request_sent = t->handed;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK) {
    calypso_http1_complete(&ex->parser, (int)status);
    return;
  }
  ex->parser.status = (int)status;
  if (rc == CURLE_WRITE_ERROR && ex->response.overflow) return; /* exchange.c says so */
  if (t->stamp_failed) {
    ex->failure_kind = "validation";
    snprintf(ex->failure, sizeof ex->failure, "the clock, with clock_offset_ms, gives a"
             " timestamp outside the years 2001 to 2286; nothing was sent");
  } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
    ex->failure_kind = "network";
    snprintf(ex->failure, sizeof ex->failure, "the connection failed after the request was"
             " handed to it; libcurl would have sent it again, which could apply it twice");
  } else {
    ex->failure_kind = calypso_conn_kind(rc, ex->failure);
    if (ex->failure[0] == '\0') snprintf(ex->failure, sizeof ex->failure, "%s", curl_easy_strerror(rc));
  }
}

/* After fork(): the child's copies of the parent's transfers end here, as
 * network failures, without a byte of theirs reaching the parent's streams. */
static void abandon(calypso_multi *m) {
  int i;
  for (i = 0; i < m->nslots; i++) {
    transfer *t = m->slots[i];
    if (t && t->state == T_RUNNING) {
      end_attempt(t, CURLE_SEND_ERROR);
      /* The parent sends it: to this process it may well be applied. */
      t->ex.request_sent = 1;
      t->ex.failure_kind = "network";
      snprintf(t->ex.failure, sizeof t->ex.failure, "the process forked while the request was"
               " in flight; it stays with the parent process");
      t->orphaned = 1;
    }
  }
  if (!multi_teardown(m)) {
    /* Could not park the parent's sockets: leave them be, start afresh. */
    m->handle = NULL;
    m->sockets.n = 0;
    m->active = m->nwatch = 0;
  }
  m->pid = getpid();
}

/* client:submit(path, payload) -> slot | nil, err */
int calypso_multi_submit(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  size_t path_len, digits;
  const char *path = luaL_checklstring(L, 2, &path_len);
  calypso_multi *m;
  transfer *t;
  int slot;
  luaL_argcheck(L, calypso_path_ok(path, path_len), 2, "path must start with '/' and be visible ASCII");
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  m = multi_of(L, c);
  t = m->nspare > 0 ? m->spare[--m->nspare] : transfer_new(m);
  if (t == NULL) luaL_error(L, "calypso: out of memory, or libcurl refused the transfer settings");
  if (t->easy == NULL && !setup_easy(t)) {
    transfer_free(t);
    luaL_error(L, "calypso: out of memory, or libcurl refused the transfer settings");
  }
  if (!calypso_build_body(L, c, 3, calypso_clock_ms() + c->clock_offset_ms, &t->body)) {
    if (m->nspare < SPARE_MAX) m->spare[m->nspare++] = t;
    else transfer_free(t);
    return 2;
  }
  t->ts_at = c->prefix_len;
  for (digits = 0; t->body.data[t->ts_at + digits] != ','; digits++) continue;
  t->ts_len = digits;
  /* The URL: origin, base_url's path, the endpoint's path, NUL-terminated. */
  calypso_buf_reset(&t->url);
  if (!calypso_buf_appends(&t->url, c->origin) || !calypso_buf_appends(&t->url, c->path_prefix) ||
      !calypso_buf_append(&t->url, path, path_len + 1)) {
    transfer_free(t);
    luaL_error(L, "calypso: out of memory, or the path is too long");
  }
  for (slot = 0; slot < m->nslots && m->slots[slot]; slot++) continue;
  if (slot == m->nslots) {
    transfer **s = realloc(m->slots, (size_t)(m->nslots + 16) * sizeof *s);
    if (s == NULL) {
      transfer_free(t);
      luaL_error(L, "calypso: out of memory");
    }
    memset(s + m->nslots, 0, 16 * sizeof *s);
    m->slots = s;
    m->nslots += 16;
  }
  m->slots[slot] = t;
  t->slot = slot + 1;
  t->state = T_IDLE;
  lua_pushinteger(L, t->slot);
  return 1;
}

/* client:start(slot, timeout) -> nothing; timeout: seconds for this attempt */
int calypso_multi_start(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  calypso_multi *m = multi_of(L, c);
  transfer *t = slot_of(L, m, 2);
  lua_Number s = luaL_checknumber(L, 3);
  long timeout_ms = s * 1000 < 1 ? 1 : s * 1000 > c->timeout_ms ? c->timeout_ms : (long)(s * 1000);
  luaL_argcheck(L, t->state != T_RUNNING, 2, "the request is running");
  if (t->easy == NULL && !setup_easy(t)) luaL_error(L, "calypso: out of memory");
  calypso_exchange_start(&t->ex);
  t->sends = t->handed = t->stamp_failed = 0;
  if (curl_easy_setopt(t->easy, CURLOPT_URL, t->url.data) != CURLE_OK ||
      curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body.len) != CURLE_OK ||
      curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body.data) != CURLE_OK ||
      curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK ||
      curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
                       c->connect_timeout_ms < timeout_ms ? c->connect_timeout_ms : timeout_ms) != CURLE_OK ||
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

/* Ends the attempts libcurl reports done; appends their slots to the table on top. */
static int collect(lua_State *L, calypso_multi *m, int n) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(m->handle, &left)) != NULL) {
    char *p = NULL;
    transfer *t;
    if (msg->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
    t = (transfer *)(void *)p;
    end_attempt(t, msg->data.result);
    curl_multi_remove_handle(m->handle, t->easy);
    lua_pushinteger(L, t->slot);
    lua_rawseti(L, -2, ++n);
  }
  return n;
}

/* client:drive(seconds) -> ended, running */
int calypso_multi_drive(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  lua_Number seconds = luaL_optnumber(L, 2, 0);
  calypso_multi *m = multi_of(L, c);
  long long now = calypso_conn_mono_ms();
  long long end = now + (seconds > 0 ? (seconds > 1e9 ? (long long)1e12 : (long long)(seconds * 1000)) : 0);
  int n = 0, i;
  lua_newtable(L);
  for (i = 0; i < m->nslots; i++) { /* ended by abandon() after a fork */
    if (m->slots[i] && m->slots[i]->orphaned) {
      m->slots[i]->orphaned = 0;
      lua_pushinteger(L, m->slots[i]->slot);
      lua_rawseti(L, -2, ++n);
    }
  }
  while (m->active > 0 && n == 0) {
    long long wait = end - now;
    int nready, r;
    if (m->timer_at >= 0 && m->timer_at - now < wait) wait = m->timer_at - now;
    if (wait < 0) wait = 0;
    nready = m->nwatch;
    memcpy(m->ready, m->watch, (size_t)nready * sizeof *m->ready);
    r = poll(m->ready, (nfds_t)nready, wait > INT_MAX ? INT_MAX : (int)wait);
    if (r < 0 && errno != EINTR) luaL_error(L, "calypso: poll failed: %s", strerror(errno));
    for (i = 0; r > 0 && i < nready; i++) {
      short ev = m->ready[i].revents;
      if (ev)
        act(m, m->ready[i].fd,
            (ev & (POLLIN | POLLHUP) ? CURL_CSELECT_IN : 0) | (ev & POLLOUT ? CURL_CSELECT_OUT : 0) |
                (ev & (POLLERR | POLLNVAL) ? CURL_CSELECT_ERR : 0));
    }
    now = calypso_conn_mono_ms();
    if (m->timer_at >= 0 && now >= m->timer_at) {
      m->timer_at = -1;
      act(m, CURL_SOCKET_TIMEOUT, 0);
    }
    n = collect(L, m, n);
    now = calypso_conn_mono_ms();
    if (n > 0 || now >= end) break;
  }
  lua_pushinteger(L, m->active);
  return 2;
}

/* client:outcome(slot) -> result | nil, err */
int calypso_multi_outcome(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  transfer *t = slot_of(L, c->multi, 2);
  luaL_argcheck(L, t->state == T_ENDED, 2, "the request has not ended");
  return calypso_exchange_finish(L, &t->ex);
}

/* client:release(slot) -> nothing */
int calypso_multi_release(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  calypso_multi *m = c->multi;
  transfer *t = slot_of(L, m, 2);
  if (t->state == T_RUNNING) {
    curl_multi_remove_handle(m->handle, t->easy);
    m->active--;
  }
  m->slots[t->slot - 1] = NULL;
  if (m->nspare < SPARE_MAX) {
    calypso_buf_reset(&t->ex.response);
    m->spare[m->nspare++] = t;
  } else {
    transfer_free(t);
  }
  return 0;
}

/* client:watch() -> { [fd] = "r" | "w" | "rw" }, seconds | nil */
int calypso_multi_watch(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  calypso_multi *m = c->multi;
  int i;
  lua_newtable(L);
  if (m == NULL || m->pid != getpid()) {
    lua_pushnil(L);
    return 2;
  }
  for (i = 0; i < m->nwatch; i++) {
    short ev = m->watch[i].events;
    lua_pushstring(L, (ev & POLLIN) && (ev & POLLOUT) ? "rw" : ev & POLLOUT ? "w" : "r");
    lua_rawseti(L, -2, (lua_Integer)m->watch[i].fd);
  }
  if (m->timer_at < 0) {
    lua_pushnil(L);
  } else {
    long long left = m->timer_at - calypso_conn_mono_ms();
    lua_pushnumber(L, left > 0 ? (lua_Number)left / 1000 : 0);
  }
  return 2;
}
