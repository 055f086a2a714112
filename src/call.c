/* call.c: the one signed call, and nothing about any endpoint.
 *   envelope {"account","timestamp","payload"} -> bytes (private lua-cjson)
 *   -> HMAC-SHA512 of exactly those bytes -> HTTPS POST -> result or error.
 * Every runtime outcome leaves through error.c as nil, err; only a wrong
 * argument, a closed client or memory exhaustion (in OpenSSL too) raises.
 * The body is a Lua string that stays on the stack while libcurl reads it,
 * so it is never copied into C. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "calypso.h"

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
  if (!calypso_json_encode(L, idx)) {
    calypso_fail(L, "validation", 0, "payload cannot be encoded as JSON: %s", lua_tostring(L, -1));
    return 0;
  }
  payload = lua_tolstring(L, -1, &len);
  if (!is_object(payload, len)) {
    calypso_fail(L, "validation", 0, "payload must be a JSON object (string keys, or empty)");
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
static int decoded_result(lua_State *L, calypso_client *c, long status) {
  const char *data = c->response.data ? c->response.data : "";
  size_t len = c->response.len;
  if (!is_object(data, len))
    return calypso_fail(L, "decode", status, "HTTP %d response is not a JSON object", (int)status);
  if (!calypso_json_decode(L, data, len))
    return calypso_fail(L, "decode", status, "HTTP %d response is not valid JSON: %s", (int)status,
                        lua_tostring(L, -1));
  return 1;
}

/* Non-2xx: keep what a Calypso error body says; any other body (an HTML
 * proxy page, say) still gives kind "api" with its status. */
static int api_error(lua_State *L, calypso_client *c, long status) {
  const char *data = c->response.data ? c->response.data : "";
  size_t len = c->response.len;
  calypso_error e;
  memset(&e, 0, sizeof e);
  e.kind = "api";
  e.status = status;
  if (is_object(data, len) && calypso_json_decode(L, data, len) && lua_istable(L, -1)) {
    int t = lua_gettop(L);
    lua_getfield(L, t, "errorCode");
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
      e.code = lua_tostring(L, -1);
    lua_getfield(L, t, "message");
    if (lua_type(L, -1) == LUA_TSTRING) e.message = lua_tostring(L, -1);
    lua_getfield(L, t, "traceId");
    if (lua_type(L, -1) == LUA_TSTRING) e.trace_id = lua_tostring(L, -1);
  }
  return calypso_push_error(L, &e);
}

static int finish(lua_State *L, calypso_client *c, CURLcode rc, long status) {
  if (c->response.overflow || rc == CURLE_FILESIZE_EXCEEDED)
    return calypso_fail(L, "decode", status, "response body is larger than max_response_bytes (%d)",
                        (int)c->response.max);
  if (c->response.nomem)
    return calypso_fail(L, "decode", status, "out of memory while reading the response");
  if (rc != CURLE_OK)
    return calypso_fail(L, calypso_http_kind(rc), status, "%s",
                        c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
  if (status >= 200 && status < 300) return decoded_result(L, c, status);
  return api_error(L, c, status);
}

static void sign_into(lua_State *L, calypso_client *c, const char *body, size_t len, char *out) {
  if (!calypso_sign_hex(c->secret, c->secret_len, body, len, out))
    luaL_error(L, "calypso: HMAC-SHA512 failed");
}

/* client:call(path, payload) -> result | nil, err
 * path: "/api/v1/..." (appended to base_url); payload: a table that encodes
 * to a JSON object.  Stamps, signs and POSTs the envelope; result is the
 * decoded JSON object of a 2xx answer. */
int calypso_client_call(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  size_t path_len, body_len;
  const char *path = luaL_checklstring(L, 2, &path_len), *body;
  long status;
  CURLcode rc;
  luaL_argcheck(L, path_ok(path, path_len), 2, "path must start with '/' and be visible ASCII");
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  if (!push_body(L, c, 3, now_ms())) return 2;
  body = lua_tolstring(L, 4, &body_len);
  sign_into(L, c, body, body_len, c->sign_line + sizeof CALYPSO_SIGN_PREFIX - 1);
  lua_pushfstring(L, "%s%s", c->base_url, path);
  rc = calypso_http_post(c, lua_tostring(L, 5), body, body_len, &status);
  return finish(L, c, rc, status);
}

/* client:envelope(payload [, timestamp_ms]) -> body, sign | nil, err
 * The exact bytes and Sign that call() would send, without sending them;
 * timestamp_ms defaults to now.  For tests and for other transports. */
int calypso_client_envelope(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  long long ts;
  size_t len;
  const char *body;
  char sign[CALYPSO_SIGN_HEX_LEN];
  luaL_checktype(L, 2, LUA_TTABLE);
  if (lua_isnoneornil(L, 3)) {
    ts = now_ms();
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
