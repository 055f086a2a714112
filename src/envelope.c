/* envelope.c: the signed envelope, and the arguments every transport checks.
 *   {"account":…,"timestamp":…,"payload":{…}} (or the route's other shape)
 *   -> bytes (encode.c) -> HMAC-SHA512 of exactly those bytes (sign.c)
 * built into the client's reused body buffer, for the blocking attempt and
 * prepare (call.c) and client.async's transfers (multi.c); and
 * client:envelope(), the same bytes and Sign without sending anything.
 * Split from call.c, which kept the attempt. */
#include <stdlib.h>
#include <string.h>
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
  calypso_error e;
  const char *why = "the request would be larger than 64 MiB";
  int account = calypso_route_has_account(route);
  const char *prefix = route->prefix ? route->prefix : c->prefix; /* the call's account, or the client's */
  size_t prefix_len = route->prefix ? route->prefix_len : c->prefix_len;
  calypso_buf_reset(out);
  if (ts_at) *ts_at = account ? prefix_len : sizeof BARE_PREFIX - 1;
  if (!(account ? calypso_buf_append(out, prefix, prefix_len) : calypso_buf_appends(out, BARE_PREFIX)) ||
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
  e = calypso_error_init("validation", 0); /* only on the way out: a success builds no error */
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

/* The Sign of the client's current body, as hex into out. */
void calypso_sign_body(lua_State *L, calypso_client *c, char out[CALYPSO_SIGN_HEX_LEN]) {
  if (!calypso_signer_hex(c->signer, c->body.data, c->body.len, out))
    luaL_error(L, "calypso: HMAC-SHA512 failed");
}

/* client:envelope(payload [, timestamp_ms [, route]]) -> body, sign | nil, err
 * The exact bytes and Sign that attempt() would send, without sending them;
 * timestamp_ms defaults to now (with the clock offset).  For tests and for
 * other transports.  It is also core.envelope, which client.lua makes the Lua
 * client's own method: self is then the Lua client, whose _core is the core
 * client, and no route is taken (the call pays no Lua function between). */
static int l_envelope(lua_State *L) {
  calypso_client *c;
  const calypso_route *route;
  long long ts;
  char sign[CALYPSO_SIGN_HEX_LEN];
  if (lua_type(L, 1) == LUA_TTABLE) {
    lua_settop(L, 3);
    lua_getfield(L, 1, "_core"); /* Lua 5.1's returns nothing */
    if (lua_type(L, -1) != LUA_TUSERDATA)
      return luaL_error(L, "calypso: call it with a colon: client:envelope(payload [, timestamp_ms])");
    lua_replace(L, 1);
  }
  c = calypso_check_client(L, 1);
  route = calypso_check_route(L, 4);
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
  calypso_sign_body(L, c, sign);
  lua_pushlstring(L, c->body.data, c->body.len);
  lua_pushlstring(L, sign, sizeof sign);
  return 2;
}

void calypso_envelope_open(lua_State *L) { /* the stack: the module, the client methods */
  lua_pushcfunction(L, l_envelope);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "envelope");
  lua_setfield(L, -3, "envelope");
}
