/* Fuzzes POST /api/v1/events as the API reads a batch (app/analytics/actions.h):
 * reel_actions_parse_batch, then each event through the schema mirror
 * (reel_action_check_schema, reel_action_from_json), then what the
 * consumers read back from the stream: the record of an accepted action
 * (reel_action_record -> reel_action_parse_record). The input is also
 * parsed as a stored message directly (reel_action_parse_message: one
 * record a line). Properties: the schema check and the parse agree; a
 * message's lines are each read or counted unreadable; a record is one
 * line (the messages are JSON Lines); the record of an action the API
 * accepts (it fits its video) parses back to the same action, byte for byte (a record that does
 * not would be dropped by every consumer: a view, analytics and related
 * counted by the API but lost; and one that parsed back different would
 * make the API's cached copy disagree with a rebuild). */
#include "app/analytics/actions.h"
#include "app/video/record.h"
#include "fuzz.h"

/* actions.batch_max's default. */
#define BATCH_MAX 200

#define VIDEO_DURATION_NS G_GINT64_CONSTANT (60000000000)

static void
check_action (JsonParser *parser, const ReelVideo *video, JsonObject *obj)
{
  g_autoptr (GError) schema_error = NULL, error = NULL;
  ReelAction a, back;
  gboolean valid = reel_action_check_schema (obj, &schema_error);
  g_autofree char *record = NULL;

  if (!reel_action_from_json (obj, &a, &error))
    {
      reel_fuzz_check_error (error);
      REEL_FUZZ_CHECK (!valid);
      return;
    }
  REEL_FUZZ_CHECK (valid);
  /* The API records only actions that fit their video (here one of a
   * minute), as reel_actions_ingest does. */
  if (!reel_action_check_video (&a, video, &error))
    {
      reel_fuzz_check_error (error);
      return;
    }
  record = reel_action_record (obj, &a, "viewer", FALSE, "2026-01-01T00:00:00.000000Z",
                               VIDEO_DURATION_NS);
  REEL_FUZZ_CHECK (strchr (record, '\n') == NULL);
  if (!reel_action_parse_record (parser, record, strlen (record), &back, &error))
    {
      fprintf (stderr, "record does not parse back: %s\n%s\n", error->message, record);
      abort ();
    }
  /* Exactly what the API put in the parsed-action cache for its
   * consumers (app/analytics/action_cache.h), every byte. */
  REEL_FUZZ_CHECK (memcmp (&back, &a, sizeof a) == 0);
}

static void
run (const uint8_t *data, size_t size)
{
  static JsonParser *parser;
  g_autoptr (GError) error = NULL, record_error = NULL;
  g_autoptr (JsonObject) batch = NULL;

  static ReelVideo *video;

  if (!parser)
    {
      parser = json_parser_new_immutable (); /* reused, as a consumer thread does */
      video = reel_video_new ("AbCdEfGhIjK");
      video->state = REEL_VIDEO_READY;
      video->plan = g_new0 (ReelVideoPlan, 1);
      video->plan->duration_ns = VIDEO_DURATION_NS;
    }
  {
    g_autoptr (GArray) read = g_array_new (FALSE, FALSE, sizeof (ReelAction));
    guint lines = 1, bad;
    for (size_t i = 0; i < size; i++)
      lines += data[i] == '\n';
    bad = reel_action_parse_message (parser, (const char *)data, size, read, &record_error);
    REEL_FUZZ_CHECK (bad + read->len == lines);
    REEL_FUZZ_CHECK ((bad == 0) == (record_error == NULL));
    if (record_error)
      reel_fuzz_check_error (record_error);
  }

  batch = reel_actions_parse_batch ((const char *)data, size, BATCH_MAX, &error);
  if (!batch)
    {
      reel_fuzz_check_error (error);
      return;
    }
  {
    JsonArray *events = json_object_get_array_member (batch, "events");
    for (guint i = 0; i < json_array_get_length (events); i++)
      {
        JsonNode *node = json_array_get_element (events, i);
        if (JSON_NODE_HOLDS_OBJECT (node))
          check_action (parser, video, json_node_get_object (node));
      }
  }
}

REEL_FUZZ_HARNESS (run)
