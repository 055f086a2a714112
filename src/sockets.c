/* sockets.c: the descriptors behind a client's connections, and fork safety.
 * libcurl opens and closes every socket through these callbacks, so a set
 * knows exactly which descriptors are its own; they are opened close-on-exec.
 * A client has two sets: its blocking connection's (conn.c) and its
 * non-blocking transfers' (multi.c).
 * After fork() the child must neither use its parent's connections nor shut
 * them down cleanly: a TLS read or close_notify from the child would corrupt
 * the parent's stream.  So the child points each of those descriptors at
 * /dev/null and lets libcurl dispose of the old handles there; the caller
 * then carries on with fresh handles: the same settings, no connection.
 * Whose are they: calypso_pid(), the process's id as read once and again in
 * each child fork() makes (a pthread_atfork handler), not a getpid() system
 * call on every attempt.  A child made without fork()'s handlers (a raw
 * clone, glibc's _Fork) is not seen; posix.fork, nginx's workers and
 * os.execute all go through fork() or exec. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "calypso.h"

static volatile pid_t own_pid; /* 0: not read yet (or a child's, just forked) */
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void forked_child(void) {
  own_pid = 0;
}

static void watch_forks(void) {
  pthread_atfork(NULL, NULL, forked_child); /* glibc drops it if the module is unloaded */
}

pid_t calypso_pid(void) {
  pid_t pid = own_pid;
  if (pid == 0) {
    pthread_once(&pid_once, watch_forks);
    own_pid = pid = getpid();
  }
  return pid;
}

static curl_socket_t on_open(void *userdata, curlsocktype purpose, struct curl_sockaddr *a) {
  calypso_sockets *set = userdata;
  curl_socket_t s;
  int type = a->socktype;
  (void)purpose;
  /* An untracked socket could not be parked after a fork: refuse instead. */
  if (set->n == set->cap) {
    int cap = set->cap ? set->cap * 2 : 8;
    curl_socket_t *fd = realloc(set->fd, (size_t)cap * sizeof *fd);
    unsigned char *http1 = fd ? realloc(set->http1, (size_t)cap) : NULL;
    if (fd) set->fd = fd;
    if (http1 == NULL) return CURL_SOCKET_BAD;
    set->http1 = http1;
    set->cap = cap;
  }
#ifdef SOCK_CLOEXEC
  type |= SOCK_CLOEXEC;
#endif
  s = socket(a->family, type, a->protocol);
  if (s != CURL_SOCKET_BAD) {
    set->http1[set->n] = 0;
    set->fd[set->n++] = s;
  }
  return s;
}

static int on_close(void *userdata, curl_socket_t s) {
  calypso_sockets *set = userdata;
  int i;
  for (i = 0; i < set->n; i++) {
    if (set->fd[i] == s) {
      set->fd[i] = set->fd[--set->n];
      set->http1[i] = set->http1[set->n];
      break;
    }
  }
  return close(s);
}

int calypso_sockets_setup(calypso_sockets *set, CURL *h) {
  return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, set) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, set) == CURLE_OK;
}

/* In a child of the process that opened them (owner), points every
 * descriptor of the set at /dev/null, so libcurl's goodbyes (TLS
 * close_notify, a last read) never reach the parent's streams.  Returns 0
 * when one could not be parked: the caller must then leak its handles
 * rather than touch the parent's connections. */
int calypso_sockets_park(calypso_sockets *set, pid_t owner) {
  int devnull, i, ok = 1;
  if (owner == calypso_pid() || set->n == 0) return 1;
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (i = 0; ok && i < set->n; i++) ok = devnull >= 0 && dup2(devnull, set->fd[i]) >= 0;
  if (devnull >= 0) close(devnull);
  return ok;
}

/* Cleans up the client's blocking handle, parking its sockets first when
 * this process is a child of the one that opened them. */
void calypso_sockets_cleanup(calypso_client *c, CURL *h) {
  if (!calypso_sockets_park(&c->sockets, c->pid)) return;
  curl_easy_cleanup(h); /* on_close untracks every socket it closes */
  c->sockets.n = 0;
}

void calypso_sockets_free(calypso_sockets *set) {
  free(set->fd);
  free(set->http1);
  set->fd = NULL;
  set->http1 = NULL;
  set->n = set->cap = 0;
}
