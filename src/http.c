/* http.c: everything that touches libcurl.
 * One easy handle per client, configured once: https only, no redirects,
 * verification always on, TCP_NODELAY, no signals.  The handle keeps the
 * connection and TLS session alive between calls.  The body callback is plain
 * C: it appends to the client's capped buffer and returns 0 (abort) when the
 * cap would be passed.  No Lua runs inside libcurl. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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

CURL *calypso_http_handle(calypso_client *c, const calypso_http_opts *o) {
  CURL *h = curl_easy_init();
  int ok;
  if (h == NULL) return NULL;
  c->response.max = o->max_response;
  ok = SET(CURLOPT_NOSIGNAL, 1L) && SET(CURLOPT_TCP_NODELAY, 1L) &&
       SET(CURLOPT_TCP_KEEPALIVE, 1L) && https_only(h) && SET(CURLOPT_FOLLOWLOCATION, 0L) &&
       SET(CURLOPT_SSL_VERIFYPEER, 1L) && SET(CURLOPT_SSL_VERIFYHOST, 2L) &&
       SET(CURLOPT_POST, 1L) && SET(CURLOPT_HTTPHEADER, &c->sign_node) &&
       SET(CURLOPT_WRITEFUNCTION, on_body) && SET(CURLOPT_WRITEDATA, &c->response) &&
       SET(CURLOPT_ERRORBUFFER, c->errbuf) &&
       SET(CURLOPT_USERAGENT, "calypso-lua/" CALYPSO_VERSION) &&
       SET(CURLOPT_TIMEOUT_MS, o->timeout_ms) &&
       SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms) &&
       SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response);
  /* A cafile replaces the system store rather than adding to it. */
  if (ok && o->cafile) ok = SET(CURLOPT_CAINFO, o->cafile) && SET(CURLOPT_CAPATH, (char *)NULL);
  if (!ok) {
    curl_easy_cleanup(h);
    return NULL;
  }
  return h;
}

CURLcode calypso_http_post(calypso_client *c, const char *url, const char *body, size_t len,
                           long *status) {
  CURL *h = c->curl;
  CURLcode rc;
  c->response.len = 0;
  c->response.overflow = c->response.nomem = 0;
  c->errbuf[0] = '\0';
  *status = 0;
  if (!SET(CURLOPT_URL, url) || !SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) ||
      !SET(CURLOPT_POSTFIELDS, body))
    return CURLE_OUT_OF_MEMORY;
  rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
  return rc;
}

#undef SET

const char *calypso_http_kind(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_SSL_CONNECT_ERROR:
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
