/* call.c: one signed attempt, and nothing about any endpoint.
 *   envelope {"account","timestamp","payload"} -> bytes (private lua-cjson)
 *   -> HMAC-SHA512 of exactly those bytes -> HTTPS POST -> result or error.
 * Each attempt is stamped (local clock + the client's offset) and signed
 * afresh.  Whether to try again is the Lua retry policy's business; an error
 * carries what it needs: request_sent, retry_after, date.
 * Every runtime outcome leaves through error.c as nil, err; only a wrong
 * argument, a closed client or memory exhaustion (in OpenSSL too) raises.
 * The body is a Lua string that stays on the stack while libcurl reads it,
 * so it is never copied into C. */
#include <stdio.h>
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

/* Pushes the envelope for the payload table at idx stamped `ts` and returns
 * 1; or pushes nil and a validation error and returns 0. */
static int push_body(lua_State *L, calypso_client *c, int idx, long long ts) {
  char stamp[32];
  size_t len;
  const char *payload;
  luaL_Buffer b;
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
  snprintf(stamp, sizeof stamp, "%lld", ts);
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, c->prefix, c->prefix_len);
  luaL_addstring(&b, stamp);
  luaL_addstring(&b, ",\"payload\":");
  luaL_addlstring(&b, payload, len);
  luaL_addchar(&b, '}');
  luaL_pushresult(&b);
  lua_remove(L, -2);
  return 1;
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

static int finish(lua_State *L, calypso_client *c, CURLcode rc, long status) {
  calypso_error e = calypso_error_init(NULL, status);
  e.request_sent = c->last.sends > 0;
  e.retry_after = retry_after_seconds(c->last.retry_after);
  e.date = c->last.date[0] ? (long long)curl_getdate(c->last.date, NULL) : 0;
  if (e.date < 0) e.date = 0;
  if (c->response.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
    e.kind = "decode";
    return calypso_fail(L, &e, "response body is larger than max_response_bytes (%d)",
                        (int)c->response.max);
  }
  if (c->response.nomem) {
    e.kind = "decode";
    return calypso_fail(L, &e, "out of memory while reading the response");
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) { /* on_prereq refused libcurl's own resend */
    e.kind = "network";
    return calypso_fail(L, &e, "the connection closed with no answer after the request was "
                               "sent; it was not resent, since the server may have acted on it");
  }
  if (rc != CURLE_OK) {
    const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
    e.kind = calypso_http_kind(c, rc);
    if (strcmp(e.kind, "tls") == 0)
      return calypso_fail(L, &e, "%s (the server's certificate or TLS handshake was refused:"
                                 " check the cafile option, or the system CA bundle"
                                 " from the ca-certificates package)", why);
    return calypso_fail(L, &e, "%s", why);
  }
  if (status >= 200 && status < 300) return decoded_result(L, c, &e);
  return api_error(L, c, &e);
}

static void sign_into(lua_State *L, calypso_client *c, const char *body, size_t len, char *out) {
  if (!calypso_sign_hex(c->secret, c->secret_len, body, len, out))
    luaL_error(L, "calypso: HMAC-SHA512 failed");
}

/* client:attempt(path, payload [, timeout]) -> result | nil, err
 * path: "/api/v1/..." (appended to base_url); payload: a table that encodes
 * to a JSON object; timeout: seconds for this attempt, at most the client's.
 * Stamps, signs and POSTs the envelope once; result is the decoded JSON
 * object of a 2xx answer.  In a child process after fork() it first drops
 * the parent's connections (sockets.c). */
int calypso_client_attempt(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  size_t path_len, body_len;
  const char *path = luaL_checklstring(L, 2, &path_len), *body;
  long status, timeout_ms = c->timeout_ms;
  CURLcode rc;
  luaL_argcheck(L, path_ok(path, path_len), 2, "path must start with '/' and be visible ASCII");
  luaL_checktype(L, 3, LUA_TTABLE);
  if (!lua_isnoneornil(L, 4)) {
    lua_Number s = luaL_checknumber(L, 4);
    luaL_argcheck(L, s > 0, 4, "timeout must be positive");
    if (s * 1000 < (lua_Number)timeout_ms) timeout_ms = s * 1000 < 1 ? 1 : (long)(s * 1000);
  }
  lua_settop(L, 3);
  if (!calypso_sockets_after_fork(c)) {
    calypso_error e = calypso_error_init("network", 0);
    return calypso_fail(L, &e, "could not renew the connection after fork()");
  }
  if (!push_body(L, c, 3, calypso_clock_ms() + c->clock_offset_ms)) return 2;
  body = lua_tolstring(L, 4, &body_len);
  sign_into(L, c, body, body_len, c->sign_line + sizeof CALYPSO_SIGN_PREFIX - 1);
  lua_pushfstring(L, "%s%s", c->base_url, path);
  rc = calypso_http_post(c, lua_tostring(L, 5), body, body_len, timeout_ms, &status);
  return finish(L, c, rc, status);
}

/* client:envelope(payload [, timestamp_ms]) -> body, sign | nil, err
 * The exact bytes and Sign that attempt() would send, without sending them;
 * timestamp_ms defaults to now (with the clock offset).  For tests and for
 * other transports. */
int calypso_client_envelope(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  long long ts;
  size_t len;
  const char *body;
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
  if (!push_body(L, c, 2, ts)) return 2;
  body = lua_tolstring(L, -1, &len);
  sign_into(L, c, body, len, sign);
  lua_pushlstring(L, sign, sizeof sign);
  return 2;
}
