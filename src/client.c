/* client.c: the Client userdata and its lifecycle, in the manner of liolib.c.
 * A client is born closed (all fields zero), so __gc is safe at every step;
 * only then does it acquire its curl handle, its signer and its copies of
 * the settings.  The secret itself is never stored: it keys the signer, whose
 * key material OpenSSL wipes when close, __gc or __close (one idempotent
 * release) frees it.  __tostring names the account and base URL only.
 * core.new is settings.c's; the transports add their own methods (call.c, envelope.c,
 * multi.c): this file knows none of them, and frees client.async's state through
 * the pointer multi.c set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "calypso.h"

void calypso_client_peer(const calypso_client *c, calypso_peer *p) {
  const char *h = c->host ? c->host : "";
  memset(p, 0, sizeof *p);
  p->system_trust = c->cafile == NULL;
  p->loopback = strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 ||
                (strlen(h) > 10 && strcmp(h + strlen(h) - 10, ".localhost") == 0);
  p->ip_host = strchr(h, ':') != NULL || (h[0] != '\0' && strspn(h, "0123456789.") == strlen(h));
}

void calypso_client_release(calypso_client *c) {
  if (c->free_multi) c->free_multi(c); /* fork-aware, as is: */
  c->free_multi = NULL;
  if (c->curl) calypso_sockets_cleanup(c, c->curl);
  c->curl = NULL;
  calypso_conn_forget(c);
  if (c->signer) calypso_signer_free(c->signer);
  c->signer = NULL;
  free(c->account);
  free(c->base_url);
  free(c->path_prefix);
  free(c->prefix);
  free(c->head);
  c->account = c->base_url = c->path_prefix = c->prefix = c->head = NULL;
  free(c->host);
  free(c->origin);
  free(c->cafile);
  free(c->proxy);
  free(c->proxy_host);
  c->host = c->origin = c->cafile = c->proxy = c->proxy_host = NULL;
  calypso_sockets_free(&c->sockets);
  calypso_buf_free(&c->body);
  calypso_buf_free(&c->request);
  calypso_buf_free(&c->ex.response);
}

/* A new client on the stack, closed: every field zero but the socket (none),
 * the metatable set. */
calypso_client *calypso_client_push(lua_State *L) {
  calypso_client *c = lua_newuserdatauv(L, sizeof *c, 0);
  memset(c, 0, sizeof *c);
  c->fd = CURL_SOCKET_BAD;
  luaL_getmetatable(L, CALYPSO_CLIENT_MT);
  lua_setmetatable(L, -2);
  return c;
}

calypso_client *calypso_check_client(lua_State *L, int idx) {
  calypso_client *c = luaL_checkudata(L, idx, CALYPSO_CLIENT_MT);
  if (c->curl == NULL) luaL_error(L, "calypso: the client is closed");
  return c;
}

/* client:clock_offset([ms]) -> ms
 * The milliseconds added to the local clock when stamping requests; with an
 * argument, sets it first.  Raises for a closed client or a non-integer. */
static int l_clock_offset(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  if (!lua_isnoneornil(L, 2)) {
    lua_Number ms = luaL_checknumber(L, 2);
    luaL_argcheck(L, ms == floor(ms) && fabs(ms) <= 1e12, 2, "offset must be whole milliseconds");
    c->clock_offset_ms = (long long)ms;
  }
  lua_pushnumber(L, (lua_Number)c->clock_offset_ms);
  return 1;
}

/* client:origin() -> host, port [, proxy_host, proxy_port]: where base_url
 * points, and the proxy to tunnel through if the option names one, for
 * transports outside the core.  Hosts have no IPv6 brackets. */
static int l_origin(lua_State *L) {
  calypso_client *c = calypso_check_client(L, 1);
  lua_pushstring(L, c->host);
  lua_pushinteger(L, c->port);
  if (c->proxy_host == NULL) return 2;
  lua_pushstring(L, c->proxy_host);
  lua_pushinteger(L, c->proxy_port);
  return 4;
}

/* client:is_closed() -> bool: the one closed state (the Lua layer asks
 * here, to raise at its caller's line before a call is made). */
static int l_is_closed(lua_State *L) {
  calypso_client *c = luaL_checkudata(L, 1, CALYPSO_CLIENT_MT);
  lua_pushboolean(L, c->curl == NULL);
  return 1;
}

/* client:close() -> nothing.  Idempotent; also __gc and __close. */
static int l_close(lua_State *L) {
  calypso_client_release(luaL_checkudata(L, 1, CALYPSO_CLIENT_MT));
  calypso_tls_errors_clear(); /* closing a connection may leave some */
  return 0;
}

/* tostring(client) -> "calypso.Client (account 0x…, https://…)" or "… (closed)" */
static int l_tostring(lua_State *L) {
  calypso_client *c = luaL_checkudata(L, 1, CALYPSO_CLIENT_MT);
  if (c->curl == NULL) lua_pushliteral(L, "calypso.Client (closed)");
  else lua_pushfstring(L, "calypso.Client (account %s, %s)", c->account, c->base_url);
  return 1;
}

/* Leaves the methods table on top, for call.c, envelope.c and multi.c to add theirs. */
void calypso_client_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"origin", l_origin},
                                     {"clock_offset", l_clock_offset},
                                     {"close", l_close},
                                     {"is_closed", l_is_closed},
                                     {NULL, NULL}};
  static const luaL_Reg meta[] = {
      {"__gc", l_close}, {"__close", l_close}, {"__tostring", l_tostring}, {NULL, NULL}};
  luaL_newmetatable(L, CALYPSO_CLIENT_MT);
  luaL_setfuncs(L, meta, 0);
  lua_pushliteral(L, CALYPSO_CLIENT_MT);
  lua_setfield(L, -2, "__name");
  luaL_newlib(L, methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_remove(L, -2);
}
