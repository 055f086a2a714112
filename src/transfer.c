/* transfer.c: one client.async request on a libcurl easy handle, for a
 * client with `http2 = true` (otherwise link.c carries it over the core's
 * own HTTP/1.1, and the request needs none of this).  libcurl's HTTP engine
 * frames the exchange; this file gives it the envelope, stamps
 * and signs each attempt as it leaves, and reports the attempt's facts for
 * outcome.c to judge.  Its callbacks are plain C and never call Lua.
 * Every attempt is stamped and signed in the pre-request callback, when
 * libcurl has a connection and is about to send: a request that waited for
 * one still carries a fresh timestamp.  The timestamp keeps its 13 digits
 * (years 2001 to 2286), so the body is rewritten in place.  The same callback
 * refuses a second send within one attempt: libcurl resends a request by
 * itself when a reused connection dies under it, and a create sent twice can
 * make two customers.  Whether to try again is the Lua policy's decision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include "multi.h"

/* Did TLS agree on HTTP/2 (ALPN "h2") for this transfer's connection?  Asked
 * of OpenSSL, not of libcurl's HTTP version, which a server's own status line
 * ("HTTP/2 200" over HTTP/1.1) would set.  With another TLS backend, libcurl's
 * version is the best there is. */
static int over_http2(calypso_transfer *t) {
  struct curl_tlssessioninfo *tls = NULL;
  const unsigned char *alpn = NULL;
  unsigned int len = 0;
  long version = 0;
  if (!t->m->c->http2) return 0; /* never offered */
  if (curl_easy_getinfo(t->easy, CURLINFO_TLS_SSL_PTR, &tls) == CURLE_OK && tls &&
      tls->backend == CURLSSLBACKEND_OPENSSL && tls->internals) {
    SSL_get0_alpn_selected((SSL *)tls->internals, &alpn, &len);
    return len == 2 && memcmp(alpn, "h2", 2) == 0;
  }
  curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version);
  return version == CURL_HTTP_VERSION_2_0;
}

/* ---- libcurl's callbacks: plain C, never Lua ---- */

static size_t on_write(char *data, size_t size, size_t n, void *userp) {
  calypso_transfer *t = userp;
  t->received += size * n;
  return calypso_buf_append(&t->response, data, size * n) ? size * n : 0;
}

/* Over HTTP/1.x the head lines are the server's own bytes: the core's parser
 * reads them too, so that the same rules (line and head limits, field
 * syntax, Content-Length, Transfer-Encoding, 101, the size cap before any
 * body byte) decide here as on the other transports.  A refusal aborts the
 * transfer; transfer_end reports the parser's reason.  HTTP/2's head lines
 * are libcurl's rendering of binary frames, with nothing to mis-frame. */
static size_t on_header(char *line, size_t size, size_t n, void *userp) {
  calypso_transfer *t = userp;
  size_t len = size * n;
  t->received += len;
  calypso_kept_line(&t->kept, line, len);
  if (t->strict < 0) t->strict = !over_http2(t);
  if (t->strict && calypso_http1_in_head(&t->head)) {
    calypso_http1_feed(&t->head, line, len, &t->response);
    if (calypso_http1_failed(&t->head)) return 0;
  }
  return len;
}

/* Writes now's timestamp into the body, in place, and its Sign's hex into
 * sign, as each attempt leaves (here for libcurl's engine, in link.c for the
 * core's HTTP/1.1).  1; 0 when the timestamp no longer has the width the
 * body was built with; -1 when OpenSSL could not sign. */
int calypso_transfer_stamp(calypso_transfer *t, char *sign) {
  calypso_client *c = t->m->c;
  long long ts = calypso_clock_ms() + c->clock_offset_ms;
  char digits[CALYPSO_DECIMAL_MAX];
  size_t len = 0;
  const char *d = digits;
  if (ts >= 0) d = calypso_decimal(digits, (unsigned long long)ts, &len);
  if (len != t->ts_len) return 0;
  memcpy(t->body.data + t->ts_at, d, len);
  return calypso_signer_hex(c->signer, t->body.data, t->body.len, sign) ? 1 : -1;
}

/* Stamp, sign, send: or refuse a second send of the same attempt. */
static int on_prereq(void *userp, char *ip, char *local_ip, int port, int local_port) {
  calypso_transfer *t = userp;
  (void)ip;
  (void)local_ip;
  (void)port;
  (void)local_port;
  if (t->sends++ > 0) return CURL_PREREQFUNC_ABORT;
  if (calypso_transfer_stamp(t, t->sign_at) != 1) {
    t->stamp_failed = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  t->handed = 1;
  return CURL_PREREQFUNC_OK;
}

/* ---- the easy handle ---- */

#define SET(opt, val) (curl_easy_setopt(t->easy, (opt), (val)) == CURLE_OK)

/* The settings that hold for every attempt of every request. */
int calypso_transfer_setup(calypso_transfer *t) {
  calypso_client *c = t->m->c;
  t->easy = curl_easy_init();
  return t->easy && calypso_curl_secure(t->easy, c->cafile, c->proxy) &&
         calypso_sockets_setup(&t->m->sockets, t->easy) &&
         SET(CURLOPT_HTTP_VERSION,
             c->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1) &&
         SET(CURLOPT_PIPEWAIT, 1L) && SET(CURLOPT_POST, 1L) &&
         SET(CURLOPT_HTTPHEADER, t->headers) && SET(CURLOPT_ERRORBUFFER, t->detail) &&
         SET(CURLOPT_PRIVATE, (void *)t) && SET(CURLOPT_WRITEFUNCTION, on_write) &&
         SET(CURLOPT_WRITEDATA, (void *)t) && SET(CURLOPT_HEADERFUNCTION, on_header) &&
         SET(CURLOPT_HEADERDATA, (void *)t) && SET(CURLOPT_PREREQFUNCTION, on_prereq) &&
         SET(CURLOPT_PREREQDATA, (void *)t);
}

/* One attempt: the envelope as it stands, this attempt's limits. */
int calypso_transfer_start(calypso_transfer *t, long timeout_ms, long connect_timeout_ms) {
  calypso_buf_reset(&t->response);
  t->received = 0;
  calypso_kept_clear(&t->kept);
  calypso_http1_start(&t->head);
  t->strict = -1;
  t->sends = t->handed = t->stamp_failed = t->status = t->complete = 0;
  t->failure = NULL;
  t->detail[0] = '\0';
  return SET(CURLOPT_URL, t->url.data) &&
         SET(CURLOPT_CUSTOMREQUEST, t->route.method == CALYPSO_POST ? NULL : calypso_route_method(&t->route)) &&
         SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body.len) &&
         SET(CURLOPT_POSTFIELDS, t->body.data) && SET(CURLOPT_TIMEOUT_MS, timeout_ms) &&
         SET(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms < timeout_ms ? connect_timeout_ms : timeout_ms);
}

#undef SET

void calypso_transfer_free(calypso_transfer *t) {
  if (t == NULL) return;
  if (t->easy) curl_easy_cleanup(t->easy);
  curl_slist_free_all(t->headers);
  calypso_buf_free(&t->body);
  calypso_buf_free(&t->url);
  calypso_buf_free(&t->response);
  calypso_buf_free(&t->path);
  calypso_buf_free(&t->request);
  calypso_buf_free(&t->ex.response);
  free(t);
}

/* Appends a line; on failure frees the whole list and returns NULL. */
static struct curl_slist *append(struct curl_slist *list, const char *line) {
  struct curl_slist *grown = curl_slist_append(list, line);
  if (grown == NULL) curl_slist_free_all(list);
  return grown;
}

/* The client's fixed header lines, from the head the blocking transport
 * sends (http1.c), so both send the same headers: every line but the
 * request line's tail and Host, which libcurl writes (or :authority). */
static struct curl_slist *fixed_headers(const calypso_client *c) {
  struct curl_slist *list = NULL;
  const char *line = strstr(c->head, "\r\n") + 2, *end;
  char *copy = malloc(c->head_len + 1);
  if (copy == NULL) return NULL;
  for (; (end = strstr(line, "\r\n")) != NULL; line = end + 2) {
    if (strncmp(line, "Host:", 5) == 0) continue;
    memcpy(copy, line, (size_t)(end - line));
    copy[end - line] = '\0';
    if ((list = append(list, copy)) == NULL) break;
  }
  free(copy);
  return list;
}

/* A transfer; for HTTP/2 with its easy handle and fixed headers (Sign's
 * digits are written per attempt), over the core's HTTP/1.1 with neither. */
calypso_transfer *calypso_transfer_new(calypso_multi *m) {
  calypso_client *c = m->c;
  calypso_transfer *t = calloc(1, sizeof *t);
  struct curl_slist *last;
  if (t == NULL) return NULL;
  t->m = m;
  t->body.max = CALYPSO_MAX_BODY;
  t->url.max = t->path.max = 64 * 1024;
  t->request.max = CALYPSO_MAX_BODY + 128 * 1024;
  t->response.max = t->ex.response.max = c->max_response;
  if (CALYPSO_LINKS(m)) return t;
  t->headers = fixed_headers(c);
  if (t->headers) t->headers = append(t->headers, "Expect:");
  if (t->headers)
    t->headers = append(t->headers, CALYPSO_SIGN_PREFIX
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000");
  if (t->headers == NULL || !calypso_transfer_setup(t)) {
    calypso_transfer_free(t);
    return NULL;
  }
  for (last = t->headers; last->next; last = last->next) continue;
  t->sign_at = last->data + strlen(CALYPSO_SIGN_PREFIX);
  return t;
}

/* How the attempt ended, as facts; libcurl framed the answer, so a whole
 * one (CURLE_OK) is complete and, as far as framing goes, reusable. */
void calypso_transfer_end(calypso_transfer *t, CURLcode rc) {
  long status = 0;
  t->state = T_ENDED;
  t->m->active--;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  t->status = t->strict == 1 ? t->head.status : (int)status; /* the same reading as elsewhere */
  t->complete = rc == CURLE_OK;
  if (rc == CURLE_OK || t->response.overflow || calypso_http1_failed(&t->head)) return;
  if (t->stamp_failed || rc == CURLE_ABORTED_BY_CALLBACK) { /* outcome.c words these */
    t->failure = t->stamp_failed ? "stamp" : "resend";
    t->detail[0] = '\0';
    return;
  }
  t->failure = calypso_curl_failure(t->easy, rc, t->detail);
  if (t->detail[0] == '\0') snprintf(t->detail, sizeof t->detail, "%s", curl_easy_strerror(rc));
}

/* After fork(): the child's copy of a running attempt ends here.  The
 * parent sends it: to this process it may well be applied. */
void calypso_transfer_orphan(calypso_transfer *t) {
  calypso_transfer_end(t, CURLE_SEND_ERROR);
  t->handed = 1;
  t->failure = "forked";
  t->detail[0] = '\0';
  t->orphaned = 1;
}

void calypso_transfer_facts(const calypso_transfer *t, calypso_facts *f) {
  memset(f, 0, sizeof *f);
  f->status = t->status;
  f->body = t->response.data;
  f->len = t->response.len;
  f->cap = t->response.max;
  f->complete = t->complete;
  f->over_cap = t->response.overflow;
  f->reusable = t->complete;
  f->bad_framing = calypso_http1_failed(&t->head) ? t->head.error : NULL;
  f->failure = t->failure;
  f->detail = t->detail;
  f->request_sent = t->handed;
  f->empty_ok = t->route.empty_ok;
  f->list_ok = t->route.list_ok;
  f->decode = t->m->c->decode;
  f->kept = &t->kept;
  calypso_client_peer(t->m->c, &f->peer);
}

/* The outcome refused the answer: libcurl has already put the connection
 * back in its cache, so shut its socket down; libcurl finds it dead before
 * any reuse and closes it.  HTTP/2 frames each stream on its own, so a
 * refused answer there cannot shift the next one: that connection stays. */
void calypso_transfer_drop_connection(calypso_transfer *t) {
  curl_socket_t s = CURL_SOCKET_BAD;
  if (!t->strict) return;
  if (curl_easy_getinfo(t->easy, CURLINFO_ACTIVESOCKET, &s) == CURLE_OK && s != CURL_SOCKET_BAD)
    shutdown(s, SHUT_RDWR);
}
