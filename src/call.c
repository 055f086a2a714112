/* call.c: one signed attempt, and nothing about any endpoint.
 *   the envelope, signed (envelope.c) -> HTTP/1.1 request (request.c)
 *   -> one exchange on the connection (conn.c) -> result or error (outcome.c)
 *   -> the connection kept or dropped, as the outcome says.
 * Also the request and answer object for transports outside the core
 * (prepare, tunnel: nginx cosockets), and what the last attempt moved.
 * Each attempt is stamped (local clock + the client's offset) and signed
 * afresh.  Whether to try again is the Lua retry policy's business; an error
 * carries what it needs: request_sent, retry_after, date (outcome.c).
 * Every runtime outcome leaves through error.c as nil, err; only a wrong
 * argument, a closed client or memory exhaustion (in OpenSSL too) raises.
 * Body, request and response live in the client's reused buffers: a call's
 * only copies are the payload's JSON into the body and the body into the
 * request. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calypso.h"

/* client:attempt(path, payload [, timeout [, route]]) -> result | nil, err
 * path: "/api/v1/..." (appended to base_url); payload: a table that encodes
 * to a JSON object, or nil for a route that sends none; timeout: seconds for
 * this attempt (nil: the client's); route: core.route (nil: POST, full,
 * an object back).  Stamps, signs and sends the envelope once; result is the
 * decoded JSON object of a 2xx answer (or true, for an empty one the route
 * allows).  In a child process after fork() it first drops the parent's
 * connection (conn.c, sockets.c).  on_built (optional): a function called
 * once the request is built and signed, right before it is sent (the
 * on_request hook; it must not use this client); a payload the core
 * refuses never gets that far. */
static int l_attempt(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  size_t path_len;
  const char *path = calypso_check_path(L, 2, &path_len);
  const calypso_route *route = calypso_check_route(L, 5);
  long timeout_ms = lua_isnoneornil(L, 4) ? c->timeout_ms : calypso_check_timeout(L, 4);
  char sign[CALYPSO_SIGN_HEX_LEN];
  calypso_facts facts;
  int keep = 0, n;
  lua_settop(L, 6);
  c->exchanged = 0;
  if (!calypso_conn_after_fork(c)) luaL_error(L, "calypso: out of memory renewing the connection");
  if (!calypso_build_body(L, c, route, 3, calypso_clock_ms() + c->clock_offset_ms, &c->body, NULL))
    return 2;
  calypso_sign_body(L, c, sign);
  if (!calypso_http1_request(&c->request, calypso_route_method(route), c->path_prefix, path, c->head,
                             c->head_len, sign, &c->body))
    luaL_error(L, "calypso: out of memory");
  if (lua_isfunction(L, 6)) {
    lua_pushvalue(L, 6);
    lua_call(L, 0, 0);
  }
  calypso_conn_exchange(c, timeout_ms);
  c->exchanged = 1;
  calypso_answer_facts(&c->ex, &facts);
  facts.empty_ok = route->empty_ok;
  facts.list_ok = route->list_ok;
  facts.decode = c->decode;
  calypso_client_peer(c, &facts.peer);
  n = calypso_outcome(L, &facts, &keep);
  calypso_conn_settle(c, keep);
  calypso_tls_errors_clear();
  return n;
}

/* client:prepare(path, payload [, route]) -> request, answer | nil, err
 * For transports outside the core (nginx cosockets): the whole HTTP/1.1
 * request, stamped and signed now, and the answer object that parses its
 * answer and gives the call's result (answer.c).  The core's connection
 * is not touched. */
static int l_prepare(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  size_t path_len;
  const char *path = calypso_check_path(L, 2, &path_len);
  const calypso_route *route = calypso_check_route(L, 4);
  char sign[CALYPSO_SIGN_HEX_LEN];
  lua_settop(L, 4);
  if (!calypso_build_body(L, c, route, 3, calypso_clock_ms() + c->clock_offset_ms, &c->body, NULL))
    return 2;
  calypso_sign_body(L, c, sign);
  if (!calypso_http1_request(&c->request, calypso_route_method(route), c->path_prefix, path, c->head,
                             c->head_len, sign, &c->body))
    luaL_error(L, "calypso: out of memory");
  lua_pushlstring(L, c->request.data, c->request.len);
  {
    calypso_answer *ex = calypso_answer_push(L, c->max_response);
    ex->empty_ok = route->empty_ok;
    ex->list_ok = route->list_ok;
    ex->decode = c->decode;
    calypso_client_peer(c, &ex->peer); /* the transport may name a trust store of its own (ex:fail) */
  }
  return 2;
}

/* client:last([bodies]) -> status, sent, received [, request_body, response_body]
 * What the last attempt() moved, for hooks and calypso.meta: the final
 * status (0: none), the request's bytes if any may have left (else 0), the
 * bytes read; with bodies, the envelope sent and the body received.  Read it
 * before the next attempt, envelope or tunnel. */
static int l_last(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  if (!c->exchanged) { /* refused before it was sent: nothing moved */
    lua_pushinteger(L, 0);
    lua_pushinteger(L, 0);
    lua_pushinteger(L, 0);
    return 3;
  }
  lua_pushinteger(L, c->ex.parser.status);
  lua_pushinteger(L, c->ex.request_sent ? (lua_Integer)c->request.len : 0);
  lua_pushinteger(L, (lua_Integer)c->ex.received);
  if (!lua_toboolean(L, 2)) return 3;
  lua_pushlstring(L, c->body.data ? c->body.data : "", c->body.len);
  lua_pushlstring(L, c->ex.response.data ? c->ex.response.data : "", c->ex.response.len);
  return 5;
}

/* client:tunnel() -> request, answer
 * For transports outside the core that reach base_url through the `proxy`
 * option: the CONNECT request, and the answer object that judges the proxy's
 * answer (its finish() gives true, or nil and err).  Raises if there is no
 * proxy. */
static int l_tunnel(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  luaL_argcheck(L, c->proxy_host != NULL, 1, "the client has no proxy");
  if (!calypso_http1_connect_request(&c->request, c->host, c->port))
    luaL_error(L, "calypso: out of memory");
  lua_pushlstring(L, c->request.data, c->request.len);
  calypso_answer_push_tunnel(L);
  return 2;
}

void calypso_call_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"attempt", l_attempt},   {"prepare", l_prepare},
                                     {"tunnel", l_tunnel},     {"last", l_last},
                                     {NULL, NULL}};
  luaL_setfuncs(L, methods, 0);
}
