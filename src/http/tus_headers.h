/* The tus request headers reel reads from clients, parsed without libsoup
 * so the parsers can be tested and fuzzed on their own (tests/fuzz):
 *
 *   Upload-Length / Upload-Offset   a non-negative decimal integer
 *   Upload-Metadata                 "key base64,key base64,key" (tus 1.0.0
 *                                   creation: keys are non-empty, without
 *                                   spaces or commas, reel: printable
 *                                   ASCII; values are base64, and optional)
 *
 * Values reel keeps (title, description, filename) must be UTF-8 text
 * without NUL, so a value that does not decode to that is refused here. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Upload-Metadata is cut into at most this many pairs (the last keeps the
 * rest): reel reads three keys, and tus-js-client sends about five. */
#define REEL_TUS_METADATA_MAX_PAIRS 64

/* Upload-Length or Upload-Offset (name is the header, for the message):
 * REEL_ERROR_INVALID unless value is a decimal integer in 0..G_MAXINT64.
 * value NULL (the header is missing) is invalid too. */
gboolean reel_tus_parse_offset (const char *name, const char *value, guint64 *out, GError **error);

/* Upload-Metadata as key -> decoded value (a table, empty when header is
 * NULL); REEL_ERROR_INVALID for a key that is not printable ASCII or a
 * value that is not base64 of UTF-8 text without NUL. A key given twice
 * keeps its last value. */
GHashTable *reel_tus_parse_metadata (const char *header, GError **error);

G_END_DECLS
