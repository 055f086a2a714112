/* answer.c: one answer arriving over a byte stream the core does not own.
 * A transport feeds it what it reads and reports what happened to the
 * stream; the answer object turns that into facts, and outcome.c judges
 * them.  (It was exchange.c and core.exchange: "exchange" is also an API
 * group, client.exchange.)
 * The blocking transport (conn.c) uses the C side; the nginx cosocket one
 * (lua/calypso/cosocket.lua) and the unit specs use the Lua object:
 *   core.answer(max_response_bytes) -> ex   a fresh one (client:prepare() makes one too)
 *   ex:feed(bytes) -> done     parse what arrived; true once the answer is whole or broken
 *   ex:eof() -> true           the server closed the connection
 *   ex:sent()                  request bytes may leave from now on: call it before
 *                              writing, since a partial write leaves no count
 *   ex:fail(class, detail)     the transport failed; class as in calypso_facts
 *                              ("dns", "connect", "tls", "timeout", "reset", "closed", ...)
 *   ex:finish() -> result | nil, err   the verdict (outcome.c), once; for the
 *                              answer client:tunnel() gives, true | nil, err
 *   ex:reusable() -> bool      after finish: may the connection carry another exchange?
 *   ex:stats() -> status, received   the final status (0: none) and the bytes fed
 *   ex:facts() -> t            what the judge will see: status, body, complete, over_cap,
 *                              reusable (the framing's say only), bad_framing, failure,
 *                              request_sent; for tests and for looking closer */
#include <stdio.h>
#include <string.h>
#include "calypso.h"

void calypso_answer_start(calypso_answer *ex) {
  calypso_http1_start(&ex->parser);
  calypso_buf_reset(&ex->response);
  ex->request_sent = 0;
  ex->received = 0;
  ex->failure = NULL;
  ex->keep = 0;
  ex->detail[0] = '\0';
}
/* (empty_ok and tunnel belong to the answer object for its life: set once) */

static int finished(const calypso_answer *ex) {
  return ex->failure || calypso_http1_done(&ex->parser) || calypso_http1_failed(&ex->parser);
}

void calypso_answer_fail(calypso_answer *ex, const char *failure) {
  if (!finished(ex)) ex->failure = failure;
}

int calypso_answer_feed(calypso_answer *ex, const char *data, size_t n) {
  ex->received += n;
  if (!finished(ex)) calypso_http1_feed(&ex->parser, data, n, &ex->response);
  return finished(ex);
}

/* Before a whole answer, the stream was closed under us; after a body
 * framed by the close, this ends it. */
void calypso_answer_eof(calypso_answer *ex) {
  if (finished(ex)) return;
  calypso_http1_eof(&ex->parser);
  if (calypso_http1_failed(&ex->parser)) {
    snprintf(ex->detail, sizeof ex->detail, "%s", ex->parser.error);
    ex->failure = "closed";
  }
}

void calypso_answer_facts(const calypso_answer *ex, calypso_facts *f) {
  const calypso_http1 *p = &ex->parser;
  memset(f, 0, sizeof *f);
  f->status = p->status;
  f->body = ex->response.data;
  f->len = ex->response.len;
  f->cap = ex->response.max;
  f->complete = calypso_http1_done(p);
  f->over_cap = ex->response.overflow;
  f->reusable = calypso_http1_reusable(p);
  f->bad_framing = calypso_http1_failed(p) ? p->error : NULL;
  f->failure = ex->failure;
  f->detail = ex->detail;
  f->request_sent = ex->request_sent;
  f->empty_ok = ex->empty_ok;
  f->list_ok = ex->list_ok;
  f->decode = ex->decode;
  f->peer = ex->peer;
  f->kept = &p->kept;
}

/* The answer to CONNECT: its head, and a small body when it refuses. */
calypso_answer *calypso_answer_push_tunnel(lua_State *L) {
  calypso_answer *ex = calypso_answer_push(L, 64 * 1024);
  calypso_http1_start_tunnel(&ex->parser);
  ex->tunnel = 1;
  return ex;
}

calypso_answer *calypso_answer_push(lua_State *L, size_t max_response) {
  calypso_answer *ex = lua_newuserdatauv(L, sizeof *ex, 0);
  memset(ex, 0, sizeof *ex);
  ex->response.max = max_response;
  calypso_answer_start(ex);
  luaL_getmetatable(L, CALYPSO_ANSWER_MT);
  lua_setmetatable(L, -2);
  return ex;
}

static calypso_answer *check(lua_State *L) {
  return luaL_checkudata(L, 1, CALYPSO_ANSWER_MT);
}

/* core.answer(max_response_bytes) -> ex */
static int l_new(lua_State *L) {
  lua_Number max = luaL_checknumber(L, 1);
  luaL_argcheck(L, max >= 1 && max <= 2147483647.0 && max == (lua_Number)(long)max, 1,
                "max_response_bytes must be a whole number from 1 to 2147483647");
  calypso_answer_push(L, (size_t)max);
  return 1;
}

/* ex:feed(bytes) -> done */
static int l_feed(lua_State *L) {
  calypso_answer *ex = check(L);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  lua_pushboolean(L, calypso_answer_feed(ex, data, len));
  return 1;
}

/* ex:eof() -> true.  Before a whole answer, the stream was closed under us. */
static int l_eof(lua_State *L) {
  calypso_answer_eof(check(L));
  lua_pushboolean(L, 1);
  return 1;
}

/* ex:sent() */
static int l_sent(lua_State *L) {
  check(L)->request_sent = 1;
  return 0;
}

/* ex:fail(class, detail [, trust]).  trust: the trust store the transport
 * verified against, when it is its own (nginx's
 * "lua_ssl_trusted_certificate"), for the words of a TLS failure.  Raises
 * for a class outcome.c does not know. */
static int l_fail(lua_State *L) {
  calypso_answer *ex = check(L);
  const char *failure = calypso_failure_class(luaL_checkstring(L, 2));
  luaL_argcheck(L, failure != NULL, 2, "not a failure class");
  snprintf(ex->detail, sizeof ex->detail, "%s", luaL_checkstring(L, 3));
  if (!lua_isnoneornil(L, 4))
    snprintf(ex->peer.trust_name, sizeof ex->peer.trust_name, "%s", luaL_checkstring(L, 4));
  calypso_answer_fail(ex, failure);
  return 0;
}

/* ex:finish() -> result | nil, err */
static int l_finish(lua_State *L) {
  calypso_answer *ex = check(L);
  calypso_facts f;
  calypso_answer_facts(ex, &f);
  if (ex->tunnel) return calypso_tunnel_outcome(L, &f);
  return calypso_outcome(L, &f, &ex->keep);
}

/* ex:reusable() -> bool */
static int l_reusable(lua_State *L) {
  lua_pushboolean(L, check(L)->keep);
  return 1;
}

static void set_bool(lua_State *L, const char *name, int value) {
  lua_pushboolean(L, value);
  lua_setfield(L, -2, name);
}

/* ex:stats() -> status, received */
static int l_stats(lua_State *L) {
  calypso_answer *ex = check(L);
  lua_pushinteger(L, ex->parser.status);
  lua_pushinteger(L, (lua_Integer)ex->received);
  return 2;
}

/* ex:facts() -> t */
static int l_facts(lua_State *L) {
  calypso_answer *ex = check(L);
  calypso_facts f;
  calypso_answer_facts(ex, &f);
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, f.status);
  lua_setfield(L, -2, "status");
  lua_pushlstring(L, f.body ? f.body : "", f.len);
  lua_setfield(L, -2, "body");
  set_bool(L, "complete", f.complete);
  set_bool(L, "over_cap", f.over_cap);
  set_bool(L, "reusable", f.reusable);
  set_bool(L, "request_sent", f.request_sent);
  if (f.bad_framing) {
    lua_pushstring(L, f.bad_framing);
    lua_setfield(L, -2, "bad_framing");
  }
  if (f.failure) {
    lua_pushstring(L, f.failure);
    lua_setfield(L, -2, "failure");
  }
  return 1;
}

static int l_gc(lua_State *L) {
  calypso_buf_free(&check(L)->response);
  return 0;
}

void calypso_answer_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"feed", l_feed},         {"eof", l_eof},
                                     {"sent", l_sent},         {"fail", l_fail},
                                     {"reusable", l_reusable}, {"finish", l_finish},
                                     {"facts", l_facts},       {"stats", l_stats},
                                     {NULL, NULL}};
  luaL_newmetatable(L, CALYPSO_ANSWER_MT);
  lua_pushcfunction(L, l_gc);
  lua_setfield(L, -2, "__gc");
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, CALYPSO_ANSWER_MT);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_new);
  lua_setfield(L, -2, "answer");
}
