/* compat.h: the only place that knows Lua versions differ.
 * The core is written against the Lua 5.4 API; this header supplies what
 * Lua 5.1 and LuaJIT 2.1 (the nginx case) and Lua 5.2/5.3 lack.  No other
 * file tests LUA_VERSION_NUM. */
#ifndef CALYPSO_COMPAT_H
#define CALYPSO_COMPAT_H

#include <limits.h>
#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502
/* Lua 5.1 / LuaJIT: no luaL_setfuncs, no lua_rawgetp/lua_rawsetp. */
static inline void calypso_compat_setfuncs(lua_State *L, const luaL_Reg *l, int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name != NULL; l++) {
    int i;
    for (i = 0; i < nup; i++) lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}
#define luaL_setfuncs(L, l, n) calypso_compat_setfuncs((L), (l), (n))
#ifndef luaL_newlib /* LuaJIT 2.1 has these two */
#define luaL_newlibtable(L, l) lua_createtable((L), 0, sizeof(l) / sizeof((l)[0]) - 1)
#define luaL_newlib(L, l) (luaL_newlibtable((L), (l)), luaL_setfuncs((L), (l), 0))
#endif
#define lua_rawlen(L, i) lua_objlen((L), (i))

static inline void calypso_compat_rawgetp(lua_State *L, int idx, const void *p) {
  if (idx < 0 && idx > LUA_REGISTRYINDEX) idx = lua_gettop(L) + idx + 1;
  lua_pushlightuserdata(L, (void *)p);
  lua_rawget(L, idx);
}
static inline void calypso_compat_rawsetp(lua_State *L, int idx, const void *p) {
  if (idx < 0 && idx > LUA_REGISTRYINDEX) idx = lua_gettop(L) + idx + 1;
  lua_pushlightuserdata(L, (void *)p);
  lua_insert(L, -2);
  lua_rawset(L, idx);
}
#define lua_rawgetp(L, i, p) calypso_compat_rawgetp((L), (i), (p))
#define lua_rawsetp(L, i, p) calypso_compat_rawsetp((L), (i), (p))

/* The userdata at idx if its metatable is tname's, else NULL; never raises. */
static inline void *calypso_compat_testudata(lua_State *L, int idx, const char *tname) {
  void *p = lua_touserdata(L, idx);
  int same;
  if (p == NULL || !lua_getmetatable(L, idx)) return NULL;
  luaL_getmetatable(L, tname);
  same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same ? p : NULL;
}
#define luaL_testudata(L, i, t) calypso_compat_testudata((L), (i), (t))
#endif

/* 1, with *out set, when the number at idx is an integer subtype (5.3+);
 * 0 for a float, and always on 5.1/LuaJIT, where every number is a double. */
#if LUA_VERSION_NUM >= 503
static inline int calypso_compat_tointeger(lua_State *L, int idx, long long *out) {
  if (!lua_isinteger(L, idx)) return 0;
  *out = (long long)lua_tointeger(L, idx);
  return 1;
}
#else
static inline int calypso_compat_tointeger(lua_State *L, int idx, long long *out) {
  (void)L, (void)idx, (void)out;
  return 0;
}
#endif

/* Pushes the decimal integer token text as an exact Lua value and returns 1:
 * an integer (5.3+) if it fits one, or (5.1, LuaJIT) a double if |n| is at
 * most 2^53; returns 0, pushing nothing, when it cannot be held exactly. */
static inline int calypso_compat_pushinteger(lua_State *L, const char *text, long long *out) {
  const char *p = text;
  int negative = *p == '-';
  unsigned long long n = 0, limit;
  if (negative) p++;
#if LUA_VERSION_NUM >= 503
  limit = negative ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
#else
  limit = 9007199254740992ULL; /* 2^53 */
#endif
  for (; *p; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (n > (limit - d) / 10) return 0;
    n = n * 10 + d;
  }
  *out = negative ? (long long)(0 - n) : (long long)n;
#if LUA_VERSION_NUM >= 503
  lua_pushinteger(L, (lua_Integer)*out);
#else
  lua_pushnumber(L, (lua_Number)*out);
#endif
  return 1;
}

/* What one decoded answer may hold by default (max_response_values,
 * max_object_members).  PUC Lua 5.1 to 5.3 hash only every other byte of a
 * string of 32 bytes or more, so strings made to collide cost them quadratic
 * time to intern (28 000 of them, under 1 MiB: 1.5 s on 5.1, 0.85 s on 5.3):
 * they get lower bounds.  Lua 5.4 hashes every byte, and LuaJIT's hash was
 * not seen to degrade (LuaJIT's lua.h, unlike PUC 5.1's, defines LUA_OK). */
#if (LUA_VERSION_NUM == 501 && !defined(LUA_OK)) || LUA_VERSION_NUM == 502 || LUA_VERSION_NUM == 503
#define CALYPSO_MAX_VALUES 10000L
#define CALYPSO_MAX_MEMBERS 1000L
#else
#define CALYPSO_MAX_VALUES 100000L
#define CALYPSO_MAX_MEMBERS 10000L
#endif

#if LUA_VERSION_NUM < 504
/* Before 5.4 a full userdata has exactly one (environment/user) value. */
#define lua_newuserdatauv(L, size, nuv) lua_newuserdata((L), (size))
#endif

#endif
