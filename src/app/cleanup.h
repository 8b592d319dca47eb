/* Reclaiming storage: which blobs and partial uploads nothing needs any
 * more, and deleting them.
 *
 * A temporary file of an interrupted write ("*.tmp-XXXXXX") is an orphan
 * as soon as its writer is gone, whatever its age: a writer holds a lock on
 * it until the rename, which the kernel drops when the writer dies
 * (reel_blobs_reap_temp; where the filesystem has no locks, the grace
 * period below applies instead). Any other blob is an orphan when it is
 * older than the grace period and
 *   - it belongs to a video (originals/<id>, videos/<id>/...) that no longer
 *     exists (deleted, aborted, or never created), or
 *   - it is an original the video's record does not name, or a segment
 *     (an .mp4 or .m4s file in videos/<id>/<rendition>/) its chunk table does not
 *     name (a failed or repeated transcode attempt), or a custom poster
 *     (videos/<id>/poster-<hex>.jpg, and its -small.jpg) the record no
 *     longer shows (the owner chose another).
 * Anything else (keys of a layout this code does not know, e.g. another
 * feature's thumbnails) is left alone: unknown is never an orphan. The
 * grace period covers the moments when a blob exists before the event that
 * references it is applied (a worker writes segments, then publishes).
 *
 * A partial upload (DATA_DIR/uploads) idle for longer than the grace period
 * is abandoned: its video is aborted (video.upload_aborted) and the file
 * deleted. So is an upload record older than the grace period that never
 * received a byte on this node, and a one-shot upload's temporary file
 * left by a request that died. An upload whose bytes reached the blob store
 * but whose completion was cut short is not abandoned: the caller finishes
 * it (media/ingest.h).
 *
 * A node's work directory (DATA_DIR/work: transcode and live scratch
 * space) holds only what running jobs use; an entry untouched for longer
 * than the grace period belongs to a job that died and is deleted. */
#pragma once

#include "app/uploads.h"
#include "bus/events.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 files;
  guint64 bytes;
  guint64 aborted; /* upload records aborted */
} ReelCleanupStats;

/* Deletes the orphans of one blob store (the blob store or the CDN origin;
 * label names it in the metrics); adds to *stats. */
gboolean reel_cleanup_blobs (ReelStore *store, ReelBlobs *blobs, const char *label, gint64 now_s,
                             guint grace_s, ReelCleanupStats *stats, GError **error);

/* Deletes only the temporary files of interrupted writes (see above): what
 * a crash leaves, swept at start-up. */
gboolean reel_cleanup_abandoned_writes (ReelBlobs *blobs, const char *label,
                                        ReelCleanupStats *stats, GError **error);

/* Aborts and deletes partial uploads idle for longer than grace_s, and
 * deletes temporary upload files as old. */
gboolean reel_cleanup_uploads (ReelBus *bus, ReelStore *store, ReelUploads *uploads, gint64 now_s,
                               guint grace_s, ReelCleanupStats *stats, GError **error);

/* Aborts the upload records created more than grace_s ago that have no
 * bytes here; appends to stored the ids of those whose bytes are complete
 * in the blob store (to be finished, not aborted). */
gboolean reel_cleanup_empty_uploads (ReelBus *bus, ReelStore *store, ReelUploads *uploads,
                                     ReelBlobs *blobs, gint64 now_s, guint grace_s,
                                     GPtrArray *stored, ReelCleanupStats *stats, GError **error);

/* Deletes the entries of a work directory untouched for longer than
 * grace_s (a directory counts as touched when anything in it is). */
gboolean reel_cleanup_work_dir (const char *dir, gint64 now_s, guint grace_s,
                                ReelCleanupStats *stats, GError **error);

/* Deletes every blob of a deleted video at once (its originals/<id> and
 * videos/<id>/ keys), whatever their age. */
gboolean reel_cleanup_video (ReelBlobs *blobs, const char *label, const char *video_id,
                             ReelCleanupStats *stats, GError **error);

/* Declares the metrics: reel_blobs_reclaimed_total and
 * reel_blobs_reclaimed_bytes_total, by store. */
void reel_cleanup_declare_metrics (void);

G_END_DECLS
