/* reeld's side of reel-media (media/child_main.c), the child process that
 * probes uploads and runs every transcode, poster and audio pipeline: the
 * one way reeld touches untrusted media.
 *
 * Each call starts a fresh child with the request on its stdin, limits
 * (wall clock, CPU time, address space, no core dump, no descriptors but
 * its three pipes, killed if reeld dies), and reads its JSON lines: each
 * progress line is a sign of life, the one result or error line the
 * answer. A child that crashes, hangs, falls silent or runs out of memory
 * is killed and reaped, and the call fails with a reason the uploader can
 * read ("the decoder crashed (signal 11, ...) while transcoding chunk 3");
 * those failures are REEL_ERROR_INTERNAL, so the job is retried and, after
 * its last attempt, fails its video with that reason. */
#pragma once

#include "bus/jobs.h"
#include "core/config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint timeout_s;      /* wall clock; CPU time is bounded to timeout_s on every core */
  guint64 memory_bytes; /* address space (RLIMIT_AS); 0 = unlimited */
} ReelMediaLimits;

/* The limits of a child working on media_ns of media: the configured base
 * deadline plus the per-second factor (media.job_timeout_*), and
 * media.memory_limit_mb. */
void reel_media_limits_for (const ReelConfig *cfg, guint64 media_ns, ReelMediaLimits *limits);

/* Runs request in a new reel-media for job (may be NULL), which is kept
 * alive with in-progress acks every second while the child runs within its
 * limits, and which stops the child when its worker stops (the node shuts
 * down: a long encode must not hold it up); what names the work for
 * reasons ("probing the upload",
 * "transcoding chunk 3"). Returns the child's
 * result object, or NULL with the child's own error (its code kept: a
 * file a decoder rejects is REEL_ERROR_UNSUPPORTED) or with why the child
 * died. A request of background work (a niceness above 0,
 * media/niceness.h) first waits while a first chunk runs in this process,
 * or is expected (reel_media_expect_first_chunk), at most 30 s. */
JsonObject *reel_media_child_run (JsonObject *request, const ReelMediaLimits *limits,
                                  const char *what, const ReelJob *job, GError **error);

/* Says that a first chunk's job is about to be queued here: background
 * work waits for it for up to 2 s, until it starts (in this process) or
 * that time is over (another node took it). */
void reel_media_expect_first_chunk (void);

/* Keeps one reel-media waiting with GStreamer and its decoders loaded,
 * for the next request of the work a viewer waits for (a niceness of 0:
 * probes, chunks, the soundtrack), from now until reeld exits. Saves
 * each a tenth of a second or two (media.warm_child). */
void reel_media_keep_warm (void);

/* The same, calling tick(tick_data) in the caller's thread about every
 * 50 ms while the child runs: for a caller that uses the child's output
 * files as they are written (the soundtrack's head, media/worker.c). Once
 * tick returns TRUE (what the caller waited for is out), the rest of the
 * work yields: the child is paused while a first chunk runs on the node
 * (media/niceness.h), for at most 30 s in all (less when its deadline or
 * the request's stall_timeout_s is short). */
typedef gboolean (*ReelMediaTick) (gpointer data);
JsonObject *reel_media_child_run_ticking (JsonObject *request, const ReelMediaLimits *limits,
                                          const char *what, const ReelJob *job, ReelMediaTick tick,
                                          gpointer tick_data, GError **error);

/* The request for a pipeline run (op "pipeline"): line, a filled
 * gst-launch line; kind, what it makes (the child's name for it in
 * faults, niceness and reasons: "chunk", "poster", "storyboard",
 * "thumbnail", ...); stall_timeout_s, how long its output may stand still
 * before the child stops it. The caller adds what only some runs have
 * (skip, chunk) and passes it to reel_media_child_run(). */
JsonObject *reel_media_pipeline_request (const char *line, const char *kind, guint stall_timeout_s);

/* A live session's child (media/child_main.c, op "live"): started with
 * the request, it runs until its caller stops streaming. talk_fd (a socket,
 * the child's stdin, for the caller's close) carries reeld's answers to the
 * child's questions; the child's stdout is its lines, its stderr reeld's.
 * It gets the address-space limit only: a session lasts as long as its
 * caller streams. */
GSubprocess *reel_media_child_start (JsonObject *request, guint64 memory_bytes, int *talk_fd,
                                     GError **error);
/* Sends one JSON line to a child started with reel_media_child_start. */
gboolean reel_media_child_answer (int talk_fd, JsonObject *answer, GError **error);

G_END_DECLS
