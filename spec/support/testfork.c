/* testfork.c: fork(), waitpid() and _exit() for the specs, which plain Lua
 * lacks (Debian's lua-posix has no 5.4 build).  Built by `make` into
 * build/testfork.so for the test run; never installed.
 *   testfork.fork() -> pid (0 in the child)
 *   testfork.wait(pid) -> exit status (128 + signal when killed)
 *   testfork.exit(code): ends the child at once, without flushing the
 *   parent's buffered output a second time */
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

int luaopen_testfork(lua_State *L);

int luaopen_testfork(lua_State *L) {
  static const luaL_Reg fns[] = {{"fork", l_fork}, {"wait", l_wait}, {"exit", l_exit}, {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
