/* See actions.h. The schema mirror below follows data/schemas/action.json
 * and action.<action>.v<v>.json field by field; change both together (the
 * unit test test_actions fails when they disagree). */
#include "app/analytics/actions.h"
#include "app/analytics/history.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "core/metrics.h"

#include <math.h>

/* JSON Schema's integers are exact in a double up to 2^53 - 1 (the
 * schema's maximum for "at", JavaScript's Number.MAX_SAFE_INTEGER). */
#define AT_MAX 9007199254740991.0
/* A session token is 43 characters; the API refuses anything past 256. */
#define REEL_ACTION_BODY_TOKEN_MAX 256
/* Seconds beyond which a position cannot be a video's: they saturate when
 * converted to nanoseconds and fail the duration check. */
#define POSITION_MAX_S 9.2e9

typedef struct
{
  const char *name;
  ReelActionKind kind;
  guint versions; /* bit v set: version v shipped (data/schemas/action.<name>.v<v>.json) */
} ActionSpec;

static const ActionSpec specs[] = {
  { "play", REEL_ACTION_PLAY, 1 << 1 | 1 << 2 },
  { "pause", REEL_ACTION_PAUSE, 1 << 1 },
  { "seek", REEL_ACTION_SEEK, 1 << 1 },
  { "progress", REEL_ACTION_PROGRESS, 1 << 1 },
  { "ended", REEL_ACTION_ENDED, 1 << 1 },
  { "quality_change", REEL_ACTION_QUALITY_CHANGE, 1 << 1 },
};

static const char *const trigger_names[] = {
  [REEL_TRIGGER_UNSPECIFIED] = "unspecified",
  [REEL_TRIGGER_USER] = "user",
  [REEL_TRIGGER_AUTOPLAY] = "autoplay",
  [REEL_TRIGGER_UP_NEXT] = "up_next",
};

/* The members action.json defines for every action. */
static const char *const base_members[]
    = { "id", "v", "video_id", "session_id", "action", "position", "at", "rendition", NULL };

const char *
reel_action_kind_name (ReelActionKind kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    if (specs[i].kind == kind)
      return specs[i].name;
  return "unknown";
}

const char *
reel_action_trigger_name (ReelTrigger trigger)
{
  return trigger_names[trigger];
}

/* --- the schema mirror --- */

static gboolean invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  if (error)
    *error = g_error_new_valist (REEL_ERROR, REEL_ERROR_INVALID, format, ap);
  va_end (ap);
  return FALSE;
}

/* The character classes of the schemas' patterns, and how to say them. */
typedef struct
{
  const char *chars;
  const char *name;
} CharClass;

#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
static const CharClass token_chars = { TOKEN_CHARS, "A-Z, a-z, 0-9, _ and -" };
static const CharClass rendition_chars = { TOKEN_CHARS ".", "A-Z, a-z, 0-9, _, - and ." };
static const CharClass action_chars = { "abcdefghijklmnopqrstuvwxyz_", "a-z and _" };

/* A string member made of len_min..len_max characters of class cc (each
 * schema pattern here is one character class with a length range). */
static gboolean
check_chars (JsonObject *obj, const char *member, gboolean required, const CharClass *cc,
             gsize len_min, gsize len_max, const char **out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  const char *s;
  gsize len;
  *out = NULL;
  if (!node)
    return required ? invalid (error, "missing field \"%s\"", member) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, "field \"%s\" must be a string", member);
  s = json_node_get_string (node);
  len = strlen (s);
  if (len < len_min || len > len_max || strspn (s, cc->chars) != len)
    return invalid (error, "field \"%s\" must be %zu to %zu characters of %s", member, len_min,
                    len_max, cc->name);
  *out = s;
  return TRUE;
}

/* A JSON Schema number (integer when integral is set: a number with no
 * fractional part, so 3.0 counts, as in the specification) within
 * [min, max]. Booleans are not numbers. */
static gboolean
check_number (JsonObject *obj, const char *member, gboolean required, gboolean integral, double min,
              double max, gboolean *present, double *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  GType type;
  double v;
  *present = node != NULL;
  if (!node)
    return required ? invalid (error, "missing field \"%s\"", member) : TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    v = (double)json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    v = json_node_get_double (node);
  else
    return invalid (error, "field \"%s\" must be a%s", member, integral ? "n integer" : " number");
  if (integral && (!isfinite (v) || floor (v) != v))
    return invalid (error, "field \"%s\" must be an integer", member);
  if (v < min || v > max)
    return invalid (error, "field \"%s\" must be from %.17g to %.17g", member, min, max);
  *out = v;
  return TRUE;
}

static const ActionSpec *
spec_for (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    if (g_str_equal (specs[i].name, name))
      return &specs[i];
  return NULL;
}

/* The members a version adds to action.json's, and whether the base's
 * optional rendition becomes required. */
static const char *
extra_member (const ActionSpec *spec, guint v)
{
  if (spec->kind == REEL_ACTION_SEEK)
    return "from";
  if (spec->kind == REEL_ACTION_PLAY && v >= 2)
    return "trigger";
  return NULL;
}

/* The whole check; fills the parts of out it reads (out may be NULL). */
static gboolean
check (JsonObject *obj, ReelAction *out, GError **error)
{
  const char *action, *id, *video_id, *session_id, *rendition, *extra;
  const ActionSpec *spec;
  double v, position, at, from = 0;
  gboolean present;
  JsonObjectIter it;
  const char *member;
  JsonNode *node;
  ReelTrigger trigger = REEL_TRIGGER_UNSPECIFIED;

  if (!check_chars (obj, "action", TRUE, &action_chars, 1, 32, &action, error))
    return FALSE;
  if (!(spec = spec_for (action)))
    return invalid (error,
                    "unknown action \"%s\" (known: play, pause, seek, progress, ended, "
                    "quality_change)",
                    action);
  if (!check_number (obj, "v", TRUE, TRUE, 1, G_MAXUINT32, &present, &v, error))
    return FALSE;
  if (v >= 32 || !(spec->versions & (1u << (guint)v)))
    return invalid (error, "action \"%s\" has no version %.17g", action, v);
  extra = extra_member (spec, (guint)v);
  json_object_iter_init (&it, obj);
  while (json_object_iter_next (&it, &member, &node))
    if (!g_strv_contains (base_members, member) && g_strcmp0 (member, extra) != 0)
      return invalid (error, "unknown field \"%s\" in %s v%u", member, action, (guint)v);
  if (!check_chars (obj, "id", TRUE, &token_chars, 8, REEL_ACTION_TOKEN_MAX, &id, error)
      || !check_chars (obj, "video_id", TRUE, &token_chars, 11, 11, &video_id, error)
      || !check_chars (obj, "session_id", TRUE, &token_chars, 8, REEL_ACTION_TOKEN_MAX, &session_id,
                       error)
      || !check_number (obj, "position", TRUE, FALSE, 0, INFINITY, &present, &position, error)
      || !check_number (obj, "at", TRUE, TRUE, 0, AT_MAX, &present, &at, error)
      || !check_chars (obj, "rendition", spec->kind == REEL_ACTION_QUALITY_CHANGE, &rendition_chars,
                       1, REEL_ACTION_RENDITION_MAX, &rendition, error))
    return FALSE;
  if (spec->kind == REEL_ACTION_SEEK
      && !check_number (obj, "from", TRUE, FALSE, 0, INFINITY, &present, &from, error))
    return FALSE;
  if (g_strcmp0 (extra, "trigger") == 0)
    {
      JsonNode *t = json_object_get_member (obj, "trigger");
      const char *name
          = t && JSON_NODE_HOLDS_VALUE (t) && json_node_get_value_type (t) == G_TYPE_STRING
                ? json_node_get_string (t)
                : NULL;
      for (guint i = REEL_TRIGGER_USER; name && i < G_N_ELEMENTS (trigger_names); i++)
        if (g_str_equal (name, trigger_names[i]))
          trigger = i;
      if (trigger == REEL_TRIGGER_UNSPECIFIED)
        return invalid (error, "%s \"trigger\" (user, autoplay or up_next)",
                        t ? "wrong field" : "missing field");
    }
  if (out)
    {
      memset (out, 0, sizeof *out);
      out->kind = spec->kind;
      out->v = (guint)v;
      g_strlcpy (out->id, id, sizeof out->id);
      g_strlcpy (out->video_id, video_id, sizeof out->video_id);
      g_strlcpy (out->session_id, session_id, sizeof out->session_id);
      g_strlcpy (out->rendition, rendition ? rendition : "", sizeof out->rendition);
      out->position_ns = position >= POSITION_MAX_S ? G_MAXINT64 : llround (position * 1e9);
      out->from_ns = from >= POSITION_MAX_S ? G_MAXINT64 : llround (from * 1e9);
      out->at_ms = (gint64)at;
      out->trigger = trigger;
    }
  return TRUE;
}

gboolean
reel_action_check_schema (JsonObject *obj, GError **error)
{
  return check (obj, NULL, error);
}

gboolean
reel_action_from_json (JsonObject *obj, ReelAction *out, GError **error)
{
  return check (obj, out, error);
}

/* --- what only the server knows --- */

gboolean
reel_action_check_video (const ReelAction *a, const ReelVideo *video, GError **error)
{
  gint64 duration;
  if (!video)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
      return FALSE;
    }
  duration = video->plan ? (gint64)video->plan->duration_ns : 0;
  if (!reel_video_state_is_playable (video->state) || duration <= 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE, "the video is not playable (%s)",
                   reel_video_state_name (video->state));
      return FALSE;
    }
  if (a->position_ns > duration + REEL_ACTION_POSITION_SLACK_NS
      || a->from_ns > duration + REEL_ACTION_POSITION_SLACK_NS)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE,
                   "position %.3f s is beyond the video's duration (%.3f s)",
                   (double)MAX (a->position_ns, a->from_ns) / 1e9, (double)duration / 1e9);
      return FALSE;
    }
  return TRUE;
}

char *
reel_action_subject (const char *video_id)
{
  return g_strdup_printf ("reel.act.%s", video_id);
}

/* --- records --- */

/* The record's own fields, as reel_action_parse_record reads them. */
static void
complete (ReelAction *a, const char *viewer, gboolean history_off, const char *received_at,
          gint64 duration_ns)
{
  g_strlcpy (a->viewer, viewer ? viewer : "", sizeof a->viewer);
  g_strlcpy (a->received_at, received_at, sizeof a->received_at);
  a->duration_ns = duration_ns;
  a->history_off = history_off;
}

char *
reel_action_record (JsonObject *action, ReelAction *a, const char *viewer, gboolean history_off,
                    const char *received_at, gint64 duration_ns)
{
  g_autoptr (JsonObject) rec = json_object_new ();
  if (viewer)
    json_object_set_string_member (rec, "viewer", viewer);
  else
    json_object_set_null_member (rec, "viewer");
  if (history_off)
    json_object_set_boolean_member (rec, "history", FALSE);
  json_object_set_string_member (rec, "received_at", received_at);
  json_object_set_int_member (rec, "duration_ns", duration_ns);
  json_object_set_object_member (rec, "action", json_object_ref (action));
  if (a)
    complete (a, viewer, history_off, received_at, duration_ns);
  return reel_json_object_to_string (rec);
}

gboolean
reel_action_parse_record (JsonParser *parser, const char *data, gsize len, ReelAction *out,
                          GError **error)
{
  g_autoptr (GError) local = NULL;
  JsonNode *root, *action;
  JsonObject *rec;
  const char *viewer, *received_at;
  gint64 duration;

  if (!reel_json_check_text (data, len, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, data, (gssize)len, &local))
    {
      reel_json_set_parse_error (error, "action record", local);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, "action record is not an object");
  rec = json_node_get_object (root);
  action = json_object_get_member (rec, "action");
  duration = reel_json_get_int (rec, "duration_ns", 0);
  /* One error at a time: a GError set twice is a bug GLib warns about. */
  received_at = reel_json_get_string (rec, "received_at", TRUE, &local);
  viewer = local ? NULL : reel_json_get_string (rec, "viewer", FALSE, &local);
  if (local || !action || !JSON_NODE_HOLDS_OBJECT (action) || duration <= 0
      || strlen (received_at) >= sizeof out->received_at
      || (viewer && strlen (viewer) >= sizeof out->viewer))
    return invalid (error,
                    "action record lacks a valid action, viewer, received_at or duration_ns");
  if (!reel_action_from_json (json_node_get_object (action), out, error))
    return FALSE;
  complete (out, viewer, !json_object_get_boolean_member_with_default (rec, "history", TRUE),
            received_at, duration);
  return TRUE;
}

guint
reel_action_parse_message (JsonParser *parser, const char *data, gsize len, GArray *out,
                           GError **error)
{
  guint unreadable = 0;
  for (gsize at = 0; at <= len;)
    {
      const char *end = memchr (data + at, '\n', len - at);
      gsize line = end ? (gsize)(end - (data + at)) : len - at;
      g_autoptr (GError) local = NULL;
      ReelAction a;
      if (reel_action_parse_record (parser, data + at, line, &a, &local))
        g_array_append_val (out, a);
      else
        {
          if (!unreadable++)
            g_propagate_error (error, g_steal_pointer (&local));
        }
      if (!end)
        break;
      at += line + 1;
    }
  return unreadable;
}

/* --- batches --- */

JsonObject *
reel_actions_parse_batch (const char *data, gsize len, guint max_batch, GError **error)
{
  g_autoptr (JsonObject) body = NULL;
  JsonNode *events;
  guint n;

  if (!(body = reel_json_parse_object (data, len, error)))
    return NULL;
  if ((events = json_object_get_member (body, "events")) == NULL || !JSON_NODE_HOLDS_ARRAY (events))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "\"events\" must be an array of actions");
      return NULL;
    }
  n = json_array_get_length (json_node_get_array (events));
  if (n == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "\"events\" is empty");
      return NULL;
    }
  if (n > max_batch)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE,
                   "a batch holds at most %u events (actions.batch_max), this one %u", max_batch,
                   n);
      return NULL;
    }
  if (json_object_has_member (body, "token"))
    {
      const char *token = reel_json_get_string (body, "token", TRUE, error);
      if (!token)
        return NULL;
      /* The same bound as the Authorization header's. */
      if (strlen (token) > REEL_ACTION_BODY_TOKEN_MAX)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED, "malformed token");
          return NULL;
        }
    }
  return g_steal_pointer (&body);
}

static void
reject (GPtrArray *rejected, guint index, const GError *error)
{
  JsonObject *r = json_object_new ();
  g_autoptr (GString) labels = g_string_new (NULL);
  const char *code = reel_error_code_name (error->code);
  json_object_set_int_member (r, "index", index);
  json_object_set_string_member (r, "code", code);
  json_object_set_string_member (r, "message", error->message);
  g_ptr_array_add (rejected, r);
  reel_metrics_label (labels, "code", code);
  reel_metrics_add ("reel_actions_rejected_total", labels->str, 1);
}

static gint
by_index (gconstpointer a, gconstpointer b)
{
  gint64 x = json_object_get_int_member (*(JsonObject **)a, "index");
  gint64 y = json_object_get_int_member (*(JsonObject **)b, "index");
  return (x > y) - (x < y);
}

static void
video_unref (gpointer video)
{
  if (video)
    reel_video_free (video);
}

/* The video records a batch names, each read once (NULL: no such video). */
static ReelVideo *
video_for (ReelTxn *txn, GHashTable *cache, const char *id, GError **error)
{
  ReelVideo *rec;
  if (g_hash_table_lookup_extended (cache, id, NULL, (gpointer *)&rec))
    return rec;
  rec = reel_videos_load (txn, id, error);
  if (!rec && error && *error)
    return NULL;
  g_hash_table_insert (cache, g_strdup (id), rec);
  return rec;
}

/* The accepted actions of one video in a batch: stored as one message. */
typedef struct
{
  char *subject;
  GString *data;   /* their records, one per line */
  GString *ids;    /* their ids, one per line */
  GArray *actions; /* of ReelAction: each as its record parses */
  GArray *origin;  /* of guint: each one's index in the batch */
} Group;

static void
group_free (gpointer p)
{
  Group *g = p;
  g_free (g->subject);
  g_string_free (g->data, TRUE);
  g_string_free (g->ids, TRUE);
  g_array_unref (g->actions);
  g_array_unref (g->origin);
  g_free (g);
}

/* The group of video_id's actions, made when it is the first. */
static Group *
group_for (GHashTable *by_video, GPtrArray *groups, const char *video_id)
{
  Group *g = g_hash_table_lookup (by_video, video_id);
  if (g)
    return g;
  g = g_new0 (Group, 1);
  g->subject = reel_action_subject (video_id);
  g->data = g_string_new (NULL);
  g->ids = g_string_new (NULL);
  g->actions = g_array_new (FALSE, FALSE, sizeof (ReelAction));
  g->origin = g_array_new (FALSE, FALSE, sizeof (guint));
  g_hash_table_insert (by_video, g_strdup (video_id), g);
  g_ptr_array_add (groups, g);
  return g;
}

/* A message's id, for JetStream to store a batch sent again once: one
 * action's own id; several, a digest of theirs. */
static char *
group_msg_id (const Group *g)
{
  g_autofree char *digest = NULL;
  if (g->actions->len == 1)
    return g_strdup (g_array_index (g->actions, ReelAction, 0).id);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, g->ids->str, -1);
  return g_strconcat ("acts-", digest, NULL);
}

JsonObject *
reel_actions_ingest (ReelBus *bus, ReelStore *store, ReelActionCache *cache, JsonObject *batch,
                     const char *viewer, GError **error)
{
  JsonArray *events = json_object_get_array_member (batch, "events");
  guint n = json_array_get_length (events), accepted = 0, unavailable = 0;
  g_autofree char *received_at = reel_json_now_rfc3339 ();
  g_autoptr (GPtrArray) rejected
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func (group_free);
  g_autoptr (GHashTable) by_video = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) msg_ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree ReelBusBatchMsg *msgs = NULL;
  JsonArray *list;
  JsonObject *out;
  g_autoptr (GHashTable) videos
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, video_unref);
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  gboolean history_off;

  reel_metrics_declare ("reel_actions_accepted_total", REEL_METRIC_COUNTER,
                        "Viewer actions stored in the actions stream");
  reel_metrics_declare ("reel_actions_rejected_total", REEL_METRIC_COUNTER,
                        "Viewer actions refused, by error code");
  if (!txn)
    return NULL;
  /* Decided when the action arrives, so the history projection reads it
   * from the record alone (app/analytics/history.h). */
  history_off = viewer && reel_history_paused (txn, viewer);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) local = NULL;
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      ReelVideo *video = NULL;
      g_autofree char *record = NULL;
      Group *g;
      ReelAction a;

      if (!obj)
        g_set_error (&local, REEL_ERROR, REEL_ERROR_INVALID, "an event must be a JSON object");
      else if (reel_action_from_json (obj, &a, &local))
        {
          video = video_for (txn, videos, a.video_id, &local);
          if (!local)
            reel_action_check_video (&a, video, &local);
        }
      if (local)
        {
          reject (rejected, i, local);
          continue;
        }
      record = reel_action_record (obj, &a, viewer, history_off, received_at,
                                   (gint64)video->plan->duration_ns);
      /* A record is one line: JSON text escapes every line break. */
      g = group_for (by_video, groups, a.video_id);
      if (g->data->len)
        {
          g_string_append_c (g->data, '\n');
          g_string_append_c (g->ids, '\n');
        }
      g_string_append (g->data, record);
      g_string_append (g->ids, a.id);
      g_array_append_val (g->actions, a);
      g_array_append_val (g->origin, i);
    }
  g_clear_pointer (&txn, reel_txn_abort);
  msgs = g_new0 (ReelBusBatchMsg, MAX (groups->len, 1));
  for (guint j = 0; j < groups->len; j++)
    {
      Group *g = groups->pdata[j];
      char *id = group_msg_id (g);
      g_ptr_array_add (msg_ids, id);
      msgs[j].subject = g->subject;
      msgs[j].msg_id = id;
      msgs[j].data = g->data->str;
      msgs[j].len = g->data->len;
    }
  if (groups->len && !reel_bus_publish_batch (bus, msgs, groups->len, error))
    return NULL;
  for (guint j = 0; j < groups->len; j++)
    {
      Group *g = groups->pdata[j];
      g_autoptr (GError) failed = msgs[j].error;
      if (!failed)
        {
          accepted += g->actions->len;
          reel_action_cache_put (cache, msgs[j].seq, msgs[j].data, msgs[j].len,
                                 (ReelAction *)(void *)g->actions->data, g->actions->len);
          continue;
        }
      unavailable += failed->code == REEL_ERROR_UNAVAILABLE;
      for (guint k = 0; k < g->origin->len; k++)
        reject (rejected, g_array_index (g->origin, guint, k), failed);
    }
  if (groups->len && unavailable == groups->len)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                   "NATS did not take the batch; send it again");
      return NULL;
    }
  reel_metrics_add ("reel_actions_accepted_total", NULL, accepted);
  /* Publish failures come after the validation failures: one index order. */
  g_ptr_array_sort (rejected, by_index);
  list = json_array_new ();
  for (guint i = 0; i < rejected->len; i++)
    json_array_add_object_element (list, json_object_ref (rejected->pdata[i]));
  out = json_object_new ();
  json_object_set_int_member (out, "accepted", accepted);
  json_object_set_array_member (out, "rejected", list);
  return out;
}
