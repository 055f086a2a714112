/* sockets.c: the descriptors behind a client's connections, and fork safety.
 * libcurl opens and closes every socket through these callbacks, so a client
 * knows exactly which descriptors are its own; they are opened close-on-exec.
 * After fork() the child must neither use its parent's connections nor shut
 * them down cleanly: a TLS read or close_notify from the child would corrupt
 * the parent's stream.  So the child points each of those descriptors at
 * /dev/null and lets libcurl dispose of the old handle there; conn.c then
 * carries on with a duplicate handle: the same settings, no connection. */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "calypso.h"

static curl_socket_t on_open(void *userdata, curlsocktype purpose, struct curl_sockaddr *a) {
  calypso_client *c = userdata;
  curl_socket_t s;
  int type = a->socktype;
  (void)purpose;
  /* An untracked socket could not be parked after a fork: refuse instead. */
  if (c->nsockets == CALYPSO_MAX_SOCKETS) return CURL_SOCKET_BAD;
#ifdef SOCK_CLOEXEC
  type |= SOCK_CLOEXEC;
#endif
  s = socket(a->family, type, a->protocol);
  if (s != CURL_SOCKET_BAD) c->sockets[c->nsockets++] = s;
  return s;
}

static int on_close(void *userdata, curl_socket_t s) {
  calypso_client *c = userdata;
  int i;
  for (i = 0; i < c->nsockets; i++) {
    if (c->sockets[i] == s) {
      c->sockets[i] = c->sockets[--c->nsockets];
      break;
    }
  }
  return close(s);
}

int calypso_sockets_setup(calypso_client *c, CURL *h) {
  return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, c) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, c) == CURLE_OK;
}

/* Cleans up a handle whose connections may belong to another process: in a
 * child, their descriptors are first pointed at /dev/null, so libcurl's
 * goodbyes (TLS close_notify, a last read) never reach the parent's stream. */
void calypso_sockets_cleanup(calypso_client *c, CURL *h) {
  if (c->pid != getpid()) {
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), i;
    for (i = 0; i < c->nsockets; i++) {
      if (devnull < 0 || dup2(devnull, c->sockets[i]) < 0) {
        /* Cannot park it: leak the handle rather than touch the parent's connection. */
        if (devnull >= 0) close(devnull);
        return;
      }
    }
    if (devnull >= 0) close(devnull);
  }
  curl_easy_cleanup(h); /* on_close untracks every socket it closes */
  c->nsockets = 0;
}
