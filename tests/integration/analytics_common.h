/* What the analytics tests (test_analytics.c, analytics_viewers.c: one
 * binary, test-analytics) share: the fixture (a node, four users, their
 * videos) and viewer actions built and posted like a page does. */
#pragma once

#include "harness.h"

#define PASSWORD "correct horse battery"

/* The node and data every test uses, made once by setup(). */
typedef struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  char *dir, *media, *config;
  char *amy, *bob, *carl, *dan; /* tokens */
  /* Videos: a (amy, 4 s), b (bob), c (carl), e (amy), f (dan, shares "pasta"
   * with a), s (bob, 2 s), x (amy, failed). */
  char *a, *b, *c, *e, *f, *s, *x;
  double dur_a, dur_s;
  gint64 at; /* the pages' clock, ms */
  guint n_ids;
} Fixture;
extern Fixture fx;

/* The duration of a video once it is ready (3 min at most). */
double duration_of (guint16 port, const char *id);
/* A 320x240 clip of frames frames at 25 fps in fx.media; its path. */
char *make_clip (int frames, const char *name);
/* Makes fx, once: the node, amy, bob, carl and dan, and their videos. */
void setup (void);

/* One action; extra is appended inside the object (",\"rendition\":..."). */
char *action (const char *video, const char *session, int v, const char *name, double position,
              const char *extra);

/* Appends an action (taken) to a batch. */
void add (GPtrArray *batch, char *action_text);

/* A session that watches a whole video: play, then ended. */
void watch_whole (GPtrArray *batch, const char *video, const char *session, double duration,
                  const char *play_extra);

/* The JSON body of a batch (with a token member, unless NULL); POST
 * /api/v1/events of a body (as bearer's user, and JSON unless
 * content_type says otherwise). */
char *body_of (GPtrArray *batch, const char *token);
ReelTestResponse *post (const char *body, const char *bearer, const char *content_type);

/* An integer member of a JSON object. */
gint64 member_int (JsonNode *json, const char *name);

/* Posts a batch that must be taken whole. */
void post_all (GPtrArray *batch, const char *token, const char *content_type);

/* A video's "views"; its GET .../analytics as token's user. */
gint64 views_of (const char *id);
ReelTestResponse *analytics_of (const char *id, const char *token);

/* The records in REEL_ACTIONS. */
guint64 actions_stored (void);

/* got is want, to 1e-6. */
void assert_near (double got, double want);
