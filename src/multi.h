/* multi.h: what multi.c (the curl multi handle and its Lua methods),
 * transfer.c (one request's easy handle, for HTTP/2) and link.c (the
 * core's own HTTP/1.1 connections) share; nothing else includes it. */
#ifndef CALYPSO_MULTI_H
#define CALYPSO_MULTI_H

#include <poll.h>
#include "calypso.h"

#define CALYPSO_SPARE_MAX 64 /* finished transfers kept, with their handles, for reuse */

enum { T_IDLE, T_RUNNING, T_ENDED };
enum { K_CONNECTING, K_IDLE, K_BUSY };

struct calypso_transfer;

/* One HTTP/1.1 connection of the multi transport (link.c): libcurl connects
 * it (connect-only, in the multi handle for the link's whole life), the
 * core writes each request and reads each answer. */
typedef struct calypso_link {
  CURL *easy;
  curl_socket_t fd;           /* once connected */
  struct calypso_multi *m;
  struct calypso_transfer *t; /* the attempt it carries or connects for; NULL: none */
  int state;                  /* K_CONNECTING, K_IDLE, K_BUSY (an attempt, or its verdict) */
  int writing;                /* K_BUSY: request bytes still to write */
  size_t off;                 /* request bytes written */
  long long idle_since;       /* monotonic ms, K_IDLE */
  void *tls;                  /* its SSL, once asked, if OpenSSL reads ahead on it; else NULL */
  int tls_asked;              /* after the first request's bytes went */
  int pending;                /* read_some stopped with records waiting inside OpenSSL */
  struct calypso_link *next;
  char detail[CURL_ERROR_SIZE]; /* libcurl's error buffer */
} calypso_link;

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
  /* over the core's HTTP/1.1 (link.c): the request written, the answer read */
  calypso_link *link;         /* the connection it is on; NULL while it waits for one */
  struct calypso_transfer *after; /* the next in the multi's queue, or in its ended list */
  int listed;                 /* 1: in the queue, 2: in the ended list */
  long long deadline;         /* monotonic ms the attempt ends by */
  long attempt_ms;
  calypso_buf path, request;
  calypso_answer ex;
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
  struct pollfd *watch; /* what libcurl asked us to watch */
  int nwatch, capwatch;
  long long timer_at;  /* monotonic ms when libcurl wants its timeout; -1: none */
  calypso_sockets sockets;
  struct calypso_multi *next; /* the client's next lane */
  calypso_lane *lane;  /* the lane's userdata; NULL: client.async's own handle */
  /* HTTP/1.1 (link.c) */
  calypso_link *links;
  int nlinks;
  calypso_transfer *queue, *queue_end;  /* attempts waiting for a connection */
  calypso_transfer *ended, *ended_end;  /* attempts ended, not yet reported */
  struct pollfd *set;  /* drive's poll set: libcurl's sockets, then the links' */
  calypso_link **set_link;
  int capset;
} calypso_multi;

/* The core's own HTTP/1.1 carries client.async's requests, unless the
 * client offers HTTP/2 (then libcurl frames every exchange). */
#define CALYPSO_LINKS(m) (!(m)->c->http2)

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
int calypso_transfer_stamp(calypso_transfer *t, char *sign); /* 1; 0: width; -1: signing */
void calypso_transfer_drop_connection(calypso_transfer *t);

/* link.c */
void calypso_links_start(calypso_multi *m, calypso_transfer *t, long timeout_ms);
void calypso_links_connected(calypso_link *k, CURLcode rc); /* libcurl's connect ended */
void calypso_links_ready(calypso_link *k, short revents);   /* its socket is ready */
void calypso_links_expire(calypso_multi *m, long long now); /* attempts past their deadline end */
long long calypso_links_deadline(const calypso_multi *m);   /* the next one; -1: none */
short calypso_links_events(const calypso_link *k);          /* what to wait for; 0: nothing */
calypso_transfer *calypso_links_ended(calypso_multi *m);    /* the next to report, or NULL */
void calypso_links_settle(calypso_transfer *t, int keep);   /* after the verdict */
void calypso_links_stop(calypso_transfer *t);               /* released while running */
void calypso_links_orphan(calypso_transfer *t);             /* running or unreported at a fork */
void calypso_links_close_all(calypso_multi *m);
void calypso_links_facts(const calypso_transfer *t, calypso_facts *f);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif
