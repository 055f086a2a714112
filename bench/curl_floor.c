/* bench/curl_floor.c: what any client built on libcurl's HTTP engine pays:
 * one easy handle, the body and headers built once, POSTed over and over
 * for SECONDS.  Prints requests per second.  calypso used this engine until
 * the benchmark showed it cost more CPU per request than all of wrk; it now
 * keeps libcurl for the TLS connection only (src/conn.c).
 *   curl_floor URL CAFILE BODY_FILE KEY SIGN SECONDS */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t discard(char *p, size_t size, size_t n, void *userdata) {
  (void)p, (void)userdata;
  return size * n;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  static char body[65536], key[300], sign[300];
  struct curl_slist *headers = NULL;
  double started, seconds;
  long n = 0, status = 0;
  size_t len;
  FILE *f;
  CURL *c;
  if (argc != 7 || (f = fopen(argv[3], "rb")) == NULL) return 2;
  len = fread(body, 1, sizeof body, f);
  fclose(f);
  seconds = atof(argv[6]);
  snprintf(key, sizeof key, "Key: %s", argv[4]);
  snprintf(sign, sizeof sign, "Sign: %s", argv[5]);
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, key);
  headers = curl_slist_append(headers, sign);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, argv[1]);
  curl_easy_setopt(c, CURLOPT_CAINFO, argv[2]);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(c) != CURLE_OK) return 1; /* connect before the clock starts */
  started = now();
  while (now() - started < seconds) {
    if (curl_easy_perform(c) != CURLE_OK) return 1;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) return 1;
    n++;
  }
  printf("%f\n", n / (now() - started));
  curl_easy_cleanup(c);
  curl_slist_free_all(headers);
  return 0;
}
