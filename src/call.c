/* call.c: one signed attempt, and nothing about any endpoint.
 *   envelope {"account","timestamp","payload"} -> bytes (private lua-cjson)
 *   -> HMAC-SHA512 of exactly those bytes -> HTTP/1.1 request (http1.c)
 *   -> one exchange on the connection (conn.c) -> result or error.
 * Each attempt is stamped (local clock + the client's offset) and signed
 * afresh.  Whether to try again is the Lua retry policy's business; an error
 * carries what it needs: request_sent, retry_after, date.
 * Every runtime outcome leaves through error.c as nil, err; only a wrong
 * argument, a closed client or memory exhaustion (in OpenSSL too) raises.
 * Body, request and response live in the client's reused buffers: a call's
 * only copies are the payload's JSON into the body and the body into the
 * request. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calypso.h"

static int path_ok(const char *p, size_t len) {
  size_t i;
  if (len == 0 || p[0] != '/') return 0;
  for (i = 0; i < len; i++)
    if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f) return 0;
  return 1;
}

static int is_object(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i < len && s[i] == '{';
}

/* Writes the envelope for the payload table at idx, stamped `ts`, into
 * c->body and returns 1; or pushes nil and a validation error and returns 0. */
static int build_body(lua_State *L, calypso_client *c, int idx, long long ts) {
  size_t len;
  const char *payload;
  int ok;
  calypso_error e = calypso_error_init("validation", 0);
  if (!calypso_json_encode(L, idx)) {
    calypso_fail(L, &e, "payload cannot be encoded as JSON: %s", lua_tostring(L, -1));
    return 0;
  }
  payload = lua_tolstring(L, -1, &len);
  if (!is_object(payload, len)) {
    calypso_fail(L, &e, "payload must be a JSON object (string keys, or empty)");
    return 0;
  }
  calypso_buf_reset(&c->body);
  ok = calypso_buf_append(&c->body, c->prefix, c->prefix_len) &&
       calypso_buf_append_decimal(&c->body, (unsigned long long)ts) &&
       calypso_buf_appends(&c->body, ",\"payload\":") &&
       calypso_buf_append(&c->body, payload, len) && calypso_buf_appends(&c->body, "}");
  lua_pop(L, 1);
  if (!ok && c->body.nomem) luaL_error(L, "calypso: out of memory");
  if (!ok) {
    calypso_fail(L, &e, "the request body would be larger than %d bytes", (int)c->body.max);
    return 0;
  }
  return 1;
}

static void sign_body(lua_State *L, calypso_client *c, char out[CALYPSO_SIGN_HEX_LEN]) {
  if (!calypso_signer_hex(c->signer, c->body.data, c->body.len, out))
    luaL_error(L, "calypso: HMAC-SHA512 failed");
}

/* The 2xx case: the body must be one JSON object; unknown fields are kept. */
static int decoded_result(lua_State *L, calypso_client *c, calypso_error *e) {
  const char *data = c->response.data ? c->response.data : "";
  size_t len = c->response.len;
  int status = (int)e->status;
  e->kind = "decode";
  if (!is_object(data, len)) return calypso_fail(L, e, "HTTP %d response is not a JSON object", status);
  if (!calypso_json_decode(L, data, len))
    return calypso_fail(L, e, "HTTP %d response is not valid JSON: %s", status, lua_tostring(L, -1));
  return 1;
}

/* Non-2xx: keep what a Calypso error body says; any other body (an HTML
 * proxy page, say) still gives kind "api" with its status. */
static int api_error(lua_State *L, calypso_client *c, calypso_error *e) {
  const char *data = c->response.data ? c->response.data : "";
  size_t len = c->response.len;
  e->kind = "api";
  if (is_object(data, len) && calypso_json_decode(L, data, len) && lua_istable(L, -1)) {
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

static int finish(lua_State *L, calypso_client *c, CURLcode rc) {
  calypso_http1 *p = &c->parser;
  calypso_error e = calypso_error_init(NULL, p->status);
  e.request_sent = c->request_sent;
  if (rc == CURLE_OK && p->status >= 200 && p->status < 300) return decoded_result(L, c, &e);
  /* Every other outcome fails: say what the retry policy needs to know. */
  e.retry_after = retry_after_seconds(p->retry_after);
  e.date = p->date[0] ? (long long)curl_getdate(p->date, NULL) : 0;
  if (e.date < 0) e.date = 0;
  if (c->response.overflow) {
    /* A refusal too big to keep (an HTML 502, say) stays "api" with its
     * status, so the retry policy can still act on it. */
    e.kind = p->status >= 300 ? "api" : "decode";
    return calypso_fail(L, &e, "response body is larger than max_response_bytes (%d)",
                        (int)c->response.max);
  }
  if (rc != CURLE_OK) {
    const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
    e.kind = c->failure_kind;
    if (strcmp(e.kind, "tls") == 0)
      return calypso_fail(L, &e, "%s (the server's certificate or TLS handshake was refused:"
                                 " check the cafile option, or the system CA bundle"
                                 " from the ca-certificates package)", why);
    return calypso_fail(L, &e, "%s", why);
  }
  return api_error(L, c, &e);
}

/* client:attempt(path, payload [, timeout]) -> result | nil, err
 * path: "/api/v1/..." (appended to base_url); payload: a table that encodes
 * to a JSON object; timeout: seconds for this attempt, at most the client's.
 * Stamps, signs and POSTs the envelope once; result is the decoded JSON
 * object of a 2xx answer.  In a child process after fork() it first drops
 * the parent's connection (conn.c, sockets.c). */
int calypso_client_attempt(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  size_t path_len;
  const char *path = luaL_checklstring(L, 2, &path_len);
  long timeout_ms = c->timeout_ms;
  char sign[CALYPSO_SIGN_HEX_LEN];
  luaL_argcheck(L, path_ok(path, path_len), 2, "path must start with '/' and be visible ASCII");
  luaL_checktype(L, 3, LUA_TTABLE);
  if (!lua_isnoneornil(L, 4)) {
    lua_Number s = luaL_checknumber(L, 4);
    luaL_argcheck(L, s > 0, 4, "timeout must be positive");
    if (s * 1000 < (lua_Number)timeout_ms) timeout_ms = s * 1000 < 1 ? 1 : (long)(s * 1000);
  }
  lua_settop(L, 3);
  if (!calypso_conn_after_fork(c)) luaL_error(L, "calypso: out of memory renewing the connection");
  if (!build_body(L, c, 3, calypso_clock_ms() + c->clock_offset_ms)) return 2;
  sign_body(L, c, sign);
  if (!calypso_http1_request(&c->request, c->path_prefix, path, c->head, c->head_len, sign, &c->body))
    luaL_error(L, "calypso: out of memory");
  return finish(L, c, calypso_conn_exchange(c, timeout_ms));
}

/* client:envelope(payload [, timestamp_ms]) -> body, sign | nil, err
 * The exact bytes and Sign that attempt() would send, without sending them;
 * timestamp_ms defaults to now (with the clock offset).  For tests and for
 * other transports. */
int calypso_client_envelope(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  long long ts;
  char sign[CALYPSO_SIGN_HEX_LEN];
  luaL_checktype(L, 2, LUA_TTABLE);
  if (lua_isnoneornil(L, 3)) {
    ts = calypso_clock_ms() + c->clock_offset_ms;
  } else {
    lua_Number n = luaL_checknumber(L, 3);
    luaL_argcheck(L, n >= 0 && n < 9.007199254740992e15 && n == (lua_Number)(long long)n, 3,
                  "timestamp must be a whole number of milliseconds");
    ts = (long long)n;
  }
  lua_settop(L, 2);
  if (!build_body(L, c, 2, ts)) return 2;
  sign_body(L, c, sign);
  lua_pushlstring(L, c->body.data, c->body.len);
  lua_pushlstring(L, sign, sizeof sign);
  return 2;
}
