/* The layout of a video's blobs: the one place their keys are spelled.
 *
 *   originals/<video>                        the upload, as received
 *   works/<work>                             a protected work's file
 *                                            (app/checks/works.h)
 *   videos/<video>/<file>                    the poster: poster.jpg and
 *                                            poster-small.jpg at first, then
 *                                            poster-<hex>.jpg and
 *                                            poster-<hex>-small.jpg for each
 *                                            one the owner chooses
 *                                            (media/thumbnail.h)
 *   videos/<video>/<rendition>/<file>        CMAF segments of one rendition:
 *                                            init-<chunk>.mp4 or init.mp4,
 *                                            <index>.m4s
 *
 * The blob store (store/blobs.h), the CDN origin (app/cdn.h, the same
 * layout under a URL), the workers writing segments, playback reading them
 * and the clean-up deciding what is an orphan all use these helpers, so the
 * layout can change in one file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The poster's file name beside a video's renditions. */
#define REEL_POSTER_FILE "poster.jpg"

/* A new custom poster's file name (poster-<hex>.jpg). */
char *reel_poster_new_file (void);
/* Whether file is a poster's name: poster.jpg or a custom one. */
gboolean reel_poster_file_valid (const char *file);
/* The small poster's name beside the poster file (poster-small.jpg,
 * poster-<hex>-small.jpg). */
char *reel_poster_small_file (const char *file);
/* Whether file is a custom poster or a custom poster's small copy: what a
 * later choice of poster replaces. */
gboolean reel_poster_file_replaceable (const char *file);

char *reel_blob_key_original (const char *video_id);
/* A protected work's file. */
char *reel_blob_key_work (const char *work_id);
/* videos/<video>/<file>: a file of the video as a whole (the poster). */
char *reel_blob_key_video_file (const char *video_id, const char *file);
/* videos/<video>/<rendition>/<file>. */
char *reel_blob_key_segment (const char *video_id, const char *rendition, const char *file);
/* videos/<video>/<rendition>/<index>.m4s. */
char *reel_blob_key_media_segment (const char *video_id, const char *rendition, guint index);
/* videos/<video>/: what every file but the original starts with. */
char *reel_blob_key_video_prefix (const char *video_id);

typedef enum
{
  REEL_BLOB_KEY_OTHER,      /* not a layout above */
  REEL_BLOB_KEY_ORIGINAL,   /* originals/<video> */
  REEL_BLOB_KEY_VIDEO_FILE, /* videos/<video>/<file> */
  REEL_BLOB_KEY_SEGMENT,    /* videos/<video>/<rendition>/<file> */
  REEL_BLOB_KEY_OF_VIDEO,   /* anything else under originals/<video> or videos/<video> */
} ReelBlobKeyKind;

/* What key is, and (unless OTHER) the video it belongs to in *video_id
 * (owned by the caller; not checked to be a well-formed id) and its last
 * part in *file (points into key). */
ReelBlobKeyKind reel_blob_key_parse (const char *key, char **video_id, const char **file);

G_END_DECLS
