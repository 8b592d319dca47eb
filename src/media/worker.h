/* The worker role: runs the transcode jobs the ingest role queued.
 *
 * A chunk job runs pipelines/chunk.pipeline (one decode, every rung) for
 * one time range of the original; an audio job runs pipelines/audio.pipeline
 * over the whole soundtrack; a poster job grabs one frame as a JPEG
 * (pipelines/poster.pipeline). Each output is cut into CMAF init and media
 * segments (media/cmaf.c), written to the blob store under
 * videos/<id>/<rendition>/, and announced with chunk.transcoded or
 * audio.transcoded; only then is the job acked. While a pipeline runs the
 * job is kept alive with in-progress acks, so AckWait can stay short and a
 * dead worker's job moves on quickly. The line each job runs is
 * media/job_line.h's.
 *
 * The pipelines run in reel-media, a child process (media/child.h): the
 * worker fills the line, the child decodes the untrusted original and
 * writes the outputs into the job's work directory, and the worker, back in
 * reeld, cuts and stores them. */
#pragma once

#include "bus/bus.h"
#include "core/config.h"
#include "store/blobs.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct ReelWorker ReelWorker;

ReelWorker *reel_worker_start (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs);
/* Running pipelines are stopped and their jobs handed back to the queue. */
void reel_worker_stop (ReelWorker *worker);

G_END_DECLS
