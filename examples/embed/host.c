/* host.c: a C program that embeds Lua 5.4 and calypso, as a game or app
 * server would.  It owns the loop: each frame it waits on the sockets the
 * script's client names (client:fds()) with poll(2), at most one frame long,
 * then lets the script move its requests on (client:poll(0)).  No request
 * ever blocks a frame.
 *   build/embed/host SCRIPT.lua
 * The script returns { watch = function() -> fds, timeout,
 *                      frame = function() -> busy }.
 * Nothing of calypso is read from disk: build/libcalypso.a carries the core
 * and its Lua files (calypso_preload); it needs no other Lua module.  The
 * same file builds as C++ (build/embed/host-cxx, with g++). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Lua's headers declare C functions with no extern "C" of their own: a C++
 * host wraps them (or includes <lua.hpp>).  calypso_embed.h has its own. */
#ifdef __cplusplus
extern "C" {
#endif
#include <lauxlib.h>
#include <lualib.h>
#ifdef __cplusplus
}
#endif
#include "calypso_embed.h"

#define FRAME_MS 16
#define MAX_FDS 64

/* Calls game[name]() with nresults results; returns 0 after printing an error. */
static int call(lua_State *L, int game, const char *name, int nresults) {
  lua_getfield(L, game, name);
  if (lua_pcall(L, 0, nresults, 0) != LUA_OK) {
    fprintf(stderr, "host: %s failed: %s\n", name, lua_tostring(L, -1));
    return 0;
  }
  return 1;
}

/* Waits for the descriptors the script's watch() names, at most one frame. */
static int wait_frame(lua_State *L, int game) {
  struct pollfd fds[MAX_FDS];
  int n = 0, timeout = FRAME_MS;
  if (!call(L, game, "watch", 2)) return 0;
  if (lua_isnumber(L, -1) && lua_tonumber(L, -1) * 1000 < timeout)
    timeout = (int)(lua_tonumber(L, -1) * 1000);
  lua_pushnil(L);
  while (lua_next(L, -3) != 0 && n < MAX_FDS) {
    const char *what = lua_tostring(L, -1);
    fds[n].fd = (int)lua_tointeger(L, -2);
    fds[n].events = (short)((strchr(what, 'r') ? POLLIN : 0) | (strchr(what, 'w') ? POLLOUT : 0));
    fds[n++].revents = 0;
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  return poll(fds, (nfds_t)n, timeout) >= 0;
}

int main(int argc, char **argv) {
  lua_State *L;
  int game, frames = 0, busy = 1;
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRIPT.lua\n", argv[0]);
    return 2;
  }
  L = luaL_newstate();
  luaL_openlibs(L);
  calypso_preload(L);

  if (luaL_dofile(L, argv[1]) != LUA_OK || !lua_istable(L, -1)) {
    fprintf(stderr, "host: %s: %s\n", argv[1], lua_isstring(L, -1) ? lua_tostring(L, -1) : "must return a table");
    lua_close(L);
    return 1;
  }
  game = lua_gettop(L);
  while (busy) {
    if (!wait_frame(L, game) || !call(L, game, "frame", 1)) {
      lua_close(L);
      return 1;
    }
    busy = lua_toboolean(L, -1);
    lua_pop(L, 1);
    frames++;
  }
  printf("host: done after %d frames\n", frames);
  lua_close(L);
  return 0;
}
