/* The few json-glib conveniences reel needs everywhere: parse a request body
 * into an object with a readable error, read typed members with validation,
 * and serialise. All JSON in reel goes through json-glib. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How deep arrays and objects may nest in anything reel parses. json-glib
 * recurses once per level with no limit of its own, so 200 KB of '[' would
 * exhaust the stack; no record or request of reel's goes past a handful of
 * levels, and 64 leaves room for any client's extra structure. */
#define REEL_JSON_MAX_DEPTH 64

/* The checks JSON text (len bytes) must pass before json-glib sees it,
 * for what json-glib does not refuse by itself. REEL_ERROR_INVALID for:
 *   - nesting deeper than REEL_JSON_MAX_DEPTH (json-glib recurses per level);
 *   - the escape \u0000 (json-glib would silently end the string there),
 *     an unpaired UTF-16 surrogate escape (json-glib would decode it into
 *     bytes that are not UTF-8), or an escape JSON does not have
 *     (json-glib reads octal ones, and misreads short \u ones);
 *   - anything JSON does not allow outside strings: comments, single
 *     quotes, hex and octal numbers (json-glib reads them all), and numbers
 *     json-glib cannot hold (a double's overflow becomes infinity, which
 *     it writes back as "inf");
 *   - more than one top-level value (json-glib leaks the first).
 * Linear scans that understand strings, so brackets inside them do not
 * count; run it before any json-glib parse of bytes reel did not write in
 * this process. */
gboolean reel_json_check_text (const char *data, gsize len, GError **error);

/* Sets REEL_ERROR_INVALID "<what> is not valid JSON: <json-glib's message>",
 * with that message made UTF-8: json-glib quotes the offending token cut
 * at a byte count, which can split a character, and the message goes out
 * in a JSON error body. */
void reel_json_set_parse_error (GError **error, const char *what, const GError *json_error);

/* Parses text that must be one JSON object; REEL_ERROR_INVALID otherwise,
 * also for text that is not UTF-8 or fails reel_json_check_text. */
JsonObject *reel_json_parse_object (const char *data, gsize len, GError **error);

/* A string member: NULL with REEL_ERROR_INVALID when it is missing (and
 * required), not a string, or not valid UTF-8. */
const char *reel_json_get_string (JsonObject *obj, const char *member, gboolean required,
                                  GError **error);

/* An integer member, or default_value when it is missing or not an
 * integer. For JSON reel did not write: json-glib's
 * json_object_get_int_member_with_default emits a critical when the member
 * is an object or array. */
gint64 reel_json_get_int (JsonObject *obj, const char *member, gint64 default_value);

/* JSON text of node (json-glib's generator, with its doubles in
 * exponent notation made valid JSON). */
char *reel_json_to_string (JsonNode *node);
char *reel_json_object_to_string (JsonObject *obj);

/* Current time as RFC 3339 UTC with milliseconds, e.g. 2026-11-22T18:00:00.123Z. */
char *reel_json_now_rfc3339 (void);

/* Microseconds since the Unix epoch of an RFC 3339 time (an event's `at`);
 * 0 when text is not one. Projections key rows by it: it comes from the
 * event, so a replay gives the same keys. */
gint64 reel_json_time_us (const char *text);

G_END_DECLS
