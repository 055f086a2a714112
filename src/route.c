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
 * otherwise a 2xx must carry one JSON object.  A route is a userdata so
 * that the transports read it without a table lookup per call; nil, where
 * a route is taken, means POST, full, an object. */
#include <string.h>
#include "calypso.h"

static const char *const methods[] = {"POST", "DELETE", NULL};
static const char *const envelopes[] = {"full", "account", "payload", "bare", NULL};

static const calypso_route default_route = {CALYPSO_POST, CALYPSO_ENVELOPE_FULL, 0, 0};

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

/* core.route(opts) -> route.  Raises on an unknown key or value: rows are
 * bound when the module loads, so a typo fails at require. */
static int l_route(lua_State *L) {
  calypso_route *r;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
    lua_pop(L, 1);
    if (strcmp(key, "method") != 0 && strcmp(key, "envelope") != 0 && strcmp(key, "empty") != 0 &&
        strcmp(key, "list") != 0)
      luaL_error(L, "calypso: a route has method, envelope, empty and list, not '%s'", key);
  }
  r = lua_newuserdatauv(L, sizeof *r, 0);
  r->method = option(L, "method", methods, CALYPSO_POST);
  r->envelope = option(L, "envelope", envelopes, CALYPSO_ENVELOPE_FULL);
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
  lua_pushfstring(L, "calypso.Route (%s, %s%s%s)", methods[r->method], envelopes[r->envelope],
                  r->empty_ok ? ", empty" : "", r->list_ok ? ", list" : "");
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
