/* Test hooks: REEL_TEST_FAULT=NAME[:VALUE][;NAME[:VALUE]...] makes the
 * failures the integration tests prove reel survives happen at a known
 * point. The faults, where they act:
 *   kill-before-apply       reeld dies between the log and the read model
 *                           (daemon/batch.c)
 *   kill-before-announce    reeld dies after the commit that made a video
 *                           ready, before video.ready is published
 *                           (daemon/projector.c)
 *   kill-in-chunk:N         a worker dies after the first rung of chunk N is
 *                           stored, before the chunk is announced
 *                           (media/worker.c; the job must be redelivered)
 *   fail-chunks             every chunk job fails after its encode
 *                           (media/worker.c; the video fails once the
 *                           attempts are used up)
 *   hold-last-chunk:PATH    the last chunk waits while PATH exists
 *                           (media/worker.c; playable before ready)
 *   hold-audio:PATH         the soundtrack's job announces its head (even
 *                           when the encode finished first), then waits
 *                           while PATH exists (media/worker.c; playable on
 *                           the head of the sound)
 *   cli-stop-after-patches:N  `reel upload` exits after N PATCH requests
 *                           (cli/tus.c; running it again resumes)
 *   media-crash:WHICH       the media child segfaults on its first decoded
 *                           buffer (WHICH: a chunk number, or probe, audio,
 *                           poster; media/child_main.c)
 *   media-hang:WHICH        the media child stops answering for good
 *   media-oom:WHICH         the media child allocates until its address-space
 *                           limit stops it
 *   media-slow:WHICH        the media child decodes no faster than real time
 *   hold-first-chunk:PATH   a video's first chunk waits in its media child,
 *                           before decoding, while PATH exists
 *   kill-before-uploaded    reeld dies between moving a finished upload into
 *                           the blob store and queueing its ingest and
 *                           video.uploaded (http/api_videos.c; HEAD or PATCH
 *                           after the restart must finish the upload)
 *   kill-nats-at-start[:spawned]  the embedded nats-server dies once it
 *                           listens, before reeld connects (with "spawned":
 *                           as soon as it is started, before it listens;
 *                           bus/natsd.c; start-up must restart it and
 *                           connect) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The VALUE of fault name, "" for a fault without one; NULL when the
 * fault is not set. */
const char *reel_test_fault (const char *name);

G_END_DECLS
