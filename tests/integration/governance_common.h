/* What the governance tests (test_governance.c, governance_accounts.c,
 * governance_moderation.c, governance_privacy.c: one binary,
 * test-governance) share: the one node they all run against, in turn,
 * and how they sign up, log in and look at videos and lists. */
#pragma once

#include "harness.h"

#define PASSWORD "correct horse battery"

typedef struct
{
  ReelTestNats *nats;
  char *dir;
  char *config;
  ReelTestReeld *d;
} Node;

/* The node the current test runs (test_governance.c's main makes it). */
extern Node N;

/* Starts reeld on N with the [auth] settings auth (and more config
 * extra), per-IP and per-account limits off; stops it. */
void node_start_extra (const char *auth, const char *extra);
void node_start (const char *auth);
void node_stop (void);

/* POST /api/v1/users with PASSWORD (and an invitation code, or NULL). */
ReelTestResponse *register_user (const char *username, const char *invite);
/* A session token of username, who must log in. */
char *login (const char *username);

/* The "items" of a list answer. */
JsonArray *items (ReelTestResponse *r);

/* The status of one request to N; of a login with that password. */
guint status_of (const char *method, const char *path, const char *token, const char *body);
guint login_status (const char *username, const char *password);

/* A tus upload creation of size bytes as token's user. */
ReelTestResponse *tus_create (const char *token, gsize size);

/* The audit log's newest two entries, as root sees them: newest (by
 * mod) after before (by mod). */
void assert_last_audit (const char *root, const char *newest, const char *before);

/* 2 s, 320x240, with sound: one chunk, ready in seconds. */
char *make_clip (const char *dir);

/* Whether list (the answer of a listing route) names video. */
gboolean lists (const char *path, const char *token, const char *video);

/* What token (NULL: anonymous) gets of the video's record, master
 * playlist, first segment and poster. */
void assert_sight (const char *token, const char *video, const char *rendition, guint record,
                   guint media);

/* Whether token's user has a notification of type about video (with
 * reason, unless NULL). */
gboolean notified (const char *token, const char *type, const char *video, const char *reason);

/* Waits until the owner (token) was told the video is ready: video.ready
 * was applied, so lists, feeds and subscribers' notifications have it (a
 * record in state ready may still be waiting for its announcement); and
 * until it has its poster. */
void wait_announced (const char *token, const char *video);
