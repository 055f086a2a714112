/* settings.c: core.new(opts): a checked options table becomes a client.
 * calypso.options checks every option and explains each refusal; what this
 * file checks again is only what keeps memory and the wire safe when
 * core.new is called with a table nobody checked (one generic message).  It
 * splits base_url into where to connect and the path to prefix, builds the
 * request head and the envelope's fixed prefix once, keys the signer from
 * whichever secret source is set, and acquires the blocking connection's
 * handle.  The client is born closed (client.c), so a raise at any step
 * leaves the collector a safe object to release. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "calypso.h"

static char *dup_bytes(const char *s, size_t len) {
  char *p = malloc(len + 1);
  if (p) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

/* A header value we may put on the wire verbatim: visible ASCII, no spaces. */
static int header_safe(const char *s, size_t len) {
  size_t i;
  for (i = 0; i < len; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
  return len > 0;
}

/* host[:port] or [v6]:port -> host (no brackets) and port (default 443). */
static char *split_authority(const char *a, size_t len, int *port) {
  const char *host = a, *end = a + len, *colon = NULL;
  size_t host_len = len;
  if (len > 0 && a[0] == '[') {
    const char *close = memchr(a, ']', len);
    if (close == NULL) return NULL;
    host = a + 1;
    host_len = (size_t)(close - host);
    colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
  } else {
    const char *p;
    for (p = a; p < end; p++)
      if (*p == ':') colon = p;
    if (colon) host_len = (size_t)(colon - a);
  }
  *port = 443;
  if (colon) {
    const char *d;
    int n = 0;
    for (d = colon + 1; d < end; d++) {
      if (*d < '0' || *d > '9' || n > 65535) return NULL;
      n = n * 10 + (*d - '0');
    }
    if (d == colon + 1 || n == 0 || n > 65535) return NULL;
    *port = n;
  }
  return host_len > 0 ? dup_bytes(host, host_len) : NULL;
}

/* A refused option: options.lua explains every rule to the caller; this is
 * only the backstop that keeps memory and the wire safe when core.new is
 * called directly with a table nobody checked. */
static int bad(lua_State *L, const char *name) {
  return luaL_error(L, "calypso.core.new: option '%s' is invalid (make clients with calypso.new,"
                       " which says why)", name);
}

/* Leaves opts[name] on the stack; returns it, or NULL when absent and optional. */
static const char *opt_string(lua_State *L, const char *name, int required, size_t *len) {
  int t;
  lua_getfield(L, 1, name);
  t = lua_type(L, -1);
  if (t == LUA_TNIL && !required) return NULL;
  if (t != LUA_TSTRING) bad(L, name);
  return lua_tolstring(L, -1, len);
}

/* opts[name], a number in [lo, hi], whole if asked. */
static double opt_number(lua_State *L, const char *name, double lo, double hi, int whole) {
  double v;
  lua_getfield(L, 1, name);
  v = lua_tonumber(L, -1);
  if (lua_type(L, -1) != LUA_TNUMBER || !(v >= lo && v <= hi) || (whole && v != floor(v)))
    bad(L, name);
  lua_pop(L, 1);
  return v;
}

/* A limit of what one answer may hold: a whole number from 1 to INT_MAX, or
 * nil for the default. */
static double opt_limit(lua_State *L, const char *name, long otherwise) {
  int absent;
  lua_getfield(L, 1, name);
  absent = lua_isnil(L, -1);
  lua_pop(L, 1);
  return absent ? (double)otherwise : opt_number(L, name, 1, INT_MAX, 1);
}

static long to_ms(double seconds) {
  double ms = seconds * 1000.0 + 0.5;
  return ms < 1 ? 1 : ms > 2147483647.0 ? 2147483647L : (long)ms;
}

/* The signer, from whichever of secret, secret_file, secret_env is set
 * (options.lua lets exactly one through). */
static void *make_signer(lua_State *L) {
  size_t len;
  const char *why = NULL, *secret = opt_string(L, "secret", 0, &len);
  const char *file = opt_string(L, "secret_file", 0, NULL);
  const char *env = opt_string(L, "secret_env", 0, NULL);
  void *signer;
  if ((secret != NULL) + (file != NULL) + (env != NULL) != 1) bad(L, "secret");
  if (secret) {
    if (calypso_secret_problem(secret, len)) bad(L, "secret");
    signer = calypso_signer_new(secret, len);
  } else if (file) {
    signer = calypso_signer_from_file(file, &why);
  } else {
    signer = calypso_signer_from_env(env, &why);
  }
  lua_pop(L, 3);
  if (why) luaL_error(L, "calypso: the secret from %s %s", file ? "secret_file" : "secret_env", why);
  return signer;
}

/* core.new(opts) -> client
 * opts: key, account, base_url (strings); one of secret, secret_file,
 * secret_env (strings); cafile, proxy (strings or nil); timeout,
 * connect_timeout (seconds), max_response_bytes, max_connections (numbers);
 * http2, exact_numbers (booleans); clock_offset_ms (number); max_response_values,
 * max_object_members (whole numbers; nil: the defaults).  calypso.options checks and
 * fills them; this raises on a table it would have refused, or when libcurl
 * or OpenSSL cannot be set up; it never returns nil. */
static int l_new(lua_State *L) {
  size_t key_len, account_len, url_len, authority_len;
  const char *key, *account, *base_url, *cafile, *proxy, *authority;
  long timeout_ms, connect_timeout_ms;
  double max_response, max_connections, offset, max_values, max_members;
  int http2, exact;
  calypso_client *c;

  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  key = opt_string(L, "key", 1, &key_len);            /* 2 */
  account = opt_string(L, "account", 1, &account_len); /* 3 */
  base_url = opt_string(L, "base_url", 1, &url_len);   /* 4 */
  cafile = opt_string(L, "cafile", 0, NULL);           /* 5, maybe nil */
  proxy = opt_string(L, "proxy", 0, NULL);             /* 6, maybe nil */
  timeout_ms = to_ms(opt_number(L, "timeout", 1e-3, 1e9, 0));
  connect_timeout_ms = to_ms(opt_number(L, "connect_timeout", 1e-3, 1e9, 0));
  max_response = opt_number(L, "max_response_bytes", 1, INT_MAX, 1);
  max_connections = opt_number(L, "max_connections", 1, 1024, 1);
  offset = opt_number(L, "clock_offset_ms", -1e12, 1e12, 1);
  max_values = opt_limit(L, "max_response_values", CALYPSO_MAX_VALUES);
  max_members = opt_limit(L, "max_object_members", CALYPSO_MAX_MEMBERS);
  lua_getfield(L, 1, "http2");
  if (!lua_isboolean(L, -1)) bad(L, "http2");
  http2 = lua_toboolean(L, -1);
  lua_getfield(L, 1, "exact_numbers");
  if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) bad(L, "exact_numbers");
  exact = lua_toboolean(L, -1);
  lua_pop(L, 2);
  if (!header_safe(key, key_len)) bad(L, "key");
  if (account_len == 0) bad(L, "account");
  if (url_len < 9 || strncmp(base_url, "https://", 8) != 0 || !header_safe(base_url, url_len))
    bad(L, "base_url");
  if (proxy && !header_safe(proxy, strlen(proxy))) bad(L, "proxy");
  while (url_len > 8 && base_url[url_len - 1] == '/') url_len--;
  if (!calypso_curl_global_init()) luaL_error(L, "calypso: curl_global_init failed");
  /* https://<authority><path prefix>: connect to the authority, send the
   * prefix before every path. */
  authority = base_url + 8;
  authority_len = strcspn(authority, "/");
  if (authority_len > url_len - 8) authority_len = url_len - 8;
  if (authority_len == 0) bad(L, "base_url");
  lua_pushliteral(L, "https://");
  lua_pushlstring(L, authority, authority_len);
  lua_pushliteral(L, "/");
  lua_concat(L, 3); /* 7: the origin, for the blocking handle */

  /* {"account":<json>,"timestamp": */
  {
    calypso_buf prefix;
    memset(&prefix, 0, sizeof prefix);
    prefix.max = 4096 + 6 * account_len;
    if (!calypso_buf_appends(&prefix, "{\"account\":") || calypso_json_write(L, 3, &prefix) ||
        !calypso_buf_appends(&prefix, ",\"timestamp\":")) {
      calypso_buf_free(&prefix);
      bad(L, "account");
    }
    lua_pushlstring(L, prefix.data, prefix.len); /* 8 */
    calypso_buf_free(&prefix);
  }

  /* Born closed, then acquire; a failure releases what was taken and raises. */
  c = calypso_client_push(L);
  c->pid = calypso_pid();
  c->timeout_ms = timeout_ms;
  c->connect_timeout_ms = connect_timeout_ms;
  c->clock_offset_ms = (long long)offset;
  c->max_response = c->ex.response.max = (size_t)max_response;
  c->max_connections = (long)max_connections;
  c->http2 = http2;
  c->decode.numbers = exact ? CALYPSO_NUMBERS_EXACT : CALYPSO_NUMBERS_DOUBLE;
  c->decode.max_values = (long)max_values;
  c->decode.max_members = (long)max_members;
  c->signer = make_signer(L);
  c->account = dup_bytes(account, account_len);
  c->base_url = dup_bytes(base_url, url_len);
  c->path_prefix = dup_bytes(authority + authority_len, url_len - 8 - authority_len);
  c->prefix = dup_bytes(lua_tostring(L, 8), lua_rawlen(L, 8));
  c->prefix_len = lua_rawlen(L, 8);
  c->head = calypso_http1_head(authority, authority_len, key, key_len, &c->head_len);
  c->host = split_authority(authority, authority_len, &c->port);
  c->origin = dup_bytes(base_url, 8 + authority_len);
  c->cafile = cafile ? dup_bytes(cafile, strlen(cafile)) : NULL;
  c->proxy = proxy ? dup_bytes(proxy, strlen(proxy)) : NULL;
  if (proxy) { /* "http://host:port", a trailing slash allowed */
    size_t len = strlen(proxy);
    if (len > 7 && proxy[len - 1] == '/') len--;
    if (len <= 7 || strncmp(proxy, "http://", 7) != 0 ||
        (c->proxy_host = split_authority(proxy + 7, len - 7, &c->proxy_port)) == NULL) {
      calypso_client_release(c);
      bad(L, "proxy");
    }
  }
  c->body.max = CALYPSO_MAX_BODY;
  /* Any body that fits, with the head, the longest path and the rest. */
  c->request.max = CALYPSO_MAX_BODY + c->head_len + strlen(c->path_prefix ? c->path_prefix : "") + 16384;
  if (c->host == NULL) {
    calypso_client_release(c);
    bad(L, "base_url");
  }
  if (!c->signer || !c->account || !c->base_url || !c->path_prefix || !c->prefix || !c->head ||
      !c->origin || (cafile && !c->cafile) || (proxy && !c->proxy) ||
      (c->curl = calypso_conn_handle(c, lua_tostring(L, 7), &c->sockets, c->ex.detail)) == NULL) {
    calypso_client_release(c);
    luaL_error(L, "calypso: out of memory, or OpenSSL or libcurl refused the settings");
  }
  return 1;
}

void calypso_settings_open(lua_State *L) {
  lua_pushcfunction(L, l_new);
  lua_setfield(L, -2, "new");
}
