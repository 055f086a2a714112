/* testsys.c: what the specs need from the system and plain Lua lacks
 * (Debian's lua-posix has no 5.4 build).  Built by `make` into
 * build/testsys.so for the test run; never installed.
 *   testsys.fork() -> pid (0 in the child)
 *   testsys.wait(pid) -> exit status (128 + signal when killed)
 *   testsys.exit(code): ends the child at once, without flushing the
 *   parent's buffered output a second time
 *   testsys.malloc_in_use() -> bytes the C heap has handed out and not
 *   taken back (glibc's mallinfo2): an exact gauge for C leaks */
#include <malloc.h>
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

int luaopen_testsys(lua_State *L);

int luaopen_testsys(lua_State *L) {
  static const luaL_Reg fns[] = {{"fork", l_fork},
                                 {"wait", l_wait},
                                 {"exit", l_exit},
                                 {"malloc_in_use", l_malloc_in_use},
                                 {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
