/* What the flood tests (test_floods.c, floods_connections.c: one binary,
 * test-floods) share: a reeld with its own config, and raw HTTP, one
 * connection per request, with its answer parsed. */
#pragma once

#include "harness.h"

#include <gio/gio.h>

#define PASSWORD "correct horse battery"

/* Seconds a test allows beyond a configured timeout for the server's timer
 * and the client's read to notice (acceptance 4: "header timeout + slack"). */
#define CLOSE_SLACK_S 3
/* Acceptance 3: /healthz answers in under a second throughout the flood. */
#define HEALTHZ_MAX_US G_USEC_PER_SEC
/* A config with room for hundreds of connections from 127.0.0.1. */
#define MANY_CONNECTIONS "[http]\nmax_connections = 2000\nmax_connections_per_ip = 2000\n"

typedef struct
{
  ReelTestNats *nats;
  char *dir;
  ReelTestReeld *d;
} Node;

/* A nats-server and a reeld with config (reeld.conf text); both stopped,
 * the data removed. */
Node *node_start (const char *config);
void node_stop (Node *n);

/* Raw HTTP: a connection to 127.0.0.1:port; text written whole. */
GSocketConnection *raw_connect (guint16 port);
void raw_send (GSocketConnection *conn, const char *text);

/* Reads until EOF (or a reset); returns what came. */
char *raw_read_all (GSocketConnection *conn);

typedef struct
{
  guint status; /* 0: no answer */
  char *retry_after;
  char *code; /* error code of an error body */
  char *body;
} Answer;

void answer_clear (Answer *a);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

/* The header's value in a raw response head, or NULL. */
char *head_value (const char *head, const char *name);

/* The status, Retry-After, body and error code of a raw response. */
void parse_answer (const char *text, Answer *a);

/* One request (Connection: close) with optional extra header lines
 * ("Name: value\r\n"...) and body. */
void raw_call (guint16 port, const char *method, const char *path, const char *token,
               const char *extra, const char *type, const char *body, Answer *a);

/* Asserts a 429 as the API gives it. */
void assert_limited (const Answer *a);

/* "X-Forwarded-For: 198.51.100.N\r\n": a client address behind the
 * trusted proxy 127.0.0.1. */
char *from (guint n);
