/* The live role: SRT ingest of live channels (app/live/live.h).
 *
 * Every channel with a stream key gets an SRT listener (srtsrc) on
 * live.srt_port + its slot, running pipelines/live-ingest.pipeline. A
 * caller whose stream id is the channel's key starts a session: the
 * channel's JetStream stream is reset, live.started is published, and the
 * ladder (reelladder, live.ladder) plus the sound flow into the stream
 * through natssink. Each raw frame is stamped with its wall-clock arrival
 * time (a GstReferenceTimestampMeta, timestamp/x-unix, which natssink
 * carries), from which the packager derives program date times and the
 * ingest-to-playlist latency. When the caller leaves, the recorded MPEG-TS
 * takes the ordinary upload path (video.created, the original in the blob
 * store, an ingest job, video.uploaded), live.ended names the new video,
 * and a fresh listener waits for the next session.
 *
 * Stream keys are read from the local read models, so a node with the
 * live role also runs a projector (or shares the data directory of one).
 *
 * Each listener runs in a reel-media child (media/child.h, op "live"): the
 * caller's MPEG-TS is decoded there, so a hostile stream can take down
 * that child, never reeld. The child asks reeld, over its stdin, whether a
 * caller's stream id may stream; reeld checks the key, resets the stream
 * and publishes live.started on a thread, and answers. The child's lines
 * are read on the main context; a child that falls silent is killed, and
 * a session ends when its child does. */
#pragma once

#include "bus/bus.h"
#include "core/config.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct ReelLiveIngest ReelLiveIngest;

ReelLiveIngest *reel_live_ingest_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store,
                                        ReelBlobs *blobs);
/* Sessions in progress are ended: their recordings become videos. */
void reel_live_ingest_stop (ReelLiveIngest *ingest);

G_END_DECLS
