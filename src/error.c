/* error.c: the only place that builds an error value.
 * An error is a plain table {kind, message, status?, code?, trace_id?, ...}
 * with the shared metatable "calypso.Error", whose __tostring shows what the
 * table holds.  Nothing that reaches an error ever holds the secret: callers
 * pass curl's message, the server's message, or a fixed text. */
#include <stdarg.h>
#include <string.h>
#include "calypso.h"

static const char *const kinds[] = {"validation", "network", "tls", "timeout", "api", "decode",
                                    "idempotency", NULL};

static void set_string(lua_State *L, const char *field, const char *value) {
  if (value == NULL) return;
  lua_pushstring(L, value);
  lua_setfield(L, -2, field);
}

int calypso_push_error(lua_State *L, const calypso_error *e) {
  const char *message = e->message;
  if (message == NULL)
    message = e->status > 0 ? lua_pushfstring(L, "HTTP %d with no error message", (int)e->status)
                            : "no error message";
  lua_pushnil(L);
  lua_createtable(L, 0, 5);
  set_string(L, "kind", e->kind);
  set_string(L, "message", message);
  set_string(L, "code", e->code);
  set_string(L, "trace_id", e->trace_id);
  set_string(L, "hint", e->hint);
  set_string(L, "cause", e->cause);
  if (e->status > 0) {
    lua_pushinteger(L, (lua_Integer)e->status);
    lua_setfield(L, -2, "status");
  }
  lua_pushboolean(L, e->request_sent);
  lua_setfield(L, -2, "request_sent");
  if (e->retry_after >= 0) {
    lua_pushnumber(L, (lua_Number)e->retry_after);
    lua_setfield(L, -2, "retry_after");
  }
  if (e->date > 0) {
    lua_pushnumber(L, (lua_Number)e->date);
    lua_setfield(L, -2, "date");
  }
  luaL_getmetatable(L, CALYPSO_ERROR_MT);
  lua_setmetatable(L, -2);
  return 2;
}

calypso_error calypso_error_init(const char *kind, long status) {
  calypso_error e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.status = status;
  e.retry_after = -1;
  return e;
}

int calypso_fail(lua_State *L, calypso_error *e, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  e->message = lua_pushvfstring(L, fmt, args);
  va_end(args);
  return calypso_push_error(L, e);
}

/* core.error(kind, message [, extra]) -> err
 * Lets the Lua layer build its validation errors with the same shape and
 * metatable; `extra` string keys (such as field) are copied in.  Raises on a
 * kind that is not one of the seven. */
static int l_error(lua_State *L) {
  calypso_error e = calypso_error_init(kinds[luaL_checkoption(L, 1, NULL, kinds)], 0);
  e.message = luaL_checkstring(L, 2);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  calypso_push_error(L, &e);
  if (lua_istable(L, 3)) {
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      if (lua_type(L, -2) == LUA_TSTRING) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
      } else {
        lua_pop(L, 1);
      }
    }
  }
  return 1;
}

/* tostring(err) -> "calypso api error (HTTP 400, code 003): Wrong sign (check the
 * secret: ...) [trace abc]"; the hint in parentheses when there is one */
static int l_tostring(lua_State *L) {
  luaL_Buffer b;
  const char *code, *trace, *hint;
  lua_Integer status = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "kind");
  lua_getfield(L, 1, "message");
  lua_getfield(L, 1, "code");
  lua_getfield(L, 1, "trace_id");
  lua_getfield(L, 1, "status");
  lua_getfield(L, 1, "hint");
  if (lua_type(L, 6) == LUA_TNUMBER) status = lua_tointeger(L, 6);
  code = lua_type(L, 4) == LUA_TSTRING ? lua_tostring(L, 4) : NULL;
  trace = lua_type(L, 5) == LUA_TSTRING ? lua_tostring(L, 5) : NULL;
  hint = lua_type(L, 7) == LUA_TSTRING ? lua_tostring(L, 7) : NULL;

  luaL_buffinit(L, &b);
  luaL_addstring(&b, "calypso ");
  luaL_addstring(&b, lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "unknown");
  luaL_addstring(&b, " error");
  if (status > 0 || code) {
    luaL_addstring(&b, " (");
    if (status > 0) {
      lua_pushfstring(L, "HTTP %d", (int)status);
      luaL_addvalue(&b);
    }
    if (status > 0 && code) luaL_addstring(&b, ", ");
    if (code) {
      luaL_addstring(&b, "code ");
      luaL_addstring(&b, code);
    }
    luaL_addstring(&b, ")");
  }
  luaL_addstring(&b, ": ");
  luaL_addstring(&b, lua_type(L, 3) == LUA_TSTRING ? lua_tostring(L, 3) : "(no message)");
  if (hint) {
    luaL_addstring(&b, " (");
    luaL_addstring(&b, hint);
    luaL_addstring(&b, ")");
  }
  if (trace) {
    luaL_addstring(&b, " [trace ");
    luaL_addstring(&b, trace);
    luaL_addstring(&b, "]");
  }
  luaL_pushresult(&b);
  return 1;
}

void calypso_error_open(lua_State *L) {
  luaL_newmetatable(L, CALYPSO_ERROR_MT);
  lua_pushcfunction(L, l_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, CALYPSO_ERROR_MT);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_error);
  lua_setfield(L, -2, "error");
}
