/* The reactor: side effects of events, each done once for the whole
 * cluster, never inside a projection.
 *
 *   user.registered  a welcome email, when the user gave an address and
 *                    smtp.url is set
 *   video.ready      the CDN push of a popular channel's video, then
 *                    video.cdn_pushed
 *   chunk.transcoded of a re-transcode's set (media/retranscode.h): the
 *                    same push once the video serves that set, for the
 *                    CDN held the old one
 *   video.failed     its queued jobs cancelled (bus/jobs.h): none of them
 *                    can help it any more
 *   video.deleted    its queued jobs cancelled, and the video's blobs (blob
 *                    store and CDN origin) deleted
 *
 * Why a shared durable consumer on the event log (bus/jobs.c pointed at
 * REEL_EVENTS, explicit acks): a projection must be a pure function of the
 * log, because every API node applies it and `reeld --rebuild` applies it
 * again; an email sent from there would go out once per node and again on
 * every rebuild. The consumer's position lives on the NATS server and is
 * shared by every node running a projector, so each event is handed to one
 * node, acked when its effect is done, and redelivered (to any node) if that
 * node dies first: at-least-once, and the effects are idempotent where that
 * is possible (a repeated push or delete changes nothing; a repeated email
 * is the one visible duplicate, after a crash between sending and acking).
 * A rebuild never starts the reactor, so it repeats nothing. The durable is
 * created with DeliverNew, so deploying it on an existing log does not
 * email every user who ever registered.
 *
 * Effects that read the read models (the CDN push reads subscriber counts
 * and the chunk table) first wait until the local projection has applied
 * the event, so they see the state the event produced. */
#pragma once

#include "bus/bus.h"
#include "core/config.h"
#include "store/watermark.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct ReelReactor ReelReactor;

/* cdn is the CDN origin store, or NULL when the CDN is not configured. */
ReelReactor *reel_reactor_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store,
                                 ReelBlobs *blobs, ReelBlobs *cdn, ReelWatermark *applied);
void reel_reactor_stop (ReelReactor *reactor);

G_END_DECLS
