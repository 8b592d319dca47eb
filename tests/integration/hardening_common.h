/* What the hardening tests (test_hardening.c, hardening_requests.c,
 * hardening_uploads.c: one binary, test-hardening) share: the node most
 * of them use, raw sockets for what no HTTP client would send, error
 * checks, multipart bodies and tus helpers. */
#pragma once

#include "harness.h"

#include <gio/gio.h>

#define PASSWORD "correct horse battery"
#define MIB (1024 * 1024)
/* What an attacker announces, and how much of it the test actually sends:
 * an answer while less than a MiB is out proves nobody waited for the rest. */
#define HUGE_BODY ((guint64)200 * MIB)
#define SENT_BEFORE_ANSWER (256 * 1024)
/* Generous: an answer that depends on the body never comes at all. */
#define ANSWER_TIMEOUT_S 30

/* One nats-server and reeld with the default configuration, shared by the
 * tests that need nothing special; started by the first that asks. */
typedef struct
{
  ReelTestNats *nats;
  char *dir;
  ReelTestReeld *d;
  char *token;    /* hana's */
  char *video_id; /* an upload of hana's in progress */
} SharedNode;
extern SharedNode shared;

/* The shared node, started on first use (hana registered, with an
 * upload in progress); stopped by main at the end. */
ReelTestReeld *shared_reeld (void);
void shared_stop (void);

/* Whether the process still runs (and has not been replaced: the harness
 * never restarts it by itself). */
gboolean alive (ReelTestReeld *d);

/* Alive, and /healthz answers 200. */
void assert_healthy (ReelTestReeld *d);

/* An error answer with the usual object {"error":{"code","message"}}. */
void expect_error (ReelTestResponse *r, guint status, const char *code, const char *what);

/* Raw sockets, for what no HTTP client would send: a connection to
 * 127.0.0.1:port, bytes written whole, len zero bytes. */
GSocketConnection *raw_connect (guint16 port);
void raw_send (GSocketConnection *conn, const void *data, gsize len);
void raw_send_zeros (GSocketConnection *conn, gsize len);

typedef struct
{
  guint status;
  char *head; /* status line and headers */
  char *body;
} RawAnswer;

void raw_answer_free (RawAnswer *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawAnswer, raw_answer_free)

/* Reads one answer (headers, then Content-Length bytes); status 0 when the
 * connection ended or timed out first. */
RawAnswer *raw_read_answer (GSocketConnection *conn);

/* Whether the server ends the connection (EOF or reset) within the timeout. */
gboolean raw_closed_by_server (GSocketConnection *conn);

/* The "code" of an error body; NULL when it is not one. */
char *json_error_code (const char *body);

/* A multipart/form-data body: text_parts extra fields, a title of
 * title_len bytes whose part has a header of header_pad bytes, and a
 * 10-byte file; and POST /api/v1/videos of such a body (boundary
 * "b0und"). */
char *multipart_body (const char *boundary, guint text_parts, gsize title_len, gsize header_pad,
                      gsize *len);

ReelTestResponse *post_multipart (guint16 port, const char *token, const char *body, gsize len);

/* reeld.conf with text in dir; its path. */
char *write_config (const char *dir, const char *text);

/* Opens a PATCH of len bytes at offset and sends the first sent of them. */
GSocketConnection *patch_open (guint16 port, const char *token, const char *id, guint64 offset,
                               const guint8 *data, gsize len, gsize sent);

/* The Upload-Offset a tus HEAD answers. */
guint64 head_offset (guint16 port, const char *token, const char *id);
