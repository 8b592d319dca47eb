/* Bounds on what a client may send besides a body: the query string, the
 * request headers reel reads, and the Idempotency-Key. The HTTP edge checks
 * every request against them once its headers are in, before any handler
 * or parser sees the values, and answers 400 with the reason; each bound is
 * far above what a legitimate client sends and low enough that no parser
 * behind it meets pathological input (json-glib, GUri, the tus metadata
 * parser, GStreamer's range handling). Pure functions, no libsoup.
 *
 * Body sizes are config keys (http.max_body_bytes, uploads.*_bytes) since
 * an operator may want to move them; multipart shape limits are below. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest query reel reads is a search: REEL_SEARCH_QUERY_MAX (500)
 * characters of up to 4 UTF-8 bytes, percent-encoded (x3), plus a cursor
 * (512) and a limit: about 6.5 KB. */
#define REEL_QUERY_MAX_BYTES 8192
/* Reel reads at most four parameters on one route (q, limit, cursor, order). */
#define REEL_QUERY_MAX_PARAMS 16
/* A decoded value: a 500-character search, 4 bytes each. */
#define REEL_QUERY_VALUE_MAX_BYTES 2048
#define REEL_QUERY_NAME_MAX_BYTES 64

/* tus Upload-Metadata carries base64 of filename, title (200 characters)
 * and description (5000 characters), up to 4 bytes each: 4/3 x 20800 is
 * about 27.7 KB; 32 KiB leaves room for the file name and a client's own
 * keys, and stays under libsoup's 64 KiB for all headers together. */
#define REEL_TUS_METADATA_MAX_BYTES (32 * 1024)
/* reel reads filename, title and description; tus clients add a few of
 * their own (filetype, name, relativePath, ...). */
#define REEL_TUS_METADATA_MAX_PAIRS 16
/* Upload-Length and Upload-Offset: G_MAXINT64 has 19 digits. */
#define REEL_TUS_NUMBER_MAX_DIGITS 19
/* Stripe's and the IETF draft's keys are at most 255 characters. */
#define REEL_IDEMPOTENCY_KEY_MAX 255

/* multipart/form-data (POST /api/v1/videos): file, title, description and
 * a little slack for what a form adds (e.g. an empty submit field). */
#define REEL_MULTIPART_MAX_PARTS 8
/* One part's header block: Content-Disposition with a long file name and a
 * Content-Type fit in far less. */
#define REEL_MULTIPART_HEADER_MAX_BYTES 8192
/* A text field: the longest is a description, 5000 characters of up to 4
 * bytes. */
#define REEL_MULTIPART_FIELD_MAX_BYTES (32 * 1024)

/* Checks a raw (still percent-encoded) query string: total length, number
 * of parameters, and each decoded name and value. REEL_ERROR_INVALID with
 * the reason otherwise. NULL or "" is fine. */
gboolean reel_limits_check_query (const char *query, GError **error);

/* Checks one request header by name (case-insensitive) against its bound;
 * headers reel does not read pass. REEL_ERROR_INVALID otherwise. */
gboolean reel_limits_check_header (const char *name, const char *value, GError **error);

/* Whether value is an acceptable Idempotency-Key: 1 to 255 printable
 * ASCII characters. */
gboolean reel_limits_idempotency_key_valid (const char *value);

G_END_DECLS
