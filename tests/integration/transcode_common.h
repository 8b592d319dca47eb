/* What the transcode tests (test_transcode.c, transcode_progress.c,
 * transcode_sets.c, transcode_failures.c: one binary, test-transcode)
 * share: the 12 s clip and its chunk plan, the config they run reeld
 * with, and how they read what comes out (packets through ffprobe, texts
 * and ETags over HTTP, blobs on disk). */
#pragma once

#include "harness.h"

#define PASSWORD "correct horse battery"

#define FPS 30
#define FRAME_S (1.0 / FPS)
/* 12 s at 2 s segments; the default short first chunk of one segment,
 * then chunks of 2 segments: chunks of 2, 4, 4 and 2 s (segments 0, 1-2,
 * 3-4, 5), so the joins fall at 2, 6 and 10 s. */
#define CLIP_S 12
#define SEGMENT_S 2
#define CHUNK_SEGMENTS 2
#define CHUNKS 4
#define SEGMENTS (CLIP_S / SEGMENT_S)
#define READY_TIMEOUT_S 300

/* The first segment of chunk c, and the number of its segments. */
guint first_segment_of (guint c);
guint segments_of (guint c);

/* The 12 s 1280x720 clip with sound, made in dir; its path. */
char *make_clip (const char *dir);
/* reeld.conf in dir for short chunks and a fast preset (with B-frames),
 * plus extra; the --config= argument naming it. */
char *write_config (const char *dir, const char *extra);
/* http://127.0.0.1:port/videos/id/file */
char *url_of (guint16 port, const char *id, const char *file);

/* One packet as ffprobe reports it. */
typedef struct
{
  double pts;
  double dts;
  double duration;
  gboolean key;
  guint decode_index;
} Packet;

/* The packets of the first stream of kind ("v" or "a") behind url, in
 * presentation order; decode times must rise strictly. */
GArray *packets (const char *url, const char *kind);
/* Whether some packet is decoded out of presentation order (B-frames). */
gboolean reordered (GArray *a);
/* No gap over one frame and no overlap; the end of the last packet. */
double assert_continuous (GArray *a, double frame, const char *what);
/* The body of GET /videos/{id}/{file}, which must answer 200. */
char *get_text (guint16 port, const char *id, const char *file);
/* GET /videos/{id}/{file} with If-None-Match (NULL: none): asserts the
 * status want and returns the ETag. */
char *etag_of (guint16 port, const char *id, const char *file, const char *if_none_match,
               guint want);
/* The video's metadata once it names its poster. */
ReelTestResponse *wait_poster (guint16 port, const char *id);
/* Every rung named: each frame of the clip once, continuous, the clip's
 * length, keyframes at the same segment boundaries and nowhere else. */
void assert_rungs_aligned (guint16 port, const char *id, const char *const *rungs, guint n);
/* The files under DIR/blobs/videos/ID/RENDITION, sorted, space-separated. */
char *list_blobs (const char *dir, const char *id, const char *rendition);

/* A reeld (write_config with extra) whose workers wait at the test fault
 * fault ("hold-last-chunk", "hold-audio", "hold-first-chunk") while the
 * file hold exists, with the fault also (or NULL) too, and the 12 s clip
 * uploaded by user. */
typedef struct
{
  char *dir, *media, *hold;
  ReelTestReeld *d;
  char *token, *id;
} Held;
void held_start (Held *h, const char *fault, const char *also, const char *extra, const char *user,
                 const char *title);
void held_stop (Held *h);
/* The member of the video record's "progress". */
gint64 progress_of (ReelTestResponse *r, const char *member);
