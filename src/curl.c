/* curl.c: what the two libcurl transports (conn.c, transfer.c) share: the
 * one-time global init, the settings every handle holds to, and the one
 * reading of a failed CURLcode as a failure class (outcome.c judges it).
 * Invariants: every handle is https only, TLS 1.2 or later, verified (peer
 * and name), follows no redirect, and uses a proxy only when the client's
 * `proxy` option names one (the environment's https_proxy is ignored: the
 * nginx transport cannot honour it, and a payment call should not take a
 * route nobody chose for it). */
#include <pthread.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include "calypso.h"

/* curl_global_init is not reentrant: run it exactly once per process, from
 * whichever thread (Lua state) gets here first.  These two are the core's only
 * mutable file-scope variables, with encode.c's C locale (also set once). */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int calypso_curl_global_init(void) {
  pthread_once(&global_once, global_init);
  return global_rc == CURLE_OK;
}

#define SET(opt, val) (curl_easy_setopt(h, (opt), (val)) == CURLE_OK)

int calypso_curl_secure(CURL *h, const char *cafile, const char *proxy) {
  int ok =
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
      SET(CURLOPT_PROTOCOLS_STR, "https") && SET(CURLOPT_REDIR_PROTOCOLS_STR, "https") &&
#else
      SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) &&
      SET(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS) &&
#endif
      SET(CURLOPT_FOLLOWLOCATION, 0L) && SET(CURLOPT_SSL_VERIFYPEER, 1L) &&
      SET(CURLOPT_SSL_VERIFYHOST, 2L) && SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) &&
      SET(CURLOPT_NOSIGNAL, 1L) && SET(CURLOPT_TCP_NODELAY, 1L) && SET(CURLOPT_TCP_KEEPALIVE, 1L) &&
      /* "" turns the environment's proxy variables off */
      SET(CURLOPT_PROXY, proxy ? proxy : "");
  if (ok && proxy) ok = SET(CURLOPT_HTTPPROXYTUNNEL, 1L);
  if (ok && cafile) ok = SET(CURLOPT_CAINFO, cafile) && SET(CURLOPT_CAPATH, (char *)NULL);
  return ok;
}

#undef SET

/* A handshake the peer cut (EOF or reset, no TLS alert) is a network failure:
 * nothing about certificates or protocol versions went wrong.  libcurl gives
 * both the same code; what tells them apart is that a TLS failure always
 * carries an OpenSSL library error ("error:0A00010B:SSL routines::wrong
 * version number", an alert, ...), while a cut connection carries only a
 * socket error, whose wording varies with where the cut landed.  (The OS
 * errno is no guide: it may be left from a refused happy-eyeballs attempt.)
 * This is the one place that reads libcurl's words; the rows "a handshake the
 * server cut" and "... reset" in spec/retry_spec.lua hold it to that. */
static int handshake_cut(const char *message) {
  return strstr(message, "SSL routines") == NULL;
}

/* A verification that failed on the certificate's dates (not yet valid, or
 * expired) points at this machine's clock: OpenSSL's verify result says
 * so, no words needed. */
static const char *verify_failure(CURL *curl) {
  long result = X509_V_OK;
  if (curl && curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &result) == CURLE_OK &&
      (result == X509_V_ERR_CERT_NOT_YET_VALID || result == X509_V_ERR_CERT_HAS_EXPIRED))
    return "tls_clock";
  return "tls";
}

/* OpenSSL keeps a per-thread error queue, which libcurl leaves entries in
 * after a failed handshake or a shutdown of a half-open connection.  In
 * nginx that thread is the worker's, and nginx reports what it finds there
 * before its own next handshake ("ignoring stale global SSL error"): empty
 * it whenever the core hands control back. */
void calypso_tls_errors_clear(void) {
  /* Only when there is something: nginx asks ERR_peek_error too, and the
   * clearing walks all 16 slots (~840 instructions, on every call). */
  if (ERR_peek_error() != 0) ERR_clear_error();
}

const char *calypso_curl_failure(CURL *curl, CURLcode rc, const char *message) {
  long tunnel = 0;
  /* A proxy that refused the tunnel ("CONNECT tunnel failed, response 403"
   * is a CURLE_RECV_ERROR): no connection to the origin, as on cosockets. */
  if (curl && curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &tunnel) == CURLE_OK && tunnel >= 300)
    return "connect";
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "dns";
    case CURLE_COULDNT_CONNECT:
#if LIBCURL_VERSION_NUM >= 0x074900 /* 7.73: a proxy's own failure, such as a refused CONNECT */
    case CURLE_PROXY:
#endif
      return "connect";
    case CURLE_SSL_CONNECT_ERROR:
      return handshake_cut(message) ? "closed" : "tls";
    case CURLE_PEER_FAILED_VERIFICATION:
      return verify_failure(curl);
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
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return "closed";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return "reset";
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
      return "local";
    default:
      return "reset"; /* any other failure of the exchange; request_sent says when */
  }
}
