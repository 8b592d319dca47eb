/* Upload staging: partial uploads on disk under DATA_DIR/uploads, one file
 * per video id, appended to as bytes arrive and never held in memory. The
 * size of the file is the upload offset, so an upload resumes across
 * restarts of reeld with no other state. A complete upload moves into the
 * blob store (same filesystem: a rename). One writer per upload at a time
 * (reel_uploads_lock), so two connections cannot interleave bytes. */
#pragma once

#include "store/blobs.h"

G_BEGIN_DECLS

typedef struct ReelUploads ReelUploads;

ReelUploads *reel_uploads_open (const char *dir, GError **error);
void reel_uploads_close (ReelUploads *uploads);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelUploads, reel_uploads_close)

/* Bytes received so far (0 when nothing yet). */
guint64 reel_uploads_offset (ReelUploads *uploads, const char *id);

/* Takes the upload for writing; FALSE (REEL_ERROR_CONFLICT) when another
 * request is writing it. */
gboolean reel_uploads_lock (ReelUploads *uploads, const char *id, GError **error);
void reel_uploads_unlock (ReelUploads *uploads, const char *id);

/* Opens the upload for appending at offset, which must be the current
 * offset (REEL_ERROR_CONFLICT otherwise). Returns a file descriptor. */
int reel_uploads_open_append (ReelUploads *uploads, const char *id, guint64 offset, GError **error);
/* Writes all of data to fd. */
gboolean reel_uploads_write (int fd, const void *data, gsize len, GError **error);

/* Moves a complete upload into the blob store under key. */
gboolean reel_uploads_complete (ReelUploads *uploads, ReelBlobs *blobs, const char *id,
                                const char *key, GError **error);
/* Stores a whole file that arrived in one piece (multipart) as the upload. */
gboolean reel_uploads_put (ReelUploads *uploads, const char *id, GBytes *data, GError **error);
void reel_uploads_discard (ReelUploads *uploads, const char *id);

/* Calls func for each partial upload: its id, size and when it last grew. */
typedef void (*ReelUploadsFunc) (const char *id, guint64 size, gint64 mtime_s, gpointer user_data);
void reel_uploads_foreach (ReelUploads *uploads, ReelUploadsFunc func, gpointer user_data);

G_END_DECLS
