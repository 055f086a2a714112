/* http1.c: the HTTP/1.1 response parser, and nothing else: no sockets, no
 * Lua (requests are request.c's).  The parser is incremental: feed it bytes
 * as they arrive and it walks status line, headers and body, which may be
 * framed by Content-Length, by chunks, or by the connection closing.  Up to
 * MAX_INTERIM 1xx answers are skipped (101 is refused: we never ask to
 * switch); 204 and 304 have no body.  The body goes into a capped buffer; a
 * Content-Length past the cap fails before any body byte, and a chunk that
 * does not fit ends the parse there.  Once failed, the parser stays failed.
 * Strict where laxness could mis-frame a body: no NUL bytes, no whitespace
 * before a header's colon, digits only in lengths and chunk sizes, a repeated
 * Content-Length written the same, no transfer coding but one chunked, CRLF
 * (not a bare LF) in chunk framing.  Limits: 8 KiB per line; 64 KiB for every
 * head line of the answer together, interim answers and trailers included.
 * Why our own parser: bench/results.md (libcurl's HTTP engine costs twice the
 * CPU); the differential corpus (spec/corpus) holds it to h11's verdicts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "calypso.h"

enum {
  H_STATUS, H_HEADERS, H_BODY, H_CHUNK_SIZE, H_CHUNK_DATA, H_CHUNK_END, H_TRAILERS,
  H_UNTIL_CLOSE, H_DONE, H_ERROR
};

#define MAX_HEADER_BYTES (64 * 1024)
#define MAX_INTERIM 16

/* The fields of one answer (status line to body), as a new answer starts. */
static void start_answer(calypso_http1 *p) {
  p->state = H_STATUS;
  p->status = p->chunked = p->conn_close = p->http10 = p->keep_alive = 0;
  p->length = -1;
  p->remaining = 0;
  p->line_len = 0;
  calypso_kept_clear(&p->kept);
}

/* Resets every field but the line buffer (8 KiB no call needs cleared). */
void calypso_http1_start(calypso_http1 *p) {
  start_answer(p);
  p->interim = 0;
  p->header_bytes = 0;
  p->error = NULL;
  p->tunnel = 0;
}

/* For the answer to CONNECT: a 2xx ends with its head (RFC 9110 9.3.6);
 * after it the stream is the tunnel's. */
void calypso_http1_start_tunnel(calypso_http1 *p) {
  calypso_http1_start(p);
  p->tunnel = 1;
}


/* The first failure stands: nothing after it is parsed. */
static void fail(calypso_http1 *p, const char *why) {
  p->state = H_ERROR;
  p->error = why;
}

int calypso_http1_done(const calypso_http1 *p) { return p->state == H_DONE; }

/* A body read until the connection closed, Connection: close (even on an
 * interim answer), HTTP/1.0 without keep-alive, or both Content-Length and
 * chunked (RFC 9112 6.3: close after such a message) all end the connection. */
int calypso_http1_reusable(const calypso_http1 *p) {
  int framed; /* the body's end was marked, not left to the connection closing */
  if (p->state != H_DONE || p->conn_close || (p->http10 && !p->keep_alive)) return 0;
  if (p->chunked) framed = p->length < 0;
  else framed = p->length >= 0 || p->status == 204 || p->status == 304;
  return framed;
}
int calypso_http1_failed(const calypso_http1 *p) { return p->state == H_ERROR; }
int calypso_http1_in_head(const calypso_http1 *p) { return p->state == H_STATUS || p->state == H_HEADERS; }
static int calypso_http1_started(const calypso_http1 *p) { return p->state != H_STATUS || p->line_len > 0; }

void calypso_kept_clear(calypso_kept *k) {
  k->retry_after[0] = k->date[0] = '\0';
}

/* Keeps the two headers the retry policy reads, Retry-After and Date,
 * truncated to what the struct holds; any other header is ignored. */
void calypso_kept_header(calypso_kept *k, const char *name, size_t name_len, const char *value,
                         size_t n) {
  char *out = name_len == 11 && strncasecmp(name, "Retry-After", 11) == 0 ? k->retry_after
              : name_len == 4 && strncasecmp(name, "Date", 4) == 0       ? k->date
                                                                        : NULL;
  if (out == NULL) return;
  if (n >= CALYPSO_HEADER_VALUE) n = CALYPSO_HEADER_VALUE - 1;
  memcpy(out, value, n);
  out[n] = '\0';
}

/* "Name: value\r\n" from another parser (libcurl's header callback): keep
 * Retry-After and Date; a status line (HTTP/2's too, as libcurl writes it)
 * starts a new answer. */
void calypso_kept_line(calypso_kept *k, const char *line, size_t len) {
  const char *colon, *value, *end = line + len;
  if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    calypso_kept_clear(k);
    return;
  }
  colon = memchr(line, ':', len);
  if (colon == NULL) return;
  value = colon + 1;
  while (value < end && (*value == ' ' || *value == '\t')) value++;
  while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
    end--;
  calypso_kept_header(k, line, (size_t)(colon - line), value, (size_t)(end - value));
}

/* Does the comma-separated list hold this token (any case)? */
static int has_token(const char *list, const char *token) {
  size_t n = strlen(token);
  const char *s = list;
  while (*s) {
    while (*s == ' ' || *s == '\t' || *s == ',') s++;
    if (strncasecmp(s, token, n) == 0 && (s[n] == '\0' || s[n] == ',' || s[n] == ' ' || s[n] == ';'))
      return 1;
    while (*s && *s != ',') s++;
  }
  return 0;
}

/* (The reason phrase holds no control byte but tab: line_bytes saw to that.) */
static void status_line(calypso_http1 *p) {
  const char *l = p->line;
  if (p->line_len < 12 || strncmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') ||
      l[8] != ' ' || l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' ||
      l[11] > '9' || (p->line_len > 12 && l[12] != ' ')) {
    fail(p, "malformed HTTP status line");
    return;
  }
  p->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  p->http10 = l[7] == '0'; /* HTTP/1.0 closes unless it says keep-alive */
  p->keep_alive = 0;
  if (p->status == 101) { /* we never offer Upgrade: what follows is not HTTP/1.1 */
    fail(p, "the server switched protocols, which the client never asked for");
    return;
  }
  p->state = H_HEADERS;
}

static void end_of_headers(calypso_http1 *p, calypso_buf *body) {
  if (p->status < 200) { /* 1xx: an interim answer; the real one follows */
    int conn_close = p->conn_close;
    if (++p->interim > MAX_INTERIM) {
      fail(p, "too many interim (1xx) answers");
      return;
    }
    start_answer(p);
    p->conn_close = conn_close;
    return;
  }
  if (p->tunnel && p->status < 300) {
    p->state = H_DONE;
    return;
  }
  if (p->status == 204 || p->status == 304) {
    p->state = H_DONE;
  } else if (p->chunked) {
    p->state = H_CHUNK_SIZE;
  } else if (p->length >= 0) {
    if ((unsigned long long)p->length > body->max - body->len) {
      body->overflow = 1;
      fail(p, "response body is too large");
      return;
    }
    p->remaining = p->length;
    p->state = p->length == 0 ? H_DONE : H_BODY;
  } else {
    p->state = H_UNTIL_CLOSE;
  }
}

/* Every head line counts, from the first status line to the last trailer. */
static int count_head_bytes(calypso_http1 *p) {
  p->header_bytes += p->line_len + 2;
  if (p->header_bytes <= MAX_HEADER_BYTES) return 1;
  fail(p, "response headers are too large");
  return 0;
}

/* A token character (RFC 9110 5.6.2), as a field name is made of.  A
 * switch, not strchr: every header name of every answer goes through here. */
/* token[b]: may byte b be in a header name (RFC 9110 5.6.2 tchar)?  A
 * table, as every byte of every name is looked at. */
static const unsigned char token[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['A'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['a'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static int tchar(unsigned char ch) {
  return token[ch];
}

/* Is the name of n bytes this one, in any case? */
static int named(const char *name, size_t n, const char *want) {
  return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* The colon of a "name: value" line in p->line, or NULL after failing with
 * why: the name must be a token, with nothing between it and the colon (a
 * line that starts with whitespace is obsolete folding, refused).  (No line
 * holds a control byte but tab: line_bytes saw to that.) */
static char *field_colon(calypso_http1 *p, const char *why) {
  char *colon = memchr(p->line, ':', p->line_len), *c;
  if (colon == NULL || colon == p->line) {
    fail(p, why);
    return NULL;
  }
  for (c = p->line; c < colon; c++) {
    if (!tchar((unsigned char)*c)) {
      fail(p, why);
      return NULL;
    }
  }
  return colon;
}

static void header_line(calypso_http1 *p, calypso_buf *body) {
  char *colon, *value, *end;
  size_t name_len;
  if (p->line_len == 0) {
    end_of_headers(p, body);
    return;
  }
  if ((colon = field_colon(p, "malformed HTTP header line")) == NULL) return;
  *colon = '\0';
  value = colon + 1;
  while (*value == ' ' || *value == '\t') value++;
  end = p->line + p->line_len;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t')) *--end = '\0';
  name_len = (size_t)(colon - p->line);
  if (named(p->line, name_len, "Content-Length")) {
    long long n = 0;
    const char *d = value;
    if (*d == '\0') {
      fail(p, "malformed Content-Length");
      return;
    }
    for (; *d; d++) {
      if (*d < '0' || *d > '9' || n > (1LL << 50)) {
        fail(p, "malformed Content-Length");
        return;
      }
      n = n * 10 + (*d - '0');
    }
    /* A repeat must say the same, to the letter: "11" and "011" are two
     * parsers' disagreement waiting to happen. */
    if (p->length >= 0 && (p->length != n || p->length_digits != (size_t)(d - value))) {
      fail(p, "malformed Content-Length");
      return;
    }
    p->length = n;
    p->length_digits = (size_t)(d - value);
  } else if (named(p->line, name_len, "Transfer-Encoding")) {
    /* we ask for no other coding; a second line would mean "chunked, chunked" */
    if (strcasecmp(value, "chunked") != 0 || p->chunked) {
      fail(p, "unsupported Transfer-Encoding");
      return;
    }
    p->chunked = 1;
  } else if (named(p->line, name_len, "Connection")) {
    if (has_token(value, "close")) p->conn_close = 1;
    if (has_token(value, "keep-alive")) p->keep_alive = 1;
  } else {
    calypso_kept_header(&p->kept, p->line, name_len, value, (size_t)(end - value));
  }
}

static int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* HEXDIG+, then nothing, or an extension after ';' (spaces allowed before it). */
static void chunk_size_line(calypso_http1 *p) {
  unsigned long long n = 0;
  const char *d = p->line;
  if (hex_digit(*d) < 0) {
    fail(p, "malformed chunk size");
    return;
  }
  for (; hex_digit(*d) >= 0; d++) {
    if (n > (1ULL << 40)) {
      fail(p, "malformed chunk size");
      return;
    }
    n = n * 16 + (unsigned long long)hex_digit(*d);
  }
  while (*d == ' ' || *d == '\t') d++;
  if (*d != '\0' && *d != ';') {
    fail(p, "malformed chunk size");
    return;
  }
  p->remaining = (long long)n;
  p->state = n == 0 ? H_TRAILERS : H_CHUNK_DATA;
}

static void line_done(calypso_http1 *p, calypso_buf *body) {
  if ((p->state == H_STATUS || p->state == H_HEADERS || p->state == H_TRAILERS) &&
      !count_head_bytes(p)) {
    p->line_len = 0;
    return;
  }
  switch (p->state) {
    case H_STATUS: status_line(p); break;
    case H_HEADERS: header_line(p, body); break;
    case H_CHUNK_SIZE: chunk_size_line(p); break;
    case H_CHUNK_END:
      if (p->line_len != 0) fail(p, "malformed chunk end");
      else p->state = H_CHUNK_SIZE;
      break;
    case H_TRAILERS: /* checked as header lines are, and otherwise ignored */
      if (p->line_len == 0) p->state = H_DONE;
      else (void)field_colon(p, "malformed trailer line");
      break;
    default: break;
  }
  p->line_len = 0;
}

static int line_state(int state) {
  return state == H_STATUS || state == H_HEADERS || state == H_CHUNK_SIZE ||
         state == H_CHUNK_END || state == H_TRAILERS;
}

/* 0 when the bytes do not fit: the parse has failed and must stop. */
static int body_bytes(calypso_http1 *p, calypso_buf *body, const char *data, size_t n) {
  if (calypso_buf_append(body, data, n)) return 1;
  fail(p, body->nomem ? "out of memory reading the response" : "response body is too large");
  return 0;
}

/* head_byte[b]: what byte b is in a head line: a control byte (all below
 * 0x20 but HTAB and CR, and DEL), CR, or plain. */
enum { HEAD_PLAIN, HEAD_CONTROL, HEAD_CR };
static const unsigned char head_byte[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x7f] = 1};

/* Might the 8 bytes of w hold a control byte (below 0x20, or DEL)?  Never
 * no when one does; a yes may be wrong only past a byte that is one, or for
 * HTAB and CR, which are allowed: line_bytes then judges byte by byte.
 * (A byte of 0x80 or more is plain: ~w clears its high bit from both tests.) */
static int word_may_hold_control(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  uint64_t below_space = (w - 0x20 * ones) & ~w & highs;
  uint64_t del = w ^ (0x7f * ones);
  return (below_space | ((del - ones) & ~del & highs)) != 0;
}

/* Takes the bytes of the line being read, through its LF if it is there;
 * returns how many.  Each byte, in order: no control byte but HTAB and CR
 * (NUL included); no more than the line buffer holds; a CR only right before
 * the LF.  So what could make two parsers split a head differently is
 * refused here, once, for every kind of line, and the same way however the
 * bytes were cut (a CR ending one piece is judged by the next).  One pass
 * (a word at a time while the bytes are plain) and a memcpy: every answer's
 * head comes through here. */
static size_t line_bytes(calypso_http1 *p, const char *data, size_t n, calypso_buf *body) {
  const char *nl = memchr(data, '\n', n);
  size_t take = nl ? (size_t)(nl - data) : n, room = sizeof p->line - 1 - p->line_len, k;
  int cr;
  if (take > 0 && p->line_len > 0 && p->line[p->line_len - 1] == '\r') {
    fail(p, "bare CR in the response head");
    return 1;
  }
  /* The common case first: eight plain bytes at a time, within the room. */
  for (k = 0; k + 8 <= take && k + 8 <= room; k += 8) {
    uint64_t w;
    memcpy(&w, data + k, 8);
    if (word_may_hold_control(w)) break;
  }
  for (; k < take; k++) {
    unsigned char ch = (unsigned char)data[k];
    if (k < room && head_byte[ch] == HEAD_PLAIN) continue; /* one test */
    if (head_byte[ch] == HEAD_CONTROL) {
      fail(p, ch == 0 ? "NUL byte in the response head" : "control character in the response head");
      return k + 1;
    }
    if (k >= room) {
      fail(p, "response line is too long");
      return k + 1;
    }
    if (ch == '\r' && k + 1 < take) {
      fail(p, "bare CR in the response head");
      return k + 1;
    }
  }
  memcpy(p->line + p->line_len, data, take);
  p->line_len += take;
  if (nl == NULL) return take;
  cr = p->line_len > 0 && p->line[p->line_len - 1] == '\r';
  /* A bare LF may end a head line (RFC 9112 2.2), never chunk framing,
   * where parsers that differ on it can be made to see other bodies. */
  if (!cr && (p->state == H_CHUNK_SIZE || p->state == H_CHUNK_END)) {
    fail(p, "bare LF in chunked framing");
    return take + 1;
  }
  if (cr) p->line_len--;
  p->line[p->line_len] = '\0';
  line_done(p, body);
  return take + 1;
}

size_t calypso_http1_feed(calypso_http1 *p, const char *data, size_t n, calypso_buf *body) {
  size_t i = 0;
  while (i < n && p->state != H_DONE && p->state != H_ERROR) {
    if (line_state(p->state)) {
      i += line_bytes(p, data + i, n - i, body);
    } else if (p->state == H_UNTIL_CLOSE) {
      if (!body_bytes(p, body, data + i, n - i)) break;
      i = n;
    } else { /* H_BODY or H_CHUNK_DATA */
      size_t take = n - i;
      if ((unsigned long long)take > (unsigned long long)p->remaining) take = (size_t)p->remaining;
      if (!body_bytes(p, body, data + i, take)) break;
      i += take;
      p->remaining -= (long long)take;
      if (p->remaining == 0) p->state = p->state == H_BODY ? H_DONE : H_CHUNK_END;
    }
  }
  if (i < n && p->state == H_DONE) p->conn_close = 1; /* bytes after the answer: not ours to reuse */
  return i;
}

void calypso_http1_eof(calypso_http1 *p) {
  if (p->state == H_UNTIL_CLOSE) p->state = H_DONE;
  else if (p->state != H_DONE && p->state != H_ERROR)
    fail(p, calypso_http1_started(p) ? "the connection closed in the middle of the response"
                                     : "the connection closed with no answer");
}
