/* A streaming multipart parser (RFC 2046, as multipart/form-data uses it,
 * RFC 7578): bytes go in as they arrive, in pieces of any size, and each
 * part comes out as its raw header block and then its body in pieces, so a
 * file part can go to disk without the request ever being held in memory.
 * Memory stays bounded by the largest header block allowed plus one
 * delimiter, whatever the input.
 *
 * Bounds (core/limits.h): at most max_parts parts, each header block at
 * most max_header_bytes. The callbacks decide the rest (e.g. which parts
 * they keep and how large each may be) and stop the parse by failing.
 * Everything before the first delimiter (the preamble) and after the
 * closing one (the epilogue) is ignored. A body that ends before the
 * closing delimiter is an error (reel_multipart_finish). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* A part begins: its header block (lines ending in CRLF, without the
   * blank line that ends it). */
  gboolean (*part_start) (gpointer user_data, const char *headers, gsize len, GError **error);
  /* The next bytes of the current part's body. */
  gboolean (*part_data) (gpointer user_data, const guint8 *data, gsize len, GError **error);
  /* The current part is complete. */
  gboolean (*part_end) (gpointer user_data, GError **error);
} ReelMultipartCallbacks;

typedef struct ReelMultipart ReelMultipart;

/* NULL (REEL_ERROR_INVALID) when boundary is not a valid boundary (1 to 70
 * characters, RFC 2046). */
ReelMultipart *reel_multipart_new (const char *boundary, guint max_parts, gsize max_header_bytes,
                                   const ReelMultipartCallbacks *callbacks, gpointer user_data,
                                   GError **error);
void reel_multipart_free (ReelMultipart *mp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelMultipart, reel_multipart_free)

/* Parses the next len bytes. FALSE (with the callback's error, or
 * REEL_ERROR_INVALID / REEL_ERROR_TOO_LARGE for a malformed or oversized
 * body) stops the parse: later calls fail with the same error code. */
gboolean reel_multipart_feed (ReelMultipart *mp, const guint8 *data, gsize len, GError **error);
/* The body is complete: FALSE unless the closing delimiter was seen. */
gboolean reel_multipart_finish (ReelMultipart *mp, GError **error);

G_END_DECLS
