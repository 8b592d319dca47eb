/* The video lifecycle: the one module that moves a video from upload to
 * playback, and the only one that changes its state.
 *
 *   uploading --accept an original--> processing --probed--> processing
 *     --chunk 0 and the sound joined--> playable --every chunk--> ready
 *     --announced once--> (ready, ready_at set)
 *   any state but ready --video.failed--> failed
 *
 * Commands (any node): accept an original (an upload, a finished upload
 * found by the janitor, a live recording): queue its ingest job, then
 * publish video.uploaded; fail a video (video.failed). Ingest
 * (media/ingest.h) plans it and the workers (media/worker.h) transcode the
 * chunks; their events come back here.
 *
 * Projection (the videos projection, app/video/videos.c, hands it the
 * events it names): video.uploaded, video.probed, the chunk completion
 * join (chunk.transcoded / audio.transcoded into the chunk table, state
 * derived from the table's done prefix), video.failed, video.ready.
 *
 * Announcement (the projector, after each commit): every video the read
 * model holds ready but unannounced gets video.ready, exactly once. */
#pragma once

#include "app/uploads.h"
#include "app/video/record.h"
#include "bus/events.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Ends an upload whose original is complete in the blob store: queues its
 * ingest, then publishes video.uploaded (*seq). The job goes first, so a
 * death in between still gets the video processed; both steps are
 * idempotent (the job's message id is the video's, and video.uploaded
 * moves only an upload in progress), so an interrupted completion may
 * simply run again. */
gboolean reel_lifecycle_accept_original (ReelBus *bus, const char *video_id, const char *actor,
                                         guint64 size, guint64 *seq, GError **error);

/* Moves a finished staged upload (app/uploads.h) into the blob store under
 * the original's key, then accepts it as above. */
gboolean reel_lifecycle_store_original (ReelBus *bus, ReelUploads *uploads, ReelBlobs *blobs,
                                        const char *video_id, const char *actor, guint64 size,
                                        guint64 *seq, GError **error);

/* Publishes video.failed with a reason the uploader can read. */
gboolean reel_lifecycle_fail (ReelBus *bus, const char *video_id, const char *reason,
                              GError **error);

/* Whether the lifecycle applies events of this type. */
gboolean reel_lifecycle_handles (const char *type);

/* Applies one of those events to the video's record v (read in txn) and
 * stores it; redeliveries and replays change nothing. */
gboolean reel_lifecycle_apply (ReelTxn *txn, ReelVideo *v, const ReelEvent *ev, GError **error);
/* The videos projection's half for those events: reads the record ev names
 * (an event for a video the log never created changes nothing) and applies
 * ev to it. */
gboolean reel_lifecycle_apply_event (ReelTxn *txn, const ReelEvent *ev, GError **error);

/* The lifecycle's last step. The projection derives a video's state from
 * its chunk table; when that says ready, video.ready announces it to the
 * consumers that act on it (notifications, feed, search). It is published on
 * reel.ev.video.<id>.ready with "no message on this subject yet" as the
 * precondition, so it exists exactly once however many projectors see the
 * completion and however often the log is replayed. TRUE when announced now,
 * already announced, or not (yet) ready. */
gboolean reel_lifecycle_announce_ready (ReelBus *bus, ReelStore *store, const char *id,
                                        GError **error);

/* Announces every video that is ready but whose video.ready the projection
 * has not applied (kept in the read model, VIDEOS_UNANNOUNCED, so a crash
 * between the commit and the announcement forgets none). A failed
 * announcement (NATS away) is logged and tried again next round. */
void reel_lifecycle_announce_pending (ReelBus *bus, ReelStore *store);

G_END_DECLS
