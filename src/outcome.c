/* outcome.c: the facts of one attempt -> the call's result, or nil and err.
 * The only place that judges an answer or a failure.  Every transport (the
 * blocking one in conn.c, client.async's in transfer.c, the nginx cosocket
 * one through answer.c) reports plain facts (calypso_facts) and calls
 * this, so a verdict never depends on which of them carried the bytes.
 * The order is the rule:
 *   1. a body over max_response_bytes fails, before any status is looked at
 *      (an answer with bytes missing must never pass as a success);
 *   2. a transport failure fails, with its class's kind;
 *   3. bytes that are not a whole, well-framed answer fail as "network";
 *   4. a 2xx must be one JSON object: the result (or, where the route says
 *      so, nothing at all: true);
 *   5. any other status is an "api" error, with Calypso's code if it sent one.
 * Each error also says its cause, one word for the failure class (a
 * transport's, as in classes[] below; or "framing", "closed", "too_large",
 * "not_object", "bad_json", "status", "proxy"), so that nobody reads the
 * message to tell them apart.
 * calypso_tunnel_outcome judges a proxy's answer to CONNECT the same way.
 * The connection is kept for another exchange only after an answer that
 * was framed for reuse and accepted (a result or an api error): after
 * anything refused (a 204, an undecodable 2xx), a misbehaving server could
 * otherwise shift every later answer by one. */
#include <string.h>
#include <time.h>
#include "calypso.h"

/* Each failure class a transport may report, the error kind it becomes, and
 * the message used when the transport gives no words of its own. */
static const struct {
  const char *failure, *kind, *otherwise;
} classes[] = {
    {"dns", "network", "the host name could not be resolved"},
    {"connect", "network", "could not connect"},
    {"tls", "tls", "the TLS handshake failed"},
    {"tls_clock", "tls", "the server's certificate is not valid at this machine's time"},
    {"timeout", "timeout", "no complete answer in time"},
    {"reset", "network", "the connection failed"},
    {"closed", "network", "the connection closed before the whole answer"},
    {"resend", "network", "the connection failed after the request was handed to it; libcurl"
                          " would have sent it again, which could apply it twice"},
    {"forked", "network", "the process forked while the request was in flight; it stays with"
                          " the parent process"},
    {"stamp", "validation", "the clock, with clock_offset_ms, gives a timestamp outside the"
                            " years 2001 to 2286; nothing was sent"},
    {"local", "network", "the transport failed"},
};

#define NCLASSES (sizeof classes / sizeof classes[0])

const char *calypso_failure_class(const char *name) {
  size_t i;
  for (i = 0; i < NCLASSES; i++)
    if (strcmp(classes[i].failure, name) == 0) return classes[i].failure;
  return NULL;
}

/* Retry-After: delta-seconds (digits only) or an HTTP date; < 0 when absent
 * or unreadable.  No strtod: the process locale must not matter. */
static double retry_after_seconds(const char *v) {
  double s = 0;
  const char *d = v;
  time_t at, now;
  if (v[0] == '\0') return -1;
  while (*d >= '0' && *d <= '9' && s < 1e9) s = s * 10 + (*d++ - '0');
  if (d != v && *d == '\0') return s;
  at = curl_getdate(v, NULL);
  if (at < 0) return -1;
  now = time(NULL);
  return at > now ? (double)(at - now) : 0;
}

/* Retry-After and Date, which only an error carries: read them only then
 * (an HTTP date costs more to parse than the rest of a verdict). */
static void read_kept(calypso_error *e, const calypso_facts *f) {
  if (f->kept == NULL) return;
  e->retry_after = retry_after_seconds(f->kept->retry_after);
  e->date = f->kept->date[0] ? (long long)curl_getdate(f->kept->date, NULL) : 0;
  if (e->date < 0) e->date = 0;
}

/* Nothing but JSON whitespace? */
static int blank(const char *s, size_t len) {
  size_t i;
  for (i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
  return 1;
}

/* Is the first byte that is not JSON whitespace a '['? */
static int is_array(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i < len && s[i] == '[';
}

/* The 2xx case: the body must be one JSON object, unknown fields kept; or,
 * where the route allows it, nothing at all, which is the success true. */
static int decoded_result(lua_State *L, const calypso_facts *f, calypso_error *e) {
  const char *data = f->body ? f->body : "";
  e->kind = "decode";
  if (f->empty_ok && blank(data, f->len)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  if ((calypso_json_is_object(data, f->len) || (f->list_ok && is_array(data, f->len))) &&
      calypso_json_decode(L, data, f->len, &f->decode))
    return 1;
  read_kept(e, f);
  if (!calypso_json_is_object(data, f->len) && !(f->list_ok && is_array(data, f->len))) {
    e->cause = "not_object";
    return calypso_fail(L, e, "HTTP %d response is not a JSON object", f->status);
  }
  e->cause = "bad_json";
  return calypso_fail(L, e, "HTTP %d response is not valid JSON: %s", f->status, lua_tostring(L, -1));
}

/* Non-2xx: keep what a Calypso error body says; any other body (an HTML
 * proxy page, say) still gives kind "api" with its status. */
static int api_error(lua_State *L, const calypso_facts *f, calypso_error *e) {
  const char *data = f->body ? f->body : "";
  e->kind = "api";
  e->cause = "status";
  if (calypso_json_is_object(data, f->len) && calypso_json_decode(L, data, f->len, &f->decode) &&
      lua_istable(L, -1)) {
    int t = lua_gettop(L);
    lua_getfield(L, t, "errorCode");
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
      e->code = lua_tostring(L, -1);
    lua_getfield(L, t, "message");
    if (lua_type(L, -1) == LUA_TSTRING) e->message = lua_tostring(L, -1);
    lua_getfield(L, t, "traceId");
    if (lua_type(L, -1) == LUA_TSTRING) e->trace_id = lua_tostring(L, -1);
  }
  if (e->code && strcmp(e->code, "003") == 0)
    e->hint = "check the secret: it must be the one issued with this key, whole, with no"
              " whitespace or newline at its ends";
  return calypso_push_error(L, e);
}

/* The trust store to check, in words that fit the transport and the
 * client: nginx's directive, a local sandbox's own CA, the system bundle, or
 * the cafile option. */
static const char *trust_words(const calypso_peer *p) {
  if (p->trust_name[0] && strcmp(p->trust_name, "lua_ssl_trusted_certificate") == 0)
    return "nginx's lua_ssl_trusted_certificate, which cosockets trust (not the cafile option)";
  if (p->trust_name[0]) return p->trust_name;
  if (p->system_trust && p->loopback)
    return "the cafile option: a local sandbox's certificate comes from its own CA, so pass cafile ="
           " sb.cafile, or set CALYPSO_CAFILE to the path `calypso sandbox start --env` prints";
  if (p->system_trust) return "the system CA bundle from the ca-certificates package, or the cafile option";
  return "the cafile option";
}

static int failed(lua_State *L, const calypso_facts *f, calypso_error *e) {
  size_t i;
  const char *detail;
  for (i = 0; i < NCLASSES && strcmp(classes[i].failure, f->failure) != 0; i++) continue;
  if (i == NCLASSES) i = NCLASSES - 1; /* "local": answer.c admits only known classes */
  e->kind = classes[i].kind;
  e->cause = classes[i].failure;
  detail = f->detail && f->detail[0] ? f->detail : classes[i].otherwise;
  if (strcmp(classes[i].failure, "tls_clock") == 0)
    return calypso_fail(L, e, "%s (by this machine's clock the certificate is not valid yet, or no"
                              " longer: check the system clock (NTP) first, then %s)",
                        detail, trust_words(&f->peer));
  if (strcmp(e->kind, "tls") == 0 && f->peer.ip_host && strstr(detail, "match") != NULL)
    return calypso_fail(L, e, "%s (the certificate does not name this IP address: connect by the host"
                              " name it carries, such as localhost for a local sandbox)", detail);
  if (strcmp(e->kind, "tls") == 0)
    return calypso_fail(L, e, "%s (the server's certificate or TLS handshake was refused: check %s)",
                        detail, trust_words(&f->peer));
  return calypso_fail(L, e, "%s", detail);
}

int calypso_tunnel_outcome(lua_State *L, const calypso_facts *f) {
  calypso_error e = calypso_error_init("network", f->status);
  if (f->failure) return failed(L, f, &e);
  e.cause = "proxy";
  if (f->bad_framing || !f->complete)
    return calypso_fail(L, &e, "the proxy's answer to CONNECT: %s",
                        f->bad_framing ? f->bad_framing : "incomplete");
  if (f->status >= 200 && f->status < 300) {
    lua_pushboolean(L, 1);
    return 1;
  }
  return calypso_fail(L, &e, "the proxy refused the tunnel (HTTP %d)", f->status);
}

int calypso_outcome(lua_State *L, const calypso_facts *f, int *keep) {
  calypso_error e = calypso_error_init(NULL, f->status);
  int accepted;
  if (keep) *keep = 0;
  e.request_sent = f->request_sent;
  /* The one way to succeed: none of rules 1 to 3 applies, and rule 4. */
  if (f->status >= 200 && f->status < 300 && !f->over_cap && !f->failure && !f->bad_framing &&
      f->complete) {
    accepted = decoded_result(L, f, &e) == 1;
    if (keep) *keep = accepted && f->reusable;
    return accepted ? 1 : 2;
  }
  read_kept(&e, f); /* every other outcome fails */
  if (f->over_cap) {
    /* A refusal too big to keep (an HTML 502, say) stays "api" with its
     * status, so the retry policy can still act on it. */
    e.kind = f->status >= 300 ? "api" : "decode";
    e.cause = "too_large";
    return calypso_fail(L, &e, "response body is larger than max_response_bytes (%d)", (int)f->cap);
  }
  if (f->failure) return failed(L, f, &e);
  if (f->bad_framing || !f->complete) {
    e.kind = "network";
    e.cause = f->bad_framing ? "framing" : "closed";
    return calypso_fail(L, &e, "%s", f->bad_framing ? f->bad_framing : "the answer is incomplete");
  }
  if (keep) *keep = f->reusable;
  return api_error(L, f, &e);
}

/* ---- the judge on its own, for unit specs and fuzzing ---- */

static int flag(lua_State *L, const char *name) {
  int on;
  lua_getfield(L, 1, name);
  on = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return on;
}

/* The string field, or NULL; it stays alive in the caller's table. */
static const char *text(lua_State *L, const char *name, size_t *len) {
  const char *s = NULL;
  lua_getfield(L, 1, name);
  if (!lua_isnil(L, -1)) s = luaL_checklstring(L, -1, len);
  lua_pop(L, 1);
  return s;
}

static void keep_text(lua_State *L, const char *name, char out[CALYPSO_HEADER_VALUE]) {
  size_t len = 0;
  const char *s = text(L, name, &len);
  if (s == NULL) return;
  if (len >= CALYPSO_HEADER_VALUE) len = CALYPSO_HEADER_VALUE - 1;
  memcpy(out, s, len);
  out[len] = '\0';
}

/* core.outcome(facts) -> result, keep | nil, err, keep
 * facts: a table of calypso_facts' fields (status, body, cap, complete,
 * over_cap, reusable, bad_framing, failure, detail, request_sent, empty_ok) and the
 * raw retry_after and date header values.  Raises for an unknown failure. */
static int l_outcome(lua_State *L) {
  calypso_facts f;
  calypso_kept kept;
  const char *failure;
  int keep = 0, n;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  memset(&f, 0, sizeof f);
  calypso_kept_clear(&kept);
  lua_getfield(L, 1, "status");
  f.status = (int)lua_tointeger(L, -1);
  lua_getfield(L, 1, "cap");
  f.body = text(L, "body", &f.len);
  f.cap = lua_isnil(L, -1) ? f.len : (size_t)lua_tointeger(L, -1);
  lua_pop(L, 2);
  f.complete = flag(L, "complete");
  f.over_cap = flag(L, "over_cap");
  f.reusable = flag(L, "reusable");
  f.request_sent = flag(L, "request_sent");
  f.empty_ok = flag(L, "empty_ok");
  f.list_ok = flag(L, "list_ok");
  f.decode = calypso_decode_doubles;
  if (flag(L, "exact")) f.decode.numbers = CALYPSO_NUMBERS_EXACT;
  f.bad_framing = text(L, "bad_framing", NULL);
  f.detail = text(L, "detail", NULL);
  failure = text(L, "failure", NULL);
  if (failure) {
    f.failure = calypso_failure_class(failure);
    luaL_argcheck(L, f.failure != NULL, 1, "facts.failure is not a failure class");
  }
  keep_text(L, "retry_after", kept.retry_after);
  keep_text(L, "date", kept.date);
  f.kept = &kept;
  n = calypso_outcome(L, &f, &keep);
  lua_pushboolean(L, keep);
  return n + 1;
}

void calypso_outcome_open(lua_State *L) {
  lua_pushcfunction(L, l_outcome);
  lua_setfield(L, -2, "outcome");
}
