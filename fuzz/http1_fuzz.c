/* http1_fuzz.c: the response parser (src/http1.c) must not care how the
 * bytes are cut.  Links http1.c and buf.c only.
 * Input: [cap lo][cap hi][mode][k piece lengths][response bytes...]
 * The body cap is 0..65535; mode's top bit parses the answer to a CONNECT
 * (calypso_http1_start_tunnel), its low bits give k = 0..16.  The response
 * bytes are fed three ways, each followed by eof: whole, in the pieces
 * (lengths cycled, 0 being an empty feed), and one byte at a time.  Every
 * piece sits in an allocation of its exact size, so a read past what was
 * offered is an ASan report.
 * Invariants (abort() on violation):
 *  - no crash, no UB, no leak (ASan, UBSan, LSan);
 *  - the body never holds more than the cap;
 *  - feed consumes everything offered until the answer is done or failed;
 *  - after eof the parse is either done or failed, and failed has a reason;
 *  - the three ways agree on done, failed, the reason, status, reusable,
 *    the overflow flag, interim answers, the kept Retry-After and Date, and
 *    for a done answer on the bytes consumed and the body.  For a failed
 *    one the bodies need only agree where they overlap: an append that
 *    would pass the cap is refused whole, so how much of a doomed body was
 *    kept depends on the cut (the judge never looks at it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

typedef struct {
  calypso_http1 *p; /* on the heap, so a write past p->line is seen */
  calypso_buf body;
  size_t consumed;
} run;

static void run_start(run *r, size_t cap, int tunnel) {
  r->p = malloc(sizeof *r->p);
  CALYPSO_FUZZ_CHECK(r->p != NULL, "out of memory");
  if (tunnel) calypso_http1_start_tunnel(r->p);
  else calypso_http1_start(r->p);
  memset(&r->body, 0, sizeof r->body);
  r->body.max = cap;
  r->consumed = 0;
}

/* One feed of n bytes from piece, which holds exactly that many. */
static void run_feed_exact(run *r, const char *piece, size_t n) {
  size_t used = calypso_http1_feed(r->p, piece, n, &r->body);
  int settled = calypso_http1_done(r->p) || calypso_http1_failed(r->p);
  CALYPSO_FUZZ_CHECK(used <= n, "feed consumed %zu of %zu bytes", used, n);
  CALYPSO_FUZZ_CHECK(used == n || settled, "feed left %zu bytes while still parsing", n - used);
  CALYPSO_FUZZ_CHECK(r->body.len <= r->body.max, "body %zu bytes past the cap %zu", r->body.len,
                     r->body.max);
  r->consumed += used;
}

/* One feed of a copy of the piece, in a buffer of exactly its size. */
static void run_feed(run *r, const uint8_t *data, size_t n) {
  char *piece = malloc(n ? n : 1);
  CALYPSO_FUZZ_CHECK(piece != NULL, "out of memory");
  if (n) memcpy(piece, data, n);
  run_feed_exact(r, piece, n);
  free(piece);
}

static void run_end(run *r) {
  calypso_http1_eof(r->p);
  CALYPSO_FUZZ_CHECK(calypso_http1_done(r->p) != calypso_http1_failed(r->p),
                     "after eof the parse is neither done nor failed, or both");
  CALYPSO_FUZZ_CHECK(!calypso_http1_failed(r->p) || r->p->error != NULL, "failed with no reason");
  CALYPSO_FUZZ_CHECK(r->body.len <= r->body.max, "body past the cap");
}

static void run_free(run *r) {
  free(r->p);
  calypso_buf_free(&r->body);
}

static const char *str(const char *s) { return s ? s : "(none)"; }

static void same(const run *a, const run *b, const char *how) {
  const calypso_http1 *p = a->p, *q = b->p;
  size_t common = a->body.len < b->body.len ? a->body.len : b->body.len;
  CALYPSO_FUZZ_CHECK(calypso_http1_done(p) == calypso_http1_done(q), "%s: done differs", how);
  CALYPSO_FUZZ_CHECK(p->error == q->error, "%s: reason differs: %s / %s", how, str(p->error),
                     str(q->error));
  CALYPSO_FUZZ_CHECK(p->status == q->status, "%s: status %d / %d", how, p->status, q->status);
  CALYPSO_FUZZ_CHECK(calypso_http1_reusable(p) == calypso_http1_reusable(q), "%s: reusable differs",
                     how);
  CALYPSO_FUZZ_CHECK(a->body.overflow == b->body.overflow, "%s: overflow differs", how);
  CALYPSO_FUZZ_CHECK(p->interim == q->interim, "%s: interim count differs", how);
  CALYPSO_FUZZ_CHECK(strcmp(p->kept.retry_after, q->kept.retry_after) == 0 &&
                         strcmp(p->kept.date, q->kept.date) == 0,
                     "%s: kept headers differ", how);
  CALYPSO_FUZZ_CHECK(common == 0 || memcmp(a->body.data, b->body.data, common) == 0,
                     "%s: bodies differ within their first %zu bytes", how, common);
  if (calypso_http1_done(p)) {
    CALYPSO_FUZZ_CHECK(a->consumed == b->consumed, "%s: consumed %zu / %zu", how, a->consumed,
                       b->consumed);
    CALYPSO_FUZZ_CHECK(a->body.len == b->body.len, "%s: body %zu / %zu bytes", how, a->body.len,
                       b->body.len);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  calypso_fuzz_locale();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  run whole, pieces, bytes;
  const uint8_t *splits, *resp;
  size_t cap, k, n, i, at, cycle;
  int tunnel;
  char *one;
  if (size < 3) return 0;
  cap = (size_t)data[0] | (size_t)data[1] << 8;
  tunnel = data[2] >> 7;
  k = (data[2] & 0x7f) % 17;
  if (size < 3 + k) return 0;
  splits = data + 3;
  resp = splits + k;
  n = size - 3 - k;

  run_start(&whole, cap, tunnel);
  run_feed(&whole, resp, n);
  run_end(&whole);

  run_start(&pieces, cap, tunnel);
  for (i = 0, cycle = 0; i < k; i++) cycle += splits[i];
  if (cycle == 0) { /* no lengths, or only empty feeds: one empty feed, then the rest */
    run_feed(&pieces, resp, 0);
    run_feed(&pieces, resp, n);
  } else {
    for (i = 0, at = 0; at < n; i++) {
      size_t len = splits[i % k];
      if (len > n - at) len = n - at;
      run_feed(&pieces, resp + at, len);
      at += len;
    }
  }
  run_end(&pieces);

  run_start(&bytes, cap, tunnel);
  one = malloc(1);
  CALYPSO_FUZZ_CHECK(one != NULL, "out of memory");
  for (at = 0; at < n; at++) {
    *one = (char)resp[at];
    run_feed_exact(&bytes, one, 1);
  }
  free(one);
  run_end(&bytes);

  same(&whole, &pieces, "whole vs pieces");
  same(&whole, &bytes, "whole vs bytewise");
  run_free(&whole);
  run_free(&pieces);
  run_free(&bytes);
  return 0;
}
