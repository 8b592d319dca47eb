/* Probing an upload with GstDiscoverer: is it a playable video, and what
 * are its duration, display size, frame rate and tracks? Every way a file
 * can be unusable (not media, truncated, audio only, a still image, absurd
 * dimensions, no duration) ends in REEL_ERROR_UNSUPPORTED with a sentence
 * the uploader can read. */
#pragma once

#include <glib.h>

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
} ReelProbe;

void reel_probe_free (ReelProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelProbe, reel_probe_free)

/* Largest accepted frame: 8K UHD. Beyond it, decode memory per chunk job
 * stops being reasonable for the machines reel targets. */
#define REEL_PROBE_MAX_WIDTH 7680
#define REEL_PROBE_MAX_HEIGHT 4320

ReelProbe *reel_probe_file (const char *path, guint timeout_s, GError **error);

G_END_DECLS
