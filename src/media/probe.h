/* Probing an upload with GstDiscoverer: is it a playable video, and what
 * are its duration, display size, frame rate and tracks? Does it hold media
 * up to the end it states? Every way a file
 * can be unusable (not media, truncated, audio only, a still image, a
 * picture under 16x16, no duration) ends in REEL_ERROR_UNSUPPORTED with a
 * sentence the uploader can read. A file not read within the timeout
 * ends in REEL_ERROR_INTERNAL (with such a sentence): its probe is tried
 * again.
 *
 * Probing reads untrusted bytes, so it runs in reel-media (media/child.h),
 * never in reeld: the child calls reel_probe_file and sends the result as
 * JSON (reel_probe_to_json); reeld reads it back with reel_probe_from_json,
 * which trusts nothing in it, and applies the operator's limits
 * (reel_plan_check in media/plan.h). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 duration_ns;
  guint width; /* display orientation (after rotation metadata) */
  guint height;
  guint coded_width; /* as stored */
  guint coded_height;
  guint rotation; /* 0, 90, 180, 270 (clockwise, from the image-orientation tag) */
  gint fps_n;     /* 0/1 when variable or unknown */
  gint fps_d;
  gboolean has_audio;
  char *video_codec; /* human-readable, e.g. "H.264 (High Profile)" */
  /* No stream delivers media near the stated end (the file is cut short
   * behind its index, or its header claims more than it holds); judged
   * with the limits, by reel_plan_check. */
  gboolean ends_early;
  /* The video stream as stored, for copying it into the rung of its own
   * size instead of encoding that rung (media/plan.h): copy_gop_ns is its
   * keyframe interval when it is H.264 that every player decodes (8-bit
   * 4:2:0, progressive, baseline to high profile) in an MP4/MOV file,
   * with a keyframe at 0 and then exactly every copy_gop_ns and nowhere
   * else, each picture shown before the next keyframe; 0 otherwise.
   * copy_kbps: its average bitrate then. */
  guint64 copy_gop_ns;
  guint copy_kbps;
} ReelProbe;

void reel_probe_free (ReelProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelProbe, reel_probe_free)

/* Called about once a second while a probe runs (the child's sign of
 * life to reeld). */
typedef void (*ReelProbeTick) (gpointer data);

/* Probes path, giving up after timeout_s. Runs a main loop of its own on
 * the thread-default context, calling tick (may be NULL) every second.
 * The stream is read through for copying (copy_gop_ns) only when the
 * picture is one of copy_heights (guint; empty: never) and of even width,
 * the sizes a rung can have. */
ReelProbe *reel_probe_file (const char *path, guint timeout_s, const GArray *copy_heights,
                            ReelProbeTick tick, gpointer data, GError **error);

JsonObject *reel_probe_to_json (const ReelProbe *probe);
/* REEL_ERROR_INTERNAL when obj is not a probe (a missing member, a value
 * out of its range): it comes from a process that read hostile bytes. */
ReelProbe *reel_probe_from_json (JsonObject *obj, GError **error);

G_END_DECLS
