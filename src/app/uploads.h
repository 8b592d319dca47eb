/* Upload staging: partial uploads on disk under DATA_DIR/uploads, one file
 * per video id, appended to as bytes arrive and never held in memory. The
 * size of the file is the upload offset, so an upload resumes across
 * restarts of reeld with no other state. A complete upload moves into the
 * blob store (same filesystem: a rename). A one-shot (multipart) upload is
 * written to a temporary file ("*.tmp") while it arrives, before its video
 * exists, and adopted under the video's id afterwards.
 *
 * Writers: one per upload at a time (reel_uploads_lock), so two
 * connections cannot interleave bytes. A writer that stops making progress
 * (a half-open connection) does not keep the upload: after takeover_us
 * without progress a newer writer takes it over, and the old one's token
 * stops being valid, so nothing it still sends is written. The lock table
 * also caps how many uploads one user writes at once. It lives in this
 * process: each API node caps its own writers, and a tus client that
 * switches nodes mid-upload relies on Upload-Offset checks, as before.
 * With shared staging (below) the partial upload itself lives in the blob
 * store instead of DATA_DIR/uploads. */
#pragma once

#include "store/blobs.h"

G_BEGIN_DECLS

typedef struct ReelUploads ReelUploads;

/* A staged file: its id (or temporary name), size and modification time. */
typedef void (*ReelUploadsFunc) (const char *id, guint64 size, gint64 mtime_s, gpointer user_data);

ReelUploads *reel_uploads_open (const char *dir, GError **error);
void reel_uploads_close (ReelUploads *uploads);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelUploads, reel_uploads_close)

/* Shared staging, for API nodes that share no disk (blobs.backend = s3):
 * the bytes of each PATCH spool locally while they arrive and, when the
 * request ends (finished or cut off), become one piece in blobs under
 * "uploads/ID/OFFSET". The offset is where the pieces end without a gap,
 * which any node can list, so a client resumes on any node; completion
 * joins the pieces in order into the original. One-shot uploads stay one
 * local file. blobs must outlive uploads. */
void reel_uploads_share (ReelUploads *uploads, ReelBlobs *blobs);
gboolean reel_uploads_is_shared (ReelUploads *uploads);
/* Shared staging: stores what token's request wrote so far as a piece,
 * so that the offset any node reports includes it. */
gboolean reel_uploads_flush (ReelUploads *uploads, const char *id, guint64 token, GError **error);

/* Bytes received so far (0 when nothing yet). */
guint64 reel_uploads_offset (ReelUploads *uploads, const char *id);

/* Takes the upload id for writing on behalf of user (NULL: reel itself,
 * not counted) and returns the writer's token (never 0) for the calls
 * below; 0 with REEL_ERROR_CONFLICT when another writer holds it and made
 * progress within takeover_us (0: never take over), or with
 * REEL_ERROR_RATE_LIMITED when user already writes max_per_user uploads
 * (0: no cap). */
guint64 reel_uploads_lock (ReelUploads *uploads, const char *id, const char *user,
                           gint64 takeover_us, guint max_per_user, GError **error);
/* Releases the upload if token still holds it. */
void reel_uploads_unlock (ReelUploads *uploads, const char *id, guint64 token);
/* Whether token still holds the upload (FALSE once a newer writer took it
 * over); records progress when it does. */
gboolean reel_uploads_touch (ReelUploads *uploads, const char *id, guint64 token);
/* The writer is finishing the upload (no more bytes, but the completion
 * takes a moment): nobody may take it over any more. */
void reel_uploads_pin (ReelUploads *uploads, const char *id, guint64 token);

/* Opens the upload for appending at offset, which must be the current
 * offset (REEL_ERROR_CONFLICT otherwise). Returns a file descriptor. */
int reel_uploads_open_append (ReelUploads *uploads, const char *id, guint64 offset, GError **error);
/* Writes all of data to fd. */
gboolean reel_uploads_write (int fd, const void *data, gsize len, GError **error);

/* Moves a complete upload into the blob store under key. */
gboolean reel_uploads_complete (ReelUploads *uploads, ReelBlobs *blobs, const char *id,
                                const char *key, GError **error);
void reel_uploads_discard (ReelUploads *uploads, const char *id);

/* A new temporary file for an upload whose video does not exist yet;
 * returns its descriptor and sets *name (its file name in the directory). */
int reel_uploads_open_temp (ReelUploads *uploads, char **name, GError **error);
/* Makes the temporary file name the upload of video id. */
gboolean reel_uploads_adopt_temp (ReelUploads *uploads, const char *name, const char *id,
                                  GError **error);
void reel_uploads_discard_temp (ReelUploads *uploads, const char *name);
/* Calls func for each temporary file: its name, size and modification time. */
void reel_uploads_foreach_temp (ReelUploads *uploads, ReelUploadsFunc func, gpointer user_data);

/* Calls func for each partial upload: its id, size and when it last grew
 * (with shared staging also those in the store, of any node). */
void reel_uploads_foreach (ReelUploads *uploads, ReelUploadsFunc func, gpointer user_data);

G_END_DECLS
