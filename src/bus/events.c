/* See events.h. */
#include "bus/events.h"
#include "core/error.h"
#include "core/idem.h"
#include "core/json.h"
#include "core/metrics.h"

/* A publish that times out (server restarting, leader election) is retried
 * with the same Nats-Msg-Id, which makes the retry harmless. */
#define PUBLISH_ATTEMPTS 3
#define PUBLISH_RETRY_DELAY_US (200 * 1000)

/* A random UUID, or in a retried request's scope (core/idem.h) the same
 * one the first attempt published, shaped like a version 4 UUID. */
static char *
event_id (void)
{
  guint8 b[16];
  if (!reel_idem_next (b, sizeof b))
    return g_uuid_string_random ();
  b[6] = (guint8)((b[6] & 0x0f) | 0x40);
  b[8] = (guint8)((b[8] & 0x3f) | 0x80);
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                          b[12], b[13], b[14], b[15]);
}

void
reel_event_free (ReelEvent *ev)
{
  if (!ev)
    return;
  g_free (ev->type);
  g_free (ev->id);
  g_free (ev->at);
  g_free (ev->actor);
  if (ev->data)
    json_object_unref (ev->data);
  g_free (ev);
}

char *
reel_event_subject (const char *aggregate, const char *key)
{
  return g_strdup_printf ("reel.ev.%s.%s", aggregate, key);
}

gboolean
reel_events_publish (ReelBus *bus, const char *subject, const char *type, guint version,
                     const char *actor, JsonObject *data, gboolean expect_subject_empty,
                     guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) env = json_object_new ();
  g_autofree char *id = event_id ();
  g_autofree char *at = reel_json_now_rfc3339 ();
  g_autofree char *text = NULL;
  g_autoptr (GString) labels = g_string_new (NULL);

  json_object_set_string_member (env, "type", type);
  json_object_set_int_member (env, "v", version);
  json_object_set_string_member (env, "id", id);
  json_object_set_string_member (env, "at", at);
  if (actor)
    json_object_set_string_member (env, "actor", actor);
  else
    json_object_set_null_member (env, "actor");
  json_object_set_object_member (env, "data", json_object_ref (data));
  text = reel_json_object_to_string (env);

  for (int attempt = 1;; attempt++)
    {
      g_autoptr (GError) local = NULL;
      if (reel_bus_publish (bus, subject, id, text, strlen (text), expect_subject_empty, seq,
                            &local))
        break;
      if (attempt == PUBLISH_ATTEMPTS || local->code != REEL_ERROR_UNAVAILABLE
          || !reel_bus_is_connected (bus))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_usleep (PUBLISH_RETRY_DELAY_US);
    }
  reel_metrics_label (labels, "type", type);
  reel_metrics_add ("reel_events_published_total", labels->str, 1);
  return TRUE;
}

ReelEvent *
reel_event_parse (const char *data, gsize len, GError **error)
{
  g_autoptr (JsonObject) env = reel_json_parse_object (data, len, error);
  g_autoptr (ReelEvent) ev = NULL;
  JsonNode *v, *d;
  const char *type, *id, *at, *actor;

  if (!env)
    return NULL;
  if (!(type = reel_json_get_string (env, "type", TRUE, error))
      || !(id = reel_json_get_string (env, "id", TRUE, error))
      || !(at = reel_json_get_string (env, "at", TRUE, error)))
    return NULL;
  actor = reel_json_get_string (env, "actor", FALSE, NULL);
  v = json_object_get_member (env, "v");
  d = json_object_get_member (env, "data");
  if (!v || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_INT64
      || json_node_get_int (v) < 1 || json_node_get_int (v) > G_MAXUINT32 || !d
      || !JSON_NODE_HOLDS_OBJECT (d))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "event envelope lacks v or data");
      return NULL;
    }
  ev = g_new0 (ReelEvent, 1);
  ev->type = g_strdup (type);
  ev->v = (guint)json_node_get_int (v);
  ev->id = g_strdup (id);
  ev->at = g_strdup (at);
  ev->actor = g_strdup (actor);
  ev->data = json_object_ref (json_node_get_object (d));
  return g_steal_pointer (&ev);
}
