/* http.c: everything that touches libcurl.
 * One easy handle per client, configured once: https only, no redirects,
 * verification always on, TCP_NODELAY, no signals.  The handle keeps the
 * connection and TLS session alive between calls.
 * Callbacks are plain C and never call Lua:
 *   on_body    appends to the client's capped buffer; returns 0 (abort) past the cap
 *   on_header  keeps the final response's Retry-After and Date values
 *   on_prereq  counts request sends and refuses a second one in one attempt:
 *              libcurl would otherwise resend a POST by itself when a reused
 *              connection dies before any answer, and the server may already
 *              have acted on the first (a duplicate customer).  Whether to
 *              send again is the retry policy's decision, not libcurl's. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "calypso.h"

/* curl_global_init is not reentrant: run it exactly once per process, from
 * whichever thread (Lua state) gets here first.  These two are the core's only
 * mutable file-scope variables (json.c's two constants only lend addresses). */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int calypso_http_global_init(void) {
  pthread_once(&global_once, global_init);
  return global_rc == CURLE_OK;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata) {
  calypso_buf *b = userdata;
  size_t len = size * n;
  if (len > b->max - b->len) {
    b->overflow = 1;
    return 0;
  }
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 16384;
    char *p;
    while (cap < b->len + len) cap *= 2;
    if (cap > b->max) cap = b->max;
    p = realloc(b->data, cap);
    if (p == NULL) {
      b->nomem = 1;
      return 0;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return len;
}

/* Copies the value of a "Name: value\r\n" line, trimmed and truncated. */
static void keep_value(const char *line, size_t len, size_t name_len, char *out) {
  size_t start = name_len, n;
  while (start < len && (line[start] == ' ' || line[start] == '\t')) start++;
  while (len > start && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
    len--;
  n = len - start;
  if (n >= CALYPSO_HEADER_VALUE) n = CALYPSO_HEADER_VALUE - 1;
  memcpy(out, line + start, n);
  out[n] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *userdata) {
  calypso_attempt *a = userdata;
  size_t len = size * n;
  if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    a->retry_after[0] = a->date[0] = '\0'; /* a new response: forget the last one's */
  } else if (len > 12 && strncasecmp(line, "Retry-After:", 12) == 0) {
    keep_value(line, len, 12, a->retry_after);
  } else if (len > 5 && strncasecmp(line, "Date:", 5) == 0) {
    keep_value(line, len, 5, a->date);
  }
  return len;
}

static int on_prereq(void *userdata, char *ip, char *local_ip, int port, int local_port) {
  calypso_attempt *a = userdata;
  (void)ip, (void)local_ip, (void)port, (void)local_port;
  return ++a->sends > 1 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

#define SET(opt, val) (curl_easy_setopt(h, (opt), (val)) == CURLE_OK)

/* https only, for the request and for any redirect (we follow none anyway). */
static int https_only(CURL *h) {
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
  return SET(CURLOPT_PROTOCOLS_STR, "https") && SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
  return SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) &&
         SET(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
}

CURL *calypso_http_handle(calypso_client *c, const char *cafile) {
  CURL *h = curl_easy_init();
  int ok;
  if (h == NULL) return NULL;
  ok = SET(CURLOPT_NOSIGNAL, 1L) && SET(CURLOPT_TCP_NODELAY, 1L) &&
       SET(CURLOPT_TCP_KEEPALIVE, 1L) && https_only(h) && SET(CURLOPT_FOLLOWLOCATION, 0L) &&
       SET(CURLOPT_SSL_VERIFYPEER, 1L) && SET(CURLOPT_SSL_VERIFYHOST, 2L) &&
       SET(CURLOPT_MAXCONNECTS, 1L) && SET(CURLOPT_POST, 1L) &&
       SET(CURLOPT_HTTPHEADER, &c->sign_node) && SET(CURLOPT_WRITEFUNCTION, on_body) &&
       SET(CURLOPT_WRITEDATA, &c->response) && SET(CURLOPT_HEADERFUNCTION, on_header) &&
       SET(CURLOPT_HEADERDATA, &c->last) && SET(CURLOPT_PREREQFUNCTION, on_prereq) &&
       SET(CURLOPT_PREREQDATA, &c->last) && SET(CURLOPT_ERRORBUFFER, c->errbuf) &&
       SET(CURLOPT_USERAGENT, "calypso-lua/" CALYPSO_VERSION) &&
       SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->response.max) &&
       calypso_sockets_setup(c, h);
  /* A cafile replaces the system store rather than adding to it. */
  if (ok && cafile) ok = SET(CURLOPT_CAINFO, cafile) && SET(CURLOPT_CAPATH, (char *)NULL);
  if (!ok) {
    curl_easy_cleanup(h);
    return NULL;
  }
  return h;
}

/* One attempt; timeout_ms bounds it (and its connect phase) below the
 * client's own limits. */
CURLcode calypso_http_post(calypso_client *c, const char *url, const char *body, size_t len,
                           long timeout_ms, long *status) {
  CURL *h = c->curl;
  CURLcode rc;
  long connect_ms = c->connect_timeout_ms < timeout_ms ? c->connect_timeout_ms : timeout_ms;
  c->response.len = 0;
  c->response.overflow = c->response.nomem = 0;
  memset(&c->last, 0, sizeof c->last);
  c->errbuf[0] = '\0';
  *status = 0;
  if (!SET(CURLOPT_URL, url) || !SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) ||
      !SET(CURLOPT_POSTFIELDS, body) || !SET(CURLOPT_TIMEOUT_MS, timeout_ms) ||
      !SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms))
    return CURLE_OUT_OF_MEMORY;
  rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
  return rc;
}

#undef SET

/* A handshake the peer cut (EOF or reset, no TLS alert) is a network failure:
 * nothing about certificates or protocol versions went wrong.  libcurl gives
 * both the same code, so this reads its OpenSSL-backend wording. */
static int handshake_cut(calypso_client *c) {
  long os_errno = 0;
  curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
  return os_errno != 0 || strstr(c->errbuf, "SSL_ERROR_SYSCALL") != NULL;
}

const char *calypso_http_kind(calypso_client *c, CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_SSL_CONNECT_ERROR:
      return handshake_cut(c) ? "network" : "tls";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return "tls";
    default:
      return "network";
  }
}
