/* clock.c: time for the core and for the Lua retry loop.
 *   core.time_ms() -> Unix time in milliseconds (the wall clock)
 *   core.monotonic() -> seconds on a clock that never jumps (for deadlines)
 *   core.sleep(seconds) -> nothing; blocks this thread
 * The wall clock stamps requests; deadlines and backoff use the monotonic one,
 * so a clock step cannot stretch or cut them. */
#include <errno.h>
#include <time.h>
#include "calypso.h"

long long calypso_clock_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int l_time_ms(lua_State *L) {
  lua_pushnumber(L, (lua_Number)calypso_clock_ms());
  return 1;
}

static int l_monotonic(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

static int l_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  struct timespec ts;
  luaL_argcheck(L, s >= 0 && s < 1e6, 1, "seconds must be between 0 and 1e6");
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)((s - (lua_Number)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  return 0;
}

void calypso_clock_open(lua_State *L) {
  static const luaL_Reg fns[] = {
      {"time_ms", l_time_ms}, {"monotonic", l_monotonic}, {"sleep", l_sleep}, {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}
