/* What the social tests (test_social.c, social_comments.c,
 * social_lifecycle.c: one binary, test-social) share: the node S they
 * all use in turn, requests and their checks, and reading JSON answers. */
#pragma once

#include "harness.h"

#define PASSWORD "correct horse battery"
#define CDN_BASE "http://cdn.test.invalid"
#define RATE_LIMIT 1005
#define BULK_COMMENTS 1000

/* The one node every test uses, in turn (set up by main). */
typedef struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  GSubprocess *smtp;
  char *dir, *media, *cdn, *mail, *config, *clip;
  char *amy, *bob, *cat; /* tokens */
  char *v1, *v2, *v3, *vfail;
  char *abandoned; /* a tus upload left half done */
} SocialNode;
extern SocialNode S;

/* A request to S: call (method, path, token, body_fmt, ...), the body
 * made of body_fmt (NULL: none). */
#define call(method, path, token, ...) reel_test_httpf (S.d->port, method, path, token, __VA_ARGS__)

/* GET path as token's user (NULL: anonymous), which must answer 200. */
ReelTestResponse *get (const char *path, const char *token);
/* The JSON object of an answer; its "items". */
JsonObject *obj (ReelTestResponse *r);
JsonArray *items (ReelTestResponse *r);

/* The member of every item, comma-separated. */
char *column (ReelTestResponse *r, const char *member);

/* A list's "next_cursor" (NULL: null); an integer member. */
const char *next_cursor (ReelTestResponse *r);
gint64 int_of (ReelTestResponse *r, const char *member);

/* Asserts the status (printing the body when it is another). */
void expect_status (ReelTestResponse *r, guint status);

#define EXPECT(status, method, path, token, ...)                                                   \
  do                                                                                               \
    {                                                                                              \
      g_autoptr (ReelTestResponse) r_ = call (method, path, token, __VA_ARGS__);                   \
      expect_status (r_, status);                                                                  \
    }                                                                                              \
  while (0)

/* The column (member of every item) of GET path is expected. */
void expect_column (const char *path, const char *token, const char *member, const char *expected);

/* expect_column, once the projections have caught up (10 s at most). */
void wait_column (const char *path, const char *token, const char *member, const char *expected);

/* "a,b" */
char *join (const char *a, const char *b);
/* Whether root/key exists. */
gboolean file_exists (const char *root, const char *key);
/* POSTs a comment (body: its JSON) on video, which must answer 201; its id. */
char *post_comment (const char *video, const char *token, const char *body);

/* S's config at path: the first time (extra NULL) with an SMTP sink
 * started for it; after, the first config with extra appended. */
void write_config (const char *path, const char *extra);
/* Starts reeld on S with the config at path. */
void start_reeld (const char *config);
