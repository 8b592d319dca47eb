/* The media plan of a video: which ladder rungs it gets and how its
 * timeline is cut into segments and chunks. Pure functions of the probe and
 * the configuration, so every node computes the same plan.
 *
 * Segment: the unit of playback (one CMAF media segment, keyframe-aligned in
 * every rung). Chunk: the unit of transcoding, a whole number of segments,
 * so chunk boundaries are segment boundaries and the rungs' timelines simply
 * continue from chunk to chunk. */
#pragma once

#include "core/ladder.h"
#include "media/probe.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How every rung and the sound are encoded, on demand (media/worker.c)
 * and live (media/live/live_ingest.c) alike. VBV: peaks may reach 1.5x a rung's
 * average over a two-second buffer, the usual ABR ladder guidance, so a
 * rung's BANDWIDTH stays honest. The sound: AAC-LC stereo at 128 kbit/s
 * and 48 kHz, transparent enough for speech and music on every rung; one
 * audio rendition serves them all. */
#define REEL_VBV_PEAK "3/2"
#define REEL_VBV_BUFFER "2/1"
#define REEL_AUDIO_BITRATE 128000
#define REEL_AUDIO_RATE 48000

/* A VP9 rung's bitrate against the H.264 rung of its size: VP9 gives the
 * same picture for about a third less. */
#define REEL_VP9_KBPS_N 2
#define REEL_VP9_KBPS_D 3

/* The rungs a source of width x height (display orientation) gets: every
 * configured rung not taller than the source, scaled to its aspect ratio
 * with even dimensions; a source smaller than every rung gets one rung at
 * its own (even) size. Those are the H.264 rungs; with VP9 among codecs
 * (media.codecs), each has a VP9 twin after them all, named with "vp9"
 * appended (720pvp9), at REEL_VP9_KBPS of its bitrate. */
GArray *reel_ladder_for_source (const GArray *ladder, guint width, guint height, guint codecs);

/* Marks the rung the source's own video stream can be copied into, not
 * encoded (ReelRung.copy): the H.264 rung of exactly the source's size,
 * when the probe found the stream copyable with keyframes every
 * segment_ns (ReelProbe.copy_gop_ns) and its average bitrate is within
 * the rung's VBV peak; and only when some other rung is encoded, for the
 * chunk jobs decode the source for those. Returns whether a rung was. */
gboolean reel_plan_copy (GArray *rungs, const ReelProbe *p, guint64 segment_ns);

/* Marks the rungs the first chunk leaves out (ReelRung.late), and only
 * those: the encoded rungs taller than max_height lines (0: none), when
 * the video has more than one chunk. The first chunk is what a video waits for to be
 * playable, and its tall rungs are most of its work; the second chunk's
 * encoders see the first chunk's range anyway (its warm-up), so it
 * encodes the late rungs from the first chunk's start and keeps that
 * output. At least one rung is never late (the lowest H.264 one), so the
 * first chunk always plays. Returns whether a rung was marked. */
gboolean reel_plan_late (GArray *rungs, guint max_height, guint chunks);

/* The rungs chunk i of a video of chunks chunks encodes, for its job:
 * chunk 0 without the late rungs; chunk 1 with them, still marked, since
 * it begins them at chunk 0's start; later chunks with every rung,
 * unmarked. */
GArray *reel_plan_chunk_rungs (const GArray *rungs, guint i);

/* How a video's timeline is cut into chunks: the first chunk is short (one
 * segment by default) so the video is playable as soon as possible; the
 * others are chunk_ns long, but the last runs to the video's end. What
 * remains after the whole chunks is a chunk of its own only when it is at
 * least half a chunk long: a shorter tail joins the chunk before it (when
 * there is one besides the first). A tail of a few segments encoded alone
 * would restart x264's rate control for them after a warm-up segment, and
 * one-pass rate control on so short an encode undershoots: on a detailed
 * 30 s 1080p clip the 480p and 360p rungs of a 4 s last chunk came out 31
 * and 28 % under ffmpeg's bytes for the same seconds (issue 18). A tail
 * shorter than min_tail_ns (one frame: e.g. the AAC frame by which a
 * soundtrack outlasts the picture) is never a chunk, since it could not
 * hold a single frame. Every start is a whole number of segments. */
typedef struct
{
  guint64 duration_ns;
  guint64 first_ns;
  guint64 chunk_ns;
  guint64 min_tail_ns;
} ReelChunking;

/* The number of chunks (G_MAXUINT when more). */
guint reel_plan_chunks (const ReelChunking *c);

/* Start and length of chunk i of chunks (reel_plan_chunks, as the video's
 * plan recorded it). */
void reel_plan_chunk_range (const ReelChunking *c, guint chunks, guint i, guint64 *start_ns,
                            guint64 *length_ns);

/* The operator's limits on what one upload may ask of the workers
 * (media.max_* settings): a header can claim anything, so nothing is
 * planned or queued beyond them. */
typedef struct
{
  guint64 max_duration_ns;
  guint64 max_frames; /* duration x frame rate, when the rate is known */
  guint max_width;    /* the picture's longer side, either way round */
  guint max_height;   /* its shorter side */
  guint max_chunks;
} ReelMediaCaps;

/* REEL_ERROR_UNSUPPORTED, with a reason the uploader can read, when a
 * probed video (whose plan has chunks chunks) is beyond caps, or holds
 * less than its header states (probe->ends_early). */
gboolean reel_plan_check (const ReelMediaCaps *caps, const ReelProbe *probe, guint chunks,
                          GError **error);

G_END_DECLS
