/* exchange.c: one request's answer, and what the call returns for it.
 * Both transports fill a calypso_exchange: the blocking one in C (conn.c),
 * and the nginx cosocket one in Lua, through the object client:prepare()
 * returns.  Either way this file decides the outcome, so the error model is
 * the same whatever carried the bytes.
 *   ex:feed(bytes) -> done     parse what arrived; true once the answer is whole or broken
 *   ex:eof() -> true           the server closed the connection
 *   ex:sent()                  request bytes have left for the server
 *   ex:fail(kind, message)     the transport failed: "network", "tls" or "timeout"
 *   ex:reusable() -> bool      may the connection carry another exchange?
 *   ex:finish() -> result | nil, err */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calypso.h"

void calypso_exchange_start(calypso_exchange *ex) {
  calypso_http1_start(&ex->parser);
  calypso_buf_reset(&ex->response);
  ex->request_sent = 0;
  ex->failure_kind = NULL;
  ex->failure[0] = '\0';
}

/* The 2xx case: the body must be one JSON object; unknown fields are kept. */
static int decoded_result(lua_State *L, calypso_exchange *ex, calypso_error *e) {
  const char *data = ex->response.data ? ex->response.data : "";
  size_t len = ex->response.len;
  int status = (int)e->status;
  e->kind = "decode";
  if (!calypso_json_is_object(data, len))
    return calypso_fail(L, e, "HTTP %d response is not a JSON object", status);
  if (!calypso_json_decode(L, data, len))
    return calypso_fail(L, e, "HTTP %d response is not valid JSON: %s", status, lua_tostring(L, -1));
  return 1;
}

/* Non-2xx: keep what a Calypso error body says; any other body (an HTML
 * proxy page, say) still gives kind "api" with its status. */
static int api_error(lua_State *L, calypso_exchange *ex, calypso_error *e) {
  const char *data = ex->response.data ? ex->response.data : "";
  size_t len = ex->response.len;
  e->kind = "api";
  if (calypso_json_is_object(data, len) && calypso_json_decode(L, data, len) && lua_istable(L, -1)) {
    int t = lua_gettop(L);
    lua_getfield(L, t, "errorCode");
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
      e->code = lua_tostring(L, -1);
    lua_getfield(L, t, "message");
    if (lua_type(L, -1) == LUA_TSTRING) e->message = lua_tostring(L, -1);
    lua_getfield(L, t, "traceId");
    if (lua_type(L, -1) == LUA_TSTRING) e->trace_id = lua_tostring(L, -1);
  }
  return calypso_push_error(L, e);
}

/* Retry-After is delta-seconds or an HTTP date; < 0 when absent or unreadable. */
static double retry_after_seconds(const char *v) {
  char *end;
  double s;
  time_t at;
  if (v[0] == '\0') return -1;
  s = strtod(v, &end);
  if (end != v && *end == '\0') return s < 0 ? -1 : s;
  at = curl_getdate(v, NULL);
  if (at < 0) return -1;
  return at > time(NULL) ? (double)(at - time(NULL)) : 0;
}

int calypso_exchange_finish(lua_State *L, calypso_exchange *ex) {
  calypso_http1 *p = &ex->parser;
  calypso_error e = calypso_error_init(NULL, p->status);
  e.request_sent = ex->request_sent;
  if (!ex->failure_kind && calypso_http1_done(p) && p->status >= 200 && p->status < 300)
    return decoded_result(L, ex, &e);
  /* Every other outcome fails: say what the retry policy needs to know. */
  e.retry_after = retry_after_seconds(p->retry_after);
  e.date = p->date[0] ? (long long)curl_getdate(p->date, NULL) : 0;
  if (e.date < 0) e.date = 0;
  if (ex->response.overflow) {
    /* A refusal too big to keep (an HTML 502, say) stays "api" with its
     * status, so the retry policy can still act on it. */
    e.kind = p->status >= 300 ? "api" : "decode";
    return calypso_fail(L, &e, "response body is larger than max_response_bytes (%d)",
                        (int)ex->response.max);
  }
  if (ex->failure_kind) {
    const char *why = ex->failure[0] ? ex->failure : "the transport failed";
    e.kind = ex->failure_kind;
    if (strcmp(e.kind, "tls") == 0)
      return calypso_fail(L, &e, "%s (the server's certificate or TLS handshake was refused:"
                                 " check the cafile option, or the system CA bundle"
                                 " from the ca-certificates package)", why);
    return calypso_fail(L, &e, "%s", why);
  }
  if (!calypso_http1_done(p)) {
    e.kind = "network";
    return calypso_fail(L, &e, "%s", p->error ? p->error : "the answer is incomplete");
  }
  return api_error(L, ex, &e);
}

calypso_exchange *calypso_exchange_push(lua_State *L, size_t max_response) {
  calypso_exchange *ex = lua_newuserdatauv(L, sizeof *ex, 0);
  memset(ex, 0, sizeof *ex);
  ex->response.max = max_response;
  calypso_exchange_start(ex);
  luaL_getmetatable(L, CALYPSO_EXCHANGE_MT);
  lua_setmetatable(L, -2);
  return ex;
}

static calypso_exchange *check(lua_State *L) {
  return luaL_checkudata(L, 1, CALYPSO_EXCHANGE_MT);
}

static int finished(const calypso_exchange *ex) {
  return ex->failure_kind || calypso_http1_done(&ex->parser) || calypso_http1_failed(&ex->parser);
}

/* ex:feed(bytes) -> done */
static int l_feed(lua_State *L) {
  calypso_exchange *ex = check(L);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  if (!finished(ex) && calypso_http1_feed(&ex->parser, data, len, &ex->response) < len &&
      calypso_http1_done(&ex->parser))
    ex->parser.conn_close = 1; /* bytes after the answer: the stream is not ours to reuse */
  lua_pushboolean(L, finished(ex));
  return 1;
}

/* ex:eof() -> true */
static int l_eof(lua_State *L) {
  calypso_exchange *ex = check(L);
  if (!finished(ex)) calypso_http1_eof(&ex->parser);
  lua_pushboolean(L, 1);
  return 1;
}

/* ex:sent() */
static int l_sent(lua_State *L) {
  check(L)->request_sent = 1;
  return 0;
}

/* ex:fail(kind, message) */
static int l_fail(lua_State *L) {
  static const char *const kinds[] = {"network", "tls", "timeout", NULL};
  calypso_exchange *ex = check(L);
  ex->failure_kind = kinds[luaL_checkoption(L, 2, NULL, kinds)];
  snprintf(ex->failure, sizeof ex->failure, "%s", luaL_checkstring(L, 3));
  return 0;
}

/* ex:reusable() -> bool */
static int l_reusable(lua_State *L) {
  calypso_exchange *ex = check(L);
  lua_pushboolean(L, !ex->failure_kind && calypso_http1_reusable(&ex->parser));
  return 1;
}

/* ex:finish() -> result | nil, err */
static int l_finish(lua_State *L) {
  return calypso_exchange_finish(L, check(L));
}

static int l_gc(lua_State *L) {
  calypso_buf_free(&check(L)->response);
  return 0;
}

void calypso_exchange_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"feed", l_feed},         {"eof", l_eof},
                                     {"sent", l_sent},         {"fail", l_fail},
                                     {"reusable", l_reusable}, {"finish", l_finish},
                                     {NULL, NULL}};
  luaL_newmetatable(L, CALYPSO_EXCHANGE_MT);
  lua_pushcfunction(L, l_gc);
  lua_setfield(L, -2, "__gc");
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, CALYPSO_EXCHANGE_MT);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
}
