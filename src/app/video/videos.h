/* Videos: the video records, their creation, edits and deletion, and the
 * videos projection. Their state (processing, playable, ready or failed)
 * is moved only by the lifecycle (app/video/lifecycle.h), to which the
 * projection hands the events that move it.
 *
 * Events (subject reel.ev.video.<id>):
 *   video.created         a creator started an upload: id, owner, title, ...
 *   video.uploaded        the original is complete in the blob store
 *   video.upload_aborted  the creator abandoned the upload (tus termination)
 *   video.probed          ingest planned the ladder and the chunks
 *   chunk.transcoded      a worker finished one chunk of every rung
 *   audio.transcoded      a worker finished the soundtrack
 *   video.poster          a worker made the poster JPEG
 *   video.storyboard      a worker made the seek previews (media/storyboard.h)
 *   video.failed          the video cannot be processed, with a reason
 *   video.ready           every chunk and the soundtrack are done (announced
 *                         once, on reel.ev.video.<id>.ready: lifecycle.h)
 *   video.edited          the owner changed the title and/or description
 *   video.deleted         the owner deleted it: the record and its chunk table
 *                         go (playback answers 404); its blobs are reclaimed
 *                         by the reactor (daemon/reactor.c)
 *   video.cdn_pushed      its segments were copied to the CDN origin: the
 *                         playlists name cdn.base_url from then on
 * State: uploading -> processing -> playable (chunk 0 and the sound are
 * done, so playback can start) -> ready (every chunk is done); or failed.
 * Table VIDEOS: id -> the record (ReelVideo, app/video/record.h, where its
 * stored form is described); table CHUNKS: app/video/chunks.h.
 * A video id is 11 characters of base64url (64 random bits): short enough
 * for a URL, far too many to guess or collide. */
#pragma once

#include "app/video/chunks.h"
#include "app/video/record.h"
#include "app/video/visibility.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

#define REEL_VIDEO_TITLE_MAX 200
#define REEL_VIDEO_DESCRIPTION_MAX 5000

typedef struct
{
  const char *owner;
  const char *title;       /* NULL: from filename */
  const char *description; /* optional */
  const char *filename;    /* optional */
  guint64 size;            /* bytes the upload will have */
  const char *privacy;     /* "public" (NULL: the same), "unlisted" or "private" */
} ReelVideoDraft;

gboolean reel_videos_id_valid (const char *id);
/* REEL_ERROR_INVALID unless privacy names a privacy level (record.h). */
gboolean reel_videos_check_privacy (const char *privacy, GError **error);

/* Validates a draft (title/description lengths, UTF-8, size, privacy). */
gboolean reel_videos_validate_draft (const ReelVideoDraft *draft, guint64 max_size, GError **error);

/* Publishes video.created; returns the new id. */
gboolean reel_videos_create (ReelBus *bus, const ReelVideoDraft *draft, guint64 max_size, char **id,
                             guint64 *seq, GError **error);
gboolean reel_videos_abort_upload (ReelBus *bus, const char *id, const char *actor, guint64 *seq,
                                   GError **error);

/* The stored record with its views counted now (the views projection,
 * app/analytics/views.h); REEL_ERROR_NOT_FOUND when absent. */
ReelVideo *reel_videos_get (ReelStore *store, const char *id, GError **error);
/* Parsed records shared between readers (the HTTP server threads, every
 * list of videos): each version of a record's stored bytes is parsed once
 * in the process. The stored record as txn sees it, with owner_banned: a
 * reference (drop it with reel_video_free) to a record other threads read
 * at the same time, which the caller must not change; views, likes and
 * dislikes are not counted (reel_videos_public_counted counts them). NULL
 * with error unset when absent. Any thread. */
ReelVideo *reel_videos_load_shared (ReelTxn *txn, const char *id, GError **error);
/* The same, but REEL_ERROR_NOT_FOUND as reel_videos_require: for the paths
 * that only read the record (playback). */
ReelVideo *reel_videos_get_shared (ReelTxn *txn, const char *id, GError **error);
/* The video when user owns it; FORBIDDEN ("this video is not yours") or
 * NOT_FOUND otherwise. */
ReelVideo *reel_videos_owned (ReelStore *store, const char *user, const char *id, GError **error);
/* The well-formed video_id of an event's data; REEL_ERROR_INVALID otherwise. */
const char *reel_videos_event_id (const ReelEvent *ev, GError **error);

/* The stored record inside a transaction; NULL with error unset when absent. */
ReelVideo *reel_videos_load (ReelTxn *txn, const char *id, GError **error);
/* The same, but REEL_ERROR_NOT_FOUND when id is not a video's (malformed or
 * absent): for commands and reads about one video. */
ReelVideo *reel_videos_require (ReelTxn *txn, const char *id, GError **error);
/* Stores the record, and keeps VIDEOS_UNANNOUNCED (the ready videos whose
 * video.ready has not been applied) true to it in the same transaction:
 * what is still to announce survives a crash between the commit that made
 * a video ready and the announcement. */
gboolean reel_videos_store (ReelTxn *txn, const ReelVideo *video, GError **error);
/* Removes the record, its place among the unannounced and its chunk table. */
gboolean reel_videos_remove (ReelTxn *txn, const char *id, GError **error);

/* The video as the API shows it, its media URLs under media_base (NULL:
 * "/videos/{id}"; a signed base from app/video/visibility.h for media that
 * need one). */
JsonObject *reel_videos_public (const ReelVideo *video, const char *media_base);
/* The same for a shared record (reel_videos_get_shared), with its views,
 * likes and dislikes counted in txn. */
JsonObject *reel_videos_public_counted (ReelTxn *txn, const ReelVideo *shared,
                                        const char *media_base);
/* Its re-transcodes as the admins see them (media/retranscode.h), its
 * rows read in txn: {"video_id", "set": the set served, "retired"?:
 * {"set", "until"} for the set served before the last switch while it is
 * still played at now_s (reel_video_retired_served with keep_s),
 * "next"?: {"set", "chunks_done", "chunks_total"} while one is made,
 * "given_up"?: {"set", "reason"} for the last given up, until the next is
 * asked for}. */
JsonObject *reel_videos_retranscode_json (ReelTxn *txn, const ReelVideo *video, gint64 now_s,
                                          guint keep_s);
/* Its captions tracks as the API lists them: [{"lang", "url"}], url under
 * media_base as the playlists are (NULL: "/videos/<id>"); app/video/captions.h. */
JsonArray *reel_videos_captions_json (const ReelVideo *video, const char *media_base);
/* The same for a shared record read in txn (reel_videos_load_shared),
 * with its views counted now (the views projection,
 * app/analytics/views.h): what every list of videos shows. NULL when the
 * video may not be listed (app/video/visibility.h, its owner's ban as the
 * shared record has it): lists skip it. */
JsonObject *reel_videos_list_item (ReelTxn *txn, const ReelVideo *video);
/* The list item of video id for a personal list (liked videos, a
 * playlist) when viewer may watch it: such a list names the video, so an
 * unlisted one shows, a private one only to whom it is visible. NULL (error
 * unset) when gone or not watchable, NULL with error on a store failure. */
JsonObject *reel_videos_watchable_item (ReelTxn *txn, const char *id, const ReelViewer *viewer,
                                        GError **error);

/* Publishes video.edited (title, description and/or privacy; NULL:
 * unchanged). REEL_ERROR_FORBIDDEN unless user owns the video. A new
 * privacy takes effect at once everywhere: every list filters by it when
 * read (app/video/visibility.h). */
gboolean reel_videos_edit (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                           const char *title, const char *description, const char *privacy,
                           guint64 *seq, GError **error);
/* Publishes video.edited with downloadable (owner only): whether viewers
 * may download the video as MP4; the owner always may. */
gboolean reel_videos_set_downloadable (ReelBus *bus, ReelStore *store, const char *user,
                                       const char *id, gboolean downloadable, guint64 *seq,
                                       GError **error);
/* Publishes video.deleted. REEL_ERROR_FORBIDDEN unless user owns it. */
gboolean reel_videos_delete (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                             guint64 *seq, GError **error);

/* Every blob key the video's record and chunk table name (its original,
 * init and media segments of every rendition), added to keys (a set); the
 * set served before the last switch only while it is still served at
 * now_s (reel_video_retired_served with keep_s; now_s 0: never). */
gboolean reel_videos_blob_keys (ReelTxn *txn, const char *id, gint64 now_s, guint keep_s,
                                GHashTable *keys, GError **error);
/* The ids (char*) of every ready video, for operators' work on them all
 * (reel retranscode --all); NULL on error. */
GPtrArray *reel_videos_ready_ids (ReelStore *store, GError **error);

gboolean reel_videos_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

/* The path of v's poster under /videos/{id}/ (or /s/{token}/videos/{id}/):
 * poster.jpg for the first one, posters/<file> for a custom one. */
char *reel_video_poster_path (const ReelVideo *v);

G_END_DECLS
