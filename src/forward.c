/* forward.c: core.forward(url, body, headers [, opts]) -> status, body |
 * nil, message: one plain POST of exact bytes, for `calypso listen
 * --forward-to` (lua/calypso/cli/forward.lua), which hands a verified
 * delivery, Key and Sign included, to the user's app.  It is not the API's
 * transport: no envelope, no retries, no judge (outcome.c judges Calypso's
 * answers; of the app's, the forwarder reports only the status).  libcurl
 * because the library we have for Lua (LuaSec 1.2) checks a certificate's
 * chain but not its name, and a forwarder must not switch that off:
 * http:// or https:// only, the peer and its name verified (opts.cafile,
 * else the system's CAs), no redirect, no proxy, opts.timeout seconds (10)
 * for the whole exchange, at most 64 KiB of the answer kept.  headers: a
 * table of name -> value; a name outside RFC 9110's token characters, or a
 * value with CR, LF or NUL, is refused before anything is sent. */
#include <string.h>
#include "calypso.h"

#define FORWARD_MAX_HEADERS 16
#define FORWARD_MAX_ANSWER (64 * 1024)

typedef struct {
  char *data; /* FORWARD_MAX_ANSWER bytes, a userdata on the Lua stack */
  size_t len;
} answer_buf;

static size_t keep_answer(char *ptr, size_t size, size_t nmemb, void *userdata) {
  answer_buf *a = userdata;
  size_t n = size * nmemb, room = FORWARD_MAX_ANSWER - a->len;
  memcpy(a->data + a->len, ptr, n < room ? n : room);
  a->len += n < room ? n : room;
  return n; /* the rest is read and dropped */
}

static int is_token(const char *s) {
  if (!*s) return 0;
  for (; *s; s++) {
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          strchr("!#$%&'*+-.^_`|~", *s)))
      return 0;
  }
  return 1;
}

static int l_forward(lua_State *L) {
  size_t url_len, body_len, n = 0, i;
  const char *url = luaL_checklstring(L, 1, &url_len);
  const char *body = luaL_checklstring(L, 2, &body_len);
  const char *lines[FORWARD_MAX_HEADERS];
  const char *cafile = NULL;
  long timeout_ms = 10000;
  answer_buf answer = { NULL, 0 };
  char error[CURL_ERROR_SIZE] = "";
  struct curl_slist *list = NULL;
  CURL *h;
  CURLcode rc = CURLE_OK;
  long status = 0;
  int ok;

  luaL_checkstack(L, FORWARD_MAX_HEADERS + 8, "calypso: forward");
  luaL_checktype(L, 3, LUA_TTABLE);
  if (strlen(url) != url_len || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
    return luaL_argerror(L, 1, "an http:// or https:// URL");
  if (!lua_isnoneornil(L, 4)) {
    luaL_checktype(L, 4, LUA_TTABLE);
    lua_getfield(L, 4, "cafile");
    if (!lua_isnil(L, -1)) cafile = luaL_checkstring(L, -1); /* kept alive: it stays on the stack */
    lua_getfield(L, 4, "timeout");
    if (!lua_isnil(L, -1)) timeout_ms = calypso_check_timeout(L, lua_gettop(L));
  }
  /* "Name: value" lines, made as Lua strings (on the stack until the end) */
  lua_pushnil(L);
  while (lua_next(L, 3) != 0) {
    const char *name, *value;
    size_t value_len;
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      return luaL_argerror(L, 3, "a table of header names and string values");
    name = lua_tostring(L, -2);
    value = lua_tolstring(L, -1, &value_len);
    if (!is_token(name)) return luaL_argerror(L, 3, "a header name is not a token");
    if (strlen(value) != value_len || strpbrk(value, "\r\n"))
      return luaL_argerror(L, 3, "a header value holds CR, LF or NUL");
    if (n == FORWARD_MAX_HEADERS) return luaL_argerror(L, 3, "more than 16 headers");
    lua_pushfstring(L, "%s: %s", name, value);
    lua_insert(L, -3); /* below the key and value */
    lines[n++] = lua_tostring(L, -3);
    lua_pop(L, 1);
  }
  answer.data = lua_newuserdata(L, FORWARD_MAX_ANSWER);
  if (!calypso_curl_global_init()) return luaL_error(L, "calypso: libcurl failed to initialise");

  /* From here on nothing raises until the handle and the list are freed. */
  h = curl_easy_init();
  ok = h != NULL;
  for (i = 0; ok && i < n; i++) {
    struct curl_slist *more = curl_slist_append(list, lines[i]);
    if (more) list = more; else ok = 0;
  }
  if (ok) {
    struct curl_slist *more = curl_slist_append(list, "Expect:"); /* no 100-continue round trip */
    if (more) list = more; else ok = 0;
  }
#define SET(opt, val) (curl_easy_setopt(h, (opt), (val)) == CURLE_OK)
  ok = ok &&
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
       SET(CURLOPT_PROTOCOLS_STR, "http,https") &&
#else
       SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) &&
#endif
       SET(CURLOPT_URL, url) && SET(CURLOPT_POST, 1L) && SET(CURLOPT_POSTFIELDS, body) &&
       SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) && SET(CURLOPT_HTTPHEADER, list) &&
       SET(CURLOPT_FOLLOWLOCATION, 0L) && SET(CURLOPT_SSL_VERIFYPEER, 1L) &&
       SET(CURLOPT_SSL_VERIFYHOST, 2L) && SET(CURLOPT_NOSIGNAL, 1L) && SET(CURLOPT_PROXY, "") &&
       SET(CURLOPT_TIMEOUT_MS, timeout_ms) && SET(CURLOPT_ERRORBUFFER, error) &&
       SET(CURLOPT_WRITEFUNCTION, keep_answer) && SET(CURLOPT_WRITEDATA, &answer) &&
       (!cafile || (SET(CURLOPT_CAINFO, cafile) && SET(CURLOPT_CAPATH, (char *)NULL)));
#undef SET
  if (ok) {
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_slist_free_all(list);
  if (h) curl_easy_cleanup(h);

  if (!ok) return luaL_error(L, "calypso: could not set up the forwarding request");
  if (rc != CURLE_OK) {
    lua_pushnil(L);
    lua_pushstring(L, error[0] ? error : curl_easy_strerror(rc));
    return 2;
  }
  lua_pushinteger(L, (lua_Integer)status);
  lua_pushlstring(L, answer.data, answer.len);
  return 2;
}

void calypso_forward_open(lua_State *L) {
  lua_pushcfunction(L, l_forward);
  lua_setfield(L, -2, "forward");
}
