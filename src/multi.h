/* multi.h: what multi.c (the curl multi handle and its Lua methods) and
 * transfer.c (one request's easy handle) share; nothing else includes it. */
#ifndef CALYPSO_MULTI_H
#define CALYPSO_MULTI_H

#include <poll.h>
#include "calypso.h"

#define CALYPSO_SPARE_MAX 64 /* finished transfers kept, with their handles, for reuse */

enum { T_IDLE, T_RUNNING, T_ENDED };

/* One request: its envelope, and the facts of its current attempt. */
typedef struct calypso_transfer {
  CURL *easy;
  struct calypso_multi *m;
  int slot, state;
  int sends;        /* pre-request callbacks in this attempt */
  int handed;       /* the request was stamped and handed to a connection */
  int stamp_failed; /* the clock gave a timestamp we cannot write */
  int orphaned;     /* ended by a fork, not yet reported by drive */
  size_t ts_at, ts_len; /* where the timestamp's digits are in body */
  calypso_route route; /* method, and whether an empty 2xx is a success */
  calypso_buf body, url;
  struct curl_slist *headers;
  char *sign_at;    /* the 128 hex digits of the Sign header line */
  /* the attempt's facts, for outcome.c */
  int strict;       /* -1 until known: 1 when the answer comes over HTTP/1.x */
  calypso_http1 head; /* over HTTP/1.x, the core's parser checks libcurl's head lines */
  int status, complete;
  const char *failure;
  calypso_buf response;
  size_t received;  /* bytes libcurl gave us: head lines and body (for hooks) */
  calypso_kept kept;
  char detail[CURL_ERROR_SIZE]; /* also libcurl's error buffer */
} calypso_transfer;

/* A lane's userdata: its multi handle, NULL once the client closed it. */
typedef struct calypso_lane {
  struct calypso_multi *m;
} calypso_lane;

typedef struct calypso_multi {
  CURLM *handle;
  calypso_client *c;
  pid_t pid;           /* the process whose connections handle holds */
  calypso_transfer **slots; /* by slot - 1; NULL: free */
  int nslots, active;  /* active: transfers in the multi handle */
  calypso_transfer *spare[CALYPSO_SPARE_MAX];
  int nspare;
  struct pollfd *watch, *ready; /* what libcurl asked us to watch; a copy to poll */
  int nwatch, capwatch;
  long long timer_at;  /* monotonic ms when libcurl wants its timeout; -1: none */
  calypso_sockets sockets;
  struct calypso_multi *next; /* the client's next lane */
  calypso_lane *lane;  /* the lane's userdata; NULL: client.async's own handle */
} calypso_multi;

#if defined(__GNUC__)
#pragma GCC visibility push(hidden) /* as in calypso.h: private to the module */
#endif

/* transfer.c */
calypso_transfer *calypso_transfer_new(calypso_multi *m); /* NULL when out of memory */
int calypso_transfer_setup(calypso_transfer *t);           /* a fresh easy handle: 0 on failure */
void calypso_transfer_free(calypso_transfer *t);
int calypso_transfer_start(calypso_transfer *t, long timeout_ms, long connect_timeout_ms);
void calypso_transfer_end(calypso_transfer *t, CURLcode rc);
void calypso_transfer_orphan(calypso_transfer *t); /* ended by a fork in this process */
void calypso_transfer_facts(const calypso_transfer *t, calypso_facts *f);
void calypso_transfer_drop_connection(calypso_transfer *t);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif
