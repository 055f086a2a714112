/* http1.c: HTTP/1.1 framing, and nothing else: no sockets, no Lua.
 * The request is written from a head fixed per client plus the path, Sign
 * and body of the call.  The response parser is incremental: feed it bytes
 * as they arrive and it walks status line, headers and body, which may be
 * framed by Content-Length, by chunks, or by the connection closing.  1xx
 * answers are skipped; 204 and 304 have no body.  The body goes into a
 * capped buffer; a Content-Length past the cap fails before any body byte.
 * Strict where laxness could mis-frame a body: no NUL bytes, no whitespace
 * before a header's colon, digits only in lengths and chunk sizes, no
 * transfer coding but chunked.  Limits: 8 KiB per line, 64 KiB of headers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "calypso.h"

enum {
  H_STATUS, H_HEADERS, H_BODY, H_CHUNK_SIZE, H_CHUNK_DATA, H_CHUNK_END, H_TRAILERS,
  H_UNTIL_CLOSE, H_DONE, H_ERROR
};

#define MAX_HEADER_BYTES (64 * 1024)

/* POST <path_prefix><path> HTTP/1.1, the fixed head (Host, User-Agent,
 * Content-Type, Accept, Key), Sign, Content-Length, the body: one buffer,
 * so that one TLS record carries the whole request. */
int calypso_http1_request(calypso_buf *out, const char *path_prefix, const char *path,
                          const char *head, size_t head_len, const char sign[CALYPSO_SIGN_HEX_LEN],
                          const calypso_buf *body) {
  calypso_buf_reset(out);
  return calypso_buf_appends(out, "POST ") && calypso_buf_appends(out, path_prefix) &&
         calypso_buf_appends(out, path) && calypso_buf_append(out, head, head_len) &&
         calypso_buf_appends(out, "Sign: ") &&
         calypso_buf_append(out, sign, CALYPSO_SIGN_HEX_LEN) &&
         calypso_buf_appends(out, "\r\nContent-Length: ") &&
         calypso_buf_append_decimal(out, body->len) && calypso_buf_appends(out, "\r\n\r\n") &&
         calypso_buf_append(out, body->data, body->len);
}

/* Resets every field but the line buffer (8 KiB no call needs cleared). */
void calypso_http1_start(calypso_http1 *p) {
  p->state = H_STATUS;
  p->status = p->chunked = p->conn_close = p->http10 = p->keep_alive = p->has_length = 0;
  p->length = -1;
  p->remaining = 0;
  p->line_len = p->header_bytes = 0;
  p->error = NULL;
  p->retry_after[0] = p->date[0] = '\0';
}

static void fail(calypso_http1 *p, const char *why) {
  p->state = H_ERROR;
  p->error = why;
}

int calypso_http1_done(const calypso_http1 *p) { return p->state == H_DONE; }

/* A body read until the connection closed, Connection: close (even on an
 * interim answer), HTTP/1.0 without keep-alive, or both Content-Length and
 * chunked (RFC 9112 6.3: close after such a message) all end the connection. */
int calypso_http1_reusable(const calypso_http1 *p) {
  return p->state == H_DONE && !p->conn_close && !(p->http10 && !p->keep_alive) &&
         p->length < 0 ? !p->chunked ? p->status == 204 || p->status == 304 : 1
                       : !p->chunked;
}
int calypso_http1_failed(const calypso_http1 *p) { return p->state == H_ERROR; }
static int calypso_http1_started(const calypso_http1 *p) { return p->state != H_STATUS || p->line_len > 0; }

/* Keeps the two headers the retry policy reads, Retry-After and Date,
 * truncated to what the struct holds; any other header is ignored. */
static void keep_for_retry(calypso_http1 *p, const char *name, const char *value) {
  char *out = strcasecmp(name, "Retry-After") == 0 ? p->retry_after
              : strcasecmp(name, "Date") == 0      ? p->date
                                                   : NULL;
  size_t n = strlen(value);
  if (out == NULL) return;
  if (n >= CALYPSO_HEADER_VALUE) n = CALYPSO_HEADER_VALUE - 1;
  memcpy(out, value, n);
  out[n] = '\0';
}

/* "Name: value\r\n" from another parser: keep Retry-After and Date; a
 * status line (HTTP/2's too, as libcurl writes it) starts a new answer. */
void calypso_http1_note_header(calypso_http1 *p, const char *line, size_t len) {
  char *colon, *value, *end;
  if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    p->retry_after[0] = p->date[0] = '\0';
    return;
  }
  if (len >= sizeof p->line) return; /* neither header is ever this long */
  memcpy(p->line, line, len);
  p->line[len] = '\0';
  colon = strchr(p->line, ':');
  if (colon == NULL) return;
  *colon = '\0';
  value = colon + 1;
  while (*value == ' ' || *value == '\t') value++;
  end = value + strlen(value);
  while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
    *--end = '\0';
  keep_for_retry(p, p->line, value);
}

void calypso_http1_complete(calypso_http1 *p, int status) {
  p->status = status;
  p->state = H_DONE;
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
  if (p->status == 101) fail(p, "the server switched protocols");
  p->state = H_HEADERS;
}

static void end_of_headers(calypso_http1 *p, calypso_buf *body) {
  if (p->status < 200) { /* 1xx: an interim answer; the real one follows */
    int conn_close = p->conn_close;
    calypso_http1_start(p);
    p->conn_close = conn_close;
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

static void header_line(calypso_http1 *p, calypso_buf *body) {
  char *colon, *value, *end;
  if (p->line_len == 0) {
    end_of_headers(p, body);
    return;
  }
  p->header_bytes += p->line_len;
  if (p->header_bytes > MAX_HEADER_BYTES) {
    fail(p, "response headers are too large");
    return;
  }
  colon = memchr(p->line, ':', p->line_len);
  if (colon == NULL || colon == p->line || colon[-1] == ' ' || colon[-1] == '\t') {
    fail(p, "malformed HTTP header line");
    return;
  }
  *colon = '\0';
  value = colon + 1;
  while (*value == ' ' || *value == '\t') value++;
  end = p->line + p->line_len;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t')) *--end = '\0';
  if (strcasecmp(p->line, "Content-Length") == 0) {
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
    if (p->length >= 0 && p->length != n) {
      fail(p, "malformed Content-Length");
      return;
    }
    p->length = n;
  } else if (strcasecmp(p->line, "Transfer-Encoding") == 0) {
    if (strcasecmp(value, "chunked") != 0) { /* we ask for no other coding */
      fail(p, "unsupported Transfer-Encoding");
      return;
    }
    p->chunked = 1;
  } else if (strcasecmp(p->line, "Connection") == 0) {
    if (has_token(value, "close")) p->conn_close = 1;
    if (has_token(value, "keep-alive")) p->keep_alive = 1;
  } else {
    keep_for_retry(p, p->line, value);
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
  switch (p->state) {
    case H_STATUS: status_line(p); break;
    case H_HEADERS: header_line(p, body); break;
    case H_CHUNK_SIZE: chunk_size_line(p); break;
    case H_CHUNK_END:
      if (p->line_len != 0) fail(p, "malformed chunk end");
      else p->state = H_CHUNK_SIZE;
      break;
    case H_TRAILERS:
      if (p->line_len == 0) p->state = H_DONE;
      break;
    default: break;
  }
  p->line_len = 0;
}

static int line_state(int state) {
  return state == H_STATUS || state == H_HEADERS || state == H_CHUNK_SIZE ||
         state == H_CHUNK_END || state == H_TRAILERS;
}

static void body_bytes(calypso_http1 *p, calypso_buf *body, const char *data, size_t n) {
  if (!calypso_buf_append(body, data, n))
    fail(p, body->nomem ? "out of memory reading the response" : "response body is too large");
}

size_t calypso_http1_feed(calypso_http1 *p, const char *data, size_t n, calypso_buf *body) {
  size_t i = 0;
  while (i < n && p->state != H_DONE && p->state != H_ERROR) {
    if (line_state(p->state)) {
      char ch = data[i++];
      if (ch == '\n') {
        if (p->line_len > 0 && p->line[p->line_len - 1] == '\r') p->line_len--;
        p->line[p->line_len] = '\0';
        line_done(p, body);
      } else if (ch == '\0') {
        fail(p, "NUL byte in the response head");
      } else if (p->line_len + 1 >= sizeof p->line) {
        fail(p, "response line is too long");
      } else {
        p->line[p->line_len++] = ch;
      }
    } else if (p->state == H_UNTIL_CLOSE) {
      body_bytes(p, body, data + i, n - i);
      i = n;
    } else { /* H_BODY or H_CHUNK_DATA */
      size_t take = n - i;
      if ((unsigned long long)take > (unsigned long long)p->remaining) take = (size_t)p->remaining;
      body_bytes(p, body, data + i, take);
      i += take;
      p->remaining -= (long long)take;
      if (p->remaining == 0) p->state = p->state == H_BODY ? H_DONE : H_CHUNK_END;
    }
  }
  return i;
}

void calypso_http1_eof(calypso_http1 *p) {
  if (p->state == H_UNTIL_CLOSE) p->state = H_DONE;
  else if (p->state != H_DONE && p->state != H_ERROR)
    fail(p, calypso_http1_started(p) ? "the connection closed in the middle of the response"
                                     : "the connection closed with no answer");
}
