/* call.c: one signed attempt, and nothing about any endpoint.
 *   envelope {"account","timestamp","payload"} -> bytes (encode.c)
 *   -> HMAC-SHA512 of exactly those bytes -> HTTP/1.1 request (http1.c)
 *   -> one exchange on the connection (conn.c) -> result or error (outcome.c)
 *   -> the connection kept or dropped, as the outcome says.
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

#define MAX_PATH 8192

const char *calypso_check_path(lua_State *L, int arg, size_t *len) {
  const char *p = luaL_checklstring(L, arg, len);
  size_t i;
  int ok = *len > 0 && *len <= MAX_PATH && p[0] == '/';
  for (i = 0; ok && i < *len; i++) ok = (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f;
  luaL_argcheck(L, ok, arg, "path must start with '/' and be at most 8192 bytes of visible ASCII");
  return p;
}

#define BARE_PREFIX "{\"timestamp\":"

/* Is the value at idx nil, or a table with nothing in it? */
static int nothing(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return 1;
  if (!lua_istable(L, idx)) return 0;
  lua_pushnil(L);
  if (!lua_next(L, idx)) return 1;
  lua_pop(L, 2);
  return 0;
}

/* The envelope the route asks for into out.  Too large, or a payload that
 * cannot be JSON (or one given to a route that sends none), is a validation
 * error; only running out of memory raises. */
int calypso_build_body(lua_State *L, calypso_client *c, const calypso_route *route, int idx,
                       long long ts, calypso_buf *out, size_t *ts_at) {
  calypso_error e = calypso_error_init("validation", 0);
  const char *why = "the request would be larger than 64 MiB";
  int account = calypso_route_has_account(route);
  calypso_buf_reset(out);
  if (ts_at) *ts_at = account ? c->prefix_len : sizeof BARE_PREFIX - 1;
  if (!(account ? calypso_buf_append(out, c->prefix, c->prefix_len) : calypso_buf_appends(out, BARE_PREFIX)) ||
      !calypso_buf_append_decimal(out, (unsigned long long)ts)) {
    /* too large already: cannot happen with a sane account */
  } else if (!calypso_route_has_payload(route)) {
    why = nothing(L, idx) ? (calypso_buf_appends(out, "}") ? NULL : why)
                          : "this endpoint sends no payload";
  } else if (calypso_buf_appends(out, ",\"payload\":")) {
    size_t payload_at = out->len;
    why = lua_istable(L, idx) ? calypso_json_write(L, idx, out) : "it must be a table";
    if (why == NULL && out->data[payload_at] != '{')
      why = "it must be a JSON object (string keys, or empty)";
    else if (why == NULL && !calypso_buf_appends(out, "}"))
      why = "the request would be larger than 64 MiB";
  }
  if (out->nomem) luaL_error(L, "calypso: out of memory");
  if (why == NULL) return 1;
  calypso_fail(L, &e, "payload cannot be sent: %s", why);
  return 0;
}

/* A timeout argument in seconds, as milliseconds: more than 0, at most
 * 1e6 s (a per-call timeout may be longer or shorter than the client's). */
long calypso_check_timeout(lua_State *L, int arg) {
  lua_Number s = luaL_checknumber(L, arg);
  luaL_argcheck(L, s > 0 && s <= 1e6, arg, "timeout must be more than 0 and at most 1e6 seconds");
  return s * 1000 < 1 ? 1 : (long)(s * 1000);
}

static void sign_body(lua_State *L, calypso_client *c, char out[CALYPSO_SIGN_HEX_LEN]) {
  if (!calypso_signer_hex(c->signer, c->body.data, c->body.len, out))
    luaL_error(L, "calypso: HMAC-SHA512 failed");
}

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
  sign_body(L, c, sign);
  if (!calypso_http1_request(&c->request, calypso_route_method(route), c->path_prefix, path, c->head,
                             c->head_len, sign, &c->body))
    luaL_error(L, "calypso: out of memory");
  if (lua_isfunction(L, 6)) {
    lua_pushvalue(L, 6);
    lua_call(L, 0, 0);
  }
  calypso_conn_exchange(c, timeout_ms);
  c->exchanged = 1;
  calypso_exchange_facts(&c->ex, &facts);
  facts.empty_ok = route->empty_ok;
  facts.list_ok = route->list_ok;
  facts.decode = c->decode;
  calypso_client_peer(c, &facts.peer);
  n = calypso_outcome(L, &facts, &keep);
  calypso_conn_settle(c, keep);
  calypso_tls_errors_clear();
  return n;
}

/* client:prepare(path, payload [, route]) -> request, exchange | nil, err
 * For transports outside the core (nginx cosockets): the whole HTTP/1.1
 * request, stamped and signed now, and the exchange object that parses its
 * answer and gives the call's result (exchange.c).  The core's connection
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
  sign_body(L, c, sign);
  if (!calypso_http1_request(&c->request, calypso_route_method(route), c->path_prefix, path, c->head,
                             c->head_len, sign, &c->body))
    luaL_error(L, "calypso: out of memory");
  lua_pushlstring(L, c->request.data, c->request.len);
  {
    calypso_exchange *ex = calypso_exchange_push(L, c->max_response);
    ex->empty_ok = route->empty_ok;
    ex->list_ok = route->list_ok;
    ex->decode = c->decode;
    calypso_client_peer(c, &ex->peer); /* the transport may name a trust store of its own (ex:fail) */
  }
  return 2;
}

/* client:envelope(payload [, timestamp_ms [, route]]) -> body, sign | nil, err
 * The exact bytes and Sign that attempt() would send, without sending them;
 * timestamp_ms defaults to now (with the clock offset).  For tests and for
 * other transports. */
static int l_envelope(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  const calypso_route *route = calypso_check_route(L, 4);
  long long ts;
  char sign[CALYPSO_SIGN_HEX_LEN];
  if (calypso_route_has_payload(route)) luaL_checktype(L, 2, LUA_TTABLE);
  if (lua_isnoneornil(L, 3)) {
    ts = calypso_clock_ms() + c->clock_offset_ms;
  } else {
    lua_Number n = luaL_checknumber(L, 3);
    luaL_argcheck(L, n >= 0 && n < 9.007199254740992e15 && n == (lua_Number)(long long)n, 3,
                  "timestamp must be a whole number of milliseconds");
    ts = (long long)n;
  }
  lua_settop(L, 4);
  if (!calypso_build_body(L, c, route, 2, ts, &c->body, NULL)) return 2;
  sign_body(L, c, sign);
  lua_pushlstring(L, c->body.data, c->body.len);
  lua_pushlstring(L, sign, sizeof sign);
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

/* client:tunnel() -> request, exchange
 * For transports outside the core that reach base_url through the `proxy`
 * option: the CONNECT request, and the exchange that judges the proxy's
 * answer (its finish() gives true, or nil and err).  Raises if there is no
 * proxy. */
static int l_tunnel(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  luaL_argcheck(L, c->proxy_host != NULL, 1, "the client has no proxy");
  if (!calypso_http1_connect_request(&c->request, c->host, c->port))
    luaL_error(L, "calypso: out of memory");
  lua_pushlstring(L, c->request.data, c->request.len);
  calypso_exchange_push_tunnel(L);
  return 2;
}

void calypso_call_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"attempt", l_attempt},   {"prepare", l_prepare},
                                     {"envelope", l_envelope}, {"tunnel", l_tunnel},
                                     {"last", l_last},         {NULL, NULL}};
  luaL_setfuncs(L, methods, 0);
}
