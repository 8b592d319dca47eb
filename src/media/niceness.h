/* What a media process yields the CPU to. The transcode that makes a
 * video playable (its chunks and its soundtrack) runs at the normal
 * priority; the poster, which the owner sees while it processes, a little
 * below; the checks before publishing (fingerprints, sampled frames, the
 * classifier) further, since an owner watches a video before it is
 * published; seek previews, an extra, below everything else. Above nothing
 * the system needs. Measured on 2 cores with a 30 s 1080p upload: with the
 * poster at 0, checks at 5 and previews at 10, the first chunk shared the
 * CPU with all of them and the video became playable 7 to 9 s after the
 * upload; with these, 6 s. Both reel-media (media/child_main.c) and the
 * checker's classifier process (media/checker.c) take these.
 *
 * Niceness alone still left a 1080p video's first chunk sharing 2 cores
 * with GStreamer's start and the decoding of every other job of its
 * upload: so the background work (a niceness above 0) also waits on its
 * node while a first chunk runs there (media/child.c). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define REEL_POSTER_NICENESS 5
#define REEL_CHECKS_NICENESS 10
#define REEL_STORYBOARD_NICENESS 15

/* The niceness of a reel-media request (media/child.h): 0 for what makes
 * videos playable, above it for background work. */
int reel_media_niceness (JsonObject *request);

/* Whether request is the first chunk of a video: the work a viewer waits
 * for, which the background work on the node waits for. */
gboolean reel_media_is_first_chunk (JsonObject *request);

/* What background work on a node waits for: the first chunks running
 * there, and those its ingest has queued, for expect_us each (a chunk
 * taken by another node never comes). The caller locks. */
typedef struct
{
  guint running;
  guint expected;
  gint64 expected_until; /* monotonic time: when the last expected one is late */
} ReelFirstChunks;

void reel_first_chunks_expect (ReelFirstChunks *g, gint64 now, gint64 expect_us);
void reel_first_chunks_begin (ReelFirstChunks *g);
void reel_first_chunks_end (ReelFirstChunks *g);
/* Whether background work waits at now; *until: when to look again if
 * nothing ends before (G_MAXINT64: only an end moves it). */
gboolean reel_first_chunks_hold (ReelFirstChunks *g, gint64 now, gint64 *until);

G_END_DECLS
