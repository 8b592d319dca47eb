/* Viewer actions: what a player reports while someone watches a video
 * (play, pause, seek, progress, ended, quality_change), and how a batch of
 * them gets from POST /api/v1/events into the REEL_ACTIONS stream.
 *
 * Each action is a flat JSON object validated against its versioned JSON
 * Schema, data/schemas/action.<action>.v<v>.json (which $refs action.json).
 * There is no JSON Schema library among reel's dependencies, so
 * reel_action_check_schema() mirrors those schemas check for check; the
 * unit test test_actions runs the same good and bad samples through it and
 * through python3-jsonschema and asserts they agree. After the schema come
 * the checks only the server can make: the video exists, is playable, and
 * the position is within its duration.
 *
 * An accepted action is stored as an action record (action-record.json):
 * the action exactly as sent, the viewer (username or null), when the API
 * received it, and the video's duration. The consumers (views, analytics,
 * related) read nothing but these records, so replaying the stream rebuilds
 * them exactly. A batch's accepted actions of one video are stored as one
 * message (JetStream stores and delivers a message for the cost of a few
 * records): their records, one per line (JSON Lines; a message of one
 * record is that record, as every message was before). Subject:
 * reel.act.<video_id>; Nats-Msg-Id: the action's id, or for several
 * "acts-" and the SHA-256 of their ids, so a batch sent again is stored
 * once; the projections also ignore an action they applied
 * (app/analytics/watch.h). */
#pragma once

#include "app/analytics/action_cache.h"
#include "app/analytics/action_record.h"
#include "app/video/record.h"
#include "bus/bus.h"
#include "core/id.h"
#include "store/store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

const char *reel_action_kind_name (ReelActionKind kind);
const char *reel_action_trigger_name (ReelTrigger trigger);

/* The schema check alone (action.<action>.v<v>.json): REEL_ERROR_INVALID
 * with the first reason found. */
gboolean reel_action_check_schema (JsonObject *obj, GError **error);

/* Checks the schema and fills out (record fields left zero). */
gboolean reel_action_from_json (JsonObject *obj, ReelAction *out, GError **error);

/* The checks against the video's record (NULL = unknown video):
 * REEL_ERROR_NOT_FOUND, or REEL_ERROR_UNPROCESSABLE when it is not playable
 * or a position lies beyond its duration. */
gboolean reel_action_check_video (const ReelAction *a, const ReelVideo *video, GError **error);

/* reel.act.<video_id> */
char *reel_action_subject (const char *video_id);

/* The stored record of an accepted action (action-record.json). a, when
 * not NULL, is the action as reel_action_from_json read it from action: it
 * gets the record's own fields, and is then what reel_action_parse_record
 * reads back from the record. */
char *reel_action_record (JsonObject *action, ReelAction *a, const char *viewer,
                          gboolean history_off, const char *received_at, gint64 duration_ns);

/* Parses a stored record. parser is reused between calls (one per
 * consumer thread). REEL_ERROR_INVALID for a record this version cannot
 * read (e.g. an action version from a newer node). */
gboolean reel_action_parse_record (JsonParser *parser, const char *data, gsize len, ReelAction *out,
                                   GError **error);

/* Parses a stored message: its records, one per line (one record is a
 * message of one line). Appends each that reads to out (of ReelAction) and
 * returns how many did not; the first one's reason in *error. */
guint reel_action_parse_message (JsonParser *parser, const char *data, gsize len, GArray *out,
                                 GError **error);

/* A batch as POST /api/v1/events receives it: {"events": [...], "token"?}.
 * Returns the parsed body, or REEL_ERROR_INVALID (not a batch; an event is
 * not an object) / REEL_ERROR_TOO_LARGE (more than max_batch events). */
JsonObject *reel_actions_parse_batch (const char *data, gsize len, guint max_batch, GError **error);

/* Validates every event of a parsed batch, publishes the valid ones to
 * REEL_ACTIONS in one asynchronous burst (a message per video), and returns
 * {"accepted": n, "rejected": [{"index", "code", "message"}, ...]}.
 * viewer is the logged-in username or NULL. Each stored record goes into
 * cache (may be NULL) as already parsed, for this node's consumers. Fails
 * as a whole (REEL_ERROR_UNAVAILABLE) only when NATS took none of the
 * valid ones. */
JsonObject *reel_actions_ingest (ReelBus *bus, ReelStore *store, ReelActionCache *cache,
                                 JsonObject *batch, const char *viewer, GError **error);

G_END_DECLS
