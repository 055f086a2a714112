/* testsys.c: what the specs need from the system and plain Lua lacks
 * (Debian's lua-posix has no 5.4 build).  Built by `make` into
 * build/testsys.so for the test run; never installed.
 *   testsys.fork() -> pid (0 in the child)
 *   testsys.wait(pid) -> exit status (128 + signal when killed)
 *   testsys.exit(code): ends the child at once, without flushing the
 *   parent's buffered output a second time
 *   testsys.malloc_in_use() -> bytes the C heap has handed out and not
 *   taken back (glibc's mallinfo2): an exact gauge for C leaks
 *   testsys.poll({ [fd] = "r" | "w" | "rw" }, seconds | nil) -> ready
 *   poll(2) on those descriptors, as a host's event loop would (nil: no limit)
 *   testsys.setlocale(name) -> name | nil: setlocale(LC_ALL, name), as a C
 *   host that honours the user's locale does
 *   testsys.setenv(name, value | nil): set or unset an environment variable */
#include <locale.h>
#include <malloc.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/compat.h"

static int l_fork(lua_State *L) {
  pid_t pid = fork();
  if (pid < 0) return luaL_error(L, "fork failed");
  lua_pushinteger(L, (lua_Integer)pid);
  return 1;
}

static int l_wait(lua_State *L) {
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int status;
  if (waitpid(pid, &status, 0) < 0) return luaL_error(L, "waitpid failed");
  lua_pushinteger(L, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 1;
}

static int l_exit(lua_State *L) {
  _exit((int)luaL_checkinteger(L, 1));
  return 0;
}

static int l_malloc_in_use(lua_State *L) {
  struct mallinfo2 info = mallinfo2();
  lua_pushnumber(L, (lua_Number)info.uordblks);
  return 1;
}

static int l_poll(lua_State *L) {
  struct pollfd fds[256];
  int n = 0, timeout = -1, r;
  luaL_checktype(L, 1, LUA_TTABLE);
  if (!lua_isnoneornil(L, 2)) timeout = (int)(luaL_checknumber(L, 2) * 1000 + 0.999);
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    const char *what = luaL_checkstring(L, -1);
    luaL_argcheck(L, n < 256, 1, "too many descriptors");
    fds[n].fd = (int)luaL_checkinteger(L, -2);
    fds[n].events = (short)((strchr(what, 'r') ? POLLIN : 0) | (strchr(what, 'w') ? POLLOUT : 0));
    fds[n++].revents = 0;
    lua_pop(L, 1);
  }
  r = poll(fds, (nfds_t)n, timeout);
  if (r < 0) return luaL_error(L, "poll failed");
  lua_pushinteger(L, r);
  return 1;
}

static int l_setlocale(lua_State *L) {
  const char *got = setlocale(LC_ALL, luaL_checkstring(L, 1));
  if (got) lua_pushstring(L, got);
  else lua_pushnil(L);
  return 1;
}

static int l_setenv(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  if (lua_isnoneornil(L, 2)) unsetenv(name);
  else setenv(name, luaL_checkstring(L, 2), 1);
  return 0;
}

int luaopen_testsys(lua_State *L);

int luaopen_testsys(lua_State *L) {
  static const luaL_Reg fns[] = {{"fork", l_fork},
                                 {"wait", l_wait},
                                 {"exit", l_exit},
                                 {"malloc_in_use", l_malloc_in_use},
                                 {"poll", l_poll},
                                 {"setlocale", l_setlocale},
                                 {"setenv", l_setenv},
                                 {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
