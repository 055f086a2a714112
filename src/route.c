/* route.c: how one endpoint is called, fixed when its row is bound.
 *   core.route{ method = "POST" | "DELETE", envelope = "full" | "account" |
 *               "payload" | "bare", empty = true } -> route
 * method: the request line's (POST unless said).  envelope: which of the
 * documented bodies is signed and sent:
 *   full     {"account":…,"timestamp":…,"payload":{…}}   (most endpoints)
 *   account  {"account":…,"timestamp":…}                 (account, webhook list, ...)
 *   payload  {"timestamp":…,"payload":{…}}               (rate, tariff: no account)
 *   bare     {"timestamp":…}                             (user/current)
 * empty: a 2xx with an empty body is the success `true` (webhook delete);
 * list: a 2xx may carry a JSON array too (where the docs cannot tell);
 * otherwise a 2xx must carry one JSON object.  account: the account the
 * envelope names instead of the client's (a key that acts for several
 * accounts; the per-call option), for the full and account envelopes only.  A route is a userdata so
 * that the transports read it without a table lookup per call; nil, where
 * a route is taken, means POST, full, an object. */
#include <string.h>
#include "calypso.h"

static const char *const methods[] = {"POST", "DELETE", NULL};
static const char *const envelopes[] = {"full", "account", "payload", "bare", NULL};

static const calypso_route default_route = {CALYPSO_POST, CALYPSO_ENVELOPE_FULL, 0, 0, NULL, 0};

const calypso_route *calypso_check_route(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return &default_route;
  return luaL_checkudata(L, idx, CALYPSO_ROUTE_MT);
}

const char *calypso_route_method(const calypso_route *r) {
  return methods[r->method];
}

int calypso_route_has_account(const calypso_route *r) {
  return r->envelope == CALYPSO_ENVELOPE_FULL || r->envelope == CALYPSO_ENVELOPE_ACCOUNT;
}

int calypso_route_has_payload(const calypso_route *r) {
  return r->envelope == CALYPSO_ENVELOPE_FULL || r->envelope == CALYPSO_ENVELOPE_PAYLOAD;
}

/* opts[name] as one of names, or the default; raises naming the field. */
static int option(lua_State *L, const char *name, const char *const names[], int otherwise) {
  int found;
  lua_getfield(L, 1, name);
  found = lua_isnil(L, -1) ? otherwise : luaL_checkoption(L, -1, NULL, names);
  lua_pop(L, 1);
  return found;
}

#define MAX_ACCOUNT 4096

/* The envelope's start for opts.account, as a Lua string pushed on the
 * stack; or nothing pushed (returns 0) when there is no account. */
static int account_prefix(lua_State *L, int envelope) {
  calypso_buf prefix;
  const char *problem;
  lua_getfield(L, 1, "account");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 || lua_rawlen(L, -1) > MAX_ACCOUNT)
    luaL_error(L, "calypso: a route's account must be a string of 1 to %d bytes", MAX_ACCOUNT);
  if (envelope != CALYPSO_ENVELOPE_FULL && envelope != CALYPSO_ENVELOPE_ACCOUNT)
    luaL_error(L, "calypso: a route whose envelope names no account takes no account");
  memset(&prefix, 0, sizeof prefix);
  prefix.max = 64 + 6 * MAX_ACCOUNT;
  problem = calypso_buf_appends(&prefix, "{\"account\":") ? calypso_json_write(L, lua_gettop(L), &prefix) : "";
  if (problem == NULL && !calypso_buf_appends(&prefix, ",\"timestamp\":")) problem = "";
  if (problem == NULL) lua_pushlstring(L, prefix.data, prefix.len);
  calypso_buf_free(&prefix);
  if (problem != NULL) luaL_error(L, "calypso: out of memory");
  lua_remove(L, -2);
  return 1;
}

/* core.route(opts) -> route.  Raises on an unknown key or value: rows are
 * bound when the module loads, so a typo fails at require. */
static int l_route(lua_State *L) {
  calypso_route *r;
  int method, envelope;
  size_t extra = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
    lua_pop(L, 1);
    if (strcmp(key, "method") != 0 && strcmp(key, "envelope") != 0 && strcmp(key, "empty") != 0 &&
        strcmp(key, "list") != 0 && strcmp(key, "account") != 0)
      luaL_error(L, "calypso: a route has method, envelope, empty, list and account, not '%s'", key);
  }
  method = option(L, "method", methods, CALYPSO_POST);
  envelope = option(L, "envelope", envelopes, CALYPSO_ENVELOPE_FULL);
  if (account_prefix(L, envelope)) extra = lua_rawlen(L, 2); /* 2: the prefix */
  r = lua_newuserdatauv(L, sizeof *r + extra, 0);
  r->method = method;
  r->envelope = envelope;
  r->prefix = NULL;
  r->prefix_len = extra;
  if (extra > 0) { /* the prefix lives in the userdata, after the struct: it moves with nothing */
    memcpy((char *)(r + 1), lua_tostring(L, 2), extra);
    r->prefix = (const char *)(r + 1);
  }
  lua_getfield(L, 1, "empty");
  r->empty_ok = lua_toboolean(L, -1);
  lua_getfield(L, 1, "list");
  r->list_ok = lua_toboolean(L, -1);
  lua_pop(L, 2);
  luaL_getmetatable(L, CALYPSO_ROUTE_MT);
  lua_setmetatable(L, -2);
  return 1;
}

/* tostring(route) -> "calypso.Route (DELETE, full, empty)" */
static int l_tostring(lua_State *L) {
  const calypso_route *r = luaL_checkudata(L, 1, CALYPSO_ROUTE_MT);
  lua_pushfstring(L, "calypso.Route (%s, %s%s%s%s)", methods[r->method], envelopes[r->envelope],
                  r->empty_ok ? ", empty" : "", r->list_ok ? ", list" : "", r->prefix ? ", account" : "");
  return 1;
}

void calypso_route_open(lua_State *L) {
  luaL_newmetatable(L, CALYPSO_ROUTE_MT);
  lua_pushcfunction(L, l_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, CALYPSO_ROUTE_MT);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_route);
  lua_setfield(L, -2, "route");
}
