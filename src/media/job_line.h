/* The gst-launch line of a transcode job: the pipeline template of its kind
 * (pipelines/<kind>.pipeline, media/pipeline.h) filled with the job's
 * values. The worker runs it in reel-media (media/worker.h); `reel
 * pipeline` prints it, so an operator can run a job by hand. */
#pragma once

#include "core/config.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The files a job's pipeline writes into its work directory. A poster
 * pipeline writes each frame it encodes to its own file; the first is the
 * poster (pipelines/poster.pipeline says why). */
#define REEL_JOB_POSTER_FILES "poster-%d.jpg"
#define REEL_JOB_POSTER_FIRST_FILE "poster-0.jpg"
#define REEL_JOB_STORYBOARD_TILES_FILE "tiles.raw"
#define REEL_JOB_AUDIO_FILE "audio.mp4"

/* The exact gst-launch line for a job (kind "chunk", "audio", "poster" or
 * "storyboard", with the job's JSON) reading source_path and writing its
 * outputs into out_dir. */
char *reel_job_line (const ReelConfig *cfg, const char *kind, JsonObject *job,
                     const char *source_path, const char *out_dir, GError **error);

/* Where a chunk job's encoded output begins: its start, or where its late
 * rungs (media/plan.h) begin when that is earlier. */
guint64 reel_job_chunk_output_start (JsonObject *job);
/* Where its decoding and encoding begin: the output start less the
 * warm-up (media.warmup_segments) before the chunk. */
guint64 reel_job_chunk_from (const ReelConfig *cfg, JsonObject *job);

G_END_DECLS
