/* app/actions: the C validator of viewer actions agrees with the JSON
 * Schemas in data/schemas (the same good and bad samples through both it and
 * python3-jsonschema), plus what only the server checks, the stored record
 * and message (one record a line), the cache of parsed messages, and
 * batch-level refusals. */
#include "app/analytics/actions.h"
#include "core/error.h"
#include "core/json.h"

#include <glib/gstdio.h>
#include <unistd.h>

#define GOOD                                                                                       \
  "{\"id\":\"a1b2c3d4\",\"v\":1,\"video_id\":\"AAAAAAAAAAA\",\"session_id\":\"sess-0001\","        \
  "\"action\":\"play\",\"position\":0,\"at\":1700000000000}"

/* GOOD with members replaced or added (set, a JSON object text) and one
 * removed. */
static char *
variant (const char *set, const char *remove)
{
  g_autoptr (JsonObject) obj = reel_json_parse_object (GOOD, strlen (GOOD), NULL);
  if (set)
    {
      g_autoptr (JsonObject) add = reel_json_parse_object (set, strlen (set), NULL);
      g_autoptr (GList) members = json_object_get_members (add);
      g_assert_nonnull (add);
      for (GList *l = members; l; l = l->next)
        json_object_set_member (obj, l->data,
                                json_node_copy (json_object_get_member (add, l->data)));
    }
  if (remove)
    json_object_remove_member (obj, remove);
  return reel_json_object_to_string (obj);
}

static const char *const variants[][2] = {
  /* good, one per action and version */
  { NULL, NULL },
  { "{\"action\":\"pause\",\"position\":12.5}", NULL },
  { "{\"action\":\"progress\",\"position\":3,\"rendition\":\"720p\"}", NULL },
  { "{\"action\":\"seek\",\"from\":1.5,\"position\":90}", NULL },
  { "{\"action\":\"quality_change\",\"rendition\":\"audio.aac-2\"}", NULL },
  { "{\"v\":2,\"trigger\":\"up_next\"}", NULL },
  { "{\"v\":2,\"trigger\":\"autoplay\",\"rendition\":\"240p\"}", NULL },
  { "{\"at\":0}", NULL },
  { "{\"at\":9007199254740991}", NULL },
  { "{\"id\":\"_-_-_-_-\",\"session_id\":\"" /* 64 */
    "0123456789012345678901234567890123456789012345678901234567890123\"}",
    NULL },
  /* missing fields */
  { NULL, "id" },
  { NULL, "v" },
  { NULL, "video_id" },
  { NULL, "session_id" },
  { NULL, "action" },
  { NULL, "position" },
  { NULL, "at" },
  { "{\"action\":\"seek\"}", NULL },
  { "{\"action\":\"quality_change\"}", NULL },
  { "{\"v\":2}", NULL },
  /* unknown action, version or field */
  { "{\"action\":\"rewind\"}", NULL },
  { "{\"action\":\"Play\"}", NULL },
  { "{\"action\":\"\"}", NULL },
  { "{\"v\":3}", NULL },
  { "{\"v\":0}", NULL },
  { "{\"v\":-1}", NULL },
  { "{\"action\":\"pause\",\"v\":2}", NULL },
  { "{\"trigger\":\"user\"}", NULL },
  { "{\"from\":1}", NULL },
  { "{\"extra\":true}", NULL },
  { "{\"action\":\"seek\",\"from\":1,\"trigger\":\"user\"}", NULL },
  /* wrong types */
  { "{\"v\":\"1\"}", NULL },
  { "{\"v\":true}", NULL },
  { "{\"v\":1.5}", NULL },
  { "{\"position\":\"12\"}", NULL },
  { "{\"position\":true}", NULL },
  { "{\"position\":null}", NULL },
  { "{\"position\":[1]}", NULL },
  { "{\"position\":-0.5}", NULL },
  { "{\"at\":\"1700000000000\"}", NULL },
  { "{\"at\":1.5}", NULL },
  { "{\"at\":-1}", NULL },
  { "{\"at\":9007199254740992}", NULL },
  { "{\"id\":12345678}", NULL },
  { "{\"id\":{}}", NULL },
  { "{\"video_id\":null}", NULL },
  { "{\"action\":7}", NULL },
  { "{\"rendition\":null}", NULL },
  { "{\"rendition\":720}", NULL },
  { "{\"action\":\"seek\",\"from\":\"1\"}", NULL },
  { "{\"action\":\"seek\",\"from\":-1}", NULL },
  { "{\"v\":2,\"trigger\":\"robot\"}", NULL },
  { "{\"v\":2,\"trigger\":null}", NULL },
  /* patterns and lengths */
  { "{\"id\":\"short\"}", NULL },
  { "{\"id\":\"has space\"}", NULL },
  { "{\"id\":\"a1b2c3d4\\n\"}", NULL },
  { "{\"id\":\"a1b2c3d4é\"}", NULL },
  { "{\"session_id\":\"" /* 65 */
    "01234567890123456789012345678901234567890123456789012345678901234\"}",
    NULL },
  { "{\"session_id\":\"sess/0001\"}", NULL },
  { "{\"video_id\":\"AAAAAAAAAA\"}", NULL },
  { "{\"video_id\":\"AAAAAAAAAAAA\"}", NULL },
  { "{\"video_id\":\"AAAAAAAAAA=\"}", NULL },
  { "{\"video_id\":\"AAAAAAAAAAA\\n\"}", NULL },
  { "{\"rendition\":\"\"}", NULL },
  { "{\"rendition\":\"720p 60\"}", NULL },
  { "{\"rendition\":\"012345678901234567890123456789012\"}", NULL },
  { "{\"action\":\"play\\n\"}", NULL },
};

/* Samples json-glib would not write as such (number syntax, NUL): raw
 * text; the first three are good. */
#define RAW(members)                                                                               \
  "{\"id\":\"a1b2c3d4\",\"video_id\":\"AAAAAAAAAAA\",\"session_id\":\"sess-0001\","                \
  "\"action\":\"play\"," members "}"
static const char *const raw[] = {
  RAW ("\"v\":1.0,\"position\":0,\"at\":1"),
  RAW ("\"v\":1,\"position\":1e300,\"at\":1e2"),
  RAW ("\"v\":1,\"position\":1E-3,\"at\":10.0"),
  RAW ("\"v\":1,\"position\":-1e400,\"at\":1"),
  RAW ("\"v\":1,\"position\":0,\"at\":1e400"),
  RAW ("\"v\":1,\"position\":0,\"at\":123456789012345678901234567890"),
  RAW ("\"v\":1,\"position\":0,\"at\":18446744073709551617"),
  RAW ("\"v\":18446744073709551617,\"position\":0,\"at\":1"),
  "{\"id\":\"a1b2c3d4\\u0000xyz\",\"v\":1,\"video_id\":\"AAAAAAAAAAA\",\"session_id\":"
  "\"sess-0001\",\"action\":\"play\",\"position\":0,\"at\":1}",
  "[]",
  "\"play\"",
  "null",
};

/* The C verdict on one sample, as the API would reach it: inside a batch. */
static gboolean
c_valid (const char *sample)
{
  g_autofree char *batch = g_strdup_printf ("{\"events\":[%s]}", sample);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = reel_actions_parse_batch (batch, strlen (batch), 10, &error);
  JsonNode *node;
  if (!body)
    return FALSE;
  node = json_array_get_element (json_object_get_array_member (body, "events"), 0);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  if (!reel_action_check_schema (json_node_get_object (node), &error))
    {
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_nonnull (error->message);
      return FALSE;
    }
  return TRUE;
}

static void
test_agrees_with_schema (void)
{
  g_autoptr (GPtrArray) samples = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autofree char *path = NULL, *out = NULL;
  g_auto (GStrv) verdicts = NULL;
  g_autoptr (GError) error = NULL;
  guint n_valid = 0;
  int fd, status;

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    g_ptr_array_add (samples, variant (variants[i][0], variants[i][1]));
  for (guint i = 0; i < G_N_ELEMENTS (raw); i++)
    g_ptr_array_add (samples, g_strdup (raw[i]));
  for (guint i = 0; i < samples->len; i++)
    g_string_append_printf (lines, "%s\n", (char *)samples->pdata[i]);
  fd = g_file_open_tmp ("reel-actions-XXXXXX.jsonl", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, lines->str, -1, &error));
  {
    const char *argv[] = { g_getenv ("REEL_TEST_PYTHON"), g_getenv ("REEL_TEST_VALIDATE_ACTIONS"),
                           g_getenv ("REEL_TEST_SCHEMA_DIR"), path, NULL };
    g_autofree char *err = NULL;
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                                 &status, &error));
    g_assert_no_error (error);
    if (status != 0)
      g_test_message ("%s", err);
    g_assert_cmpint (status, ==, 0);
  }
  g_unlink (path);
  verdicts = g_strsplit (out, "\n", -1);
  if (g_strv_length (verdicts) != samples->len + 1)
    g_test_message ("samples:\n%s\nverdicts:\n%s", lines->str, out);
  g_assert_cmpuint (g_strv_length (verdicts), ==, samples->len + 1);
  for (guint i = 0; i < samples->len; i++)
    {
      gboolean py = g_str_equal (verdicts[i], "ok");
      gboolean c = c_valid (samples->pdata[i]);
      if (py != c)
        g_test_message ("disagreement on %s: python says %s", (char *)samples->pdata[i],
                        verdicts[i]);
      g_assert_cmpint (py, ==, c);
      n_valid += c;
    }
  /* The first 10 variants and 3 raw samples are the good ones. */
  g_assert_cmpuint (n_valid, ==, 10 + 3);
  for (guint i = 0; i < 10; i++)
    g_assert_true (c_valid (samples->pdata[i]));
  for (guint i = 0; i < 3; i++)
    g_assert_true (c_valid (raw[i]));
}

static void
test_parse (void)
{
  g_autofree char *text = variant ("{\"action\":\"seek\",\"from\":1.25,\"position\":90.5,"
                                   "\"rendition\":\"480p\",\"at\":1700000000123}",
                                   NULL);
  g_autoptr (JsonObject) obj = reel_json_parse_object (text, strlen (text), NULL);
  g_autoptr (GError) error = NULL;
  ReelAction a;
  g_assert_true (reel_action_from_json (obj, &a, &error));
  g_assert_cmpint (a.kind, ==, REEL_ACTION_SEEK);
  g_assert_cmpuint (a.v, ==, 1);
  g_assert_cmpstr (a.id, ==, "a1b2c3d4");
  g_assert_cmpstr (a.video_id, ==, "AAAAAAAAAAA");
  g_assert_cmpstr (a.session_id, ==, "sess-0001");
  g_assert_cmpstr (a.rendition, ==, "480p");
  g_assert_cmpint (a.position_ns, ==, 90500000000);
  g_assert_cmpint (a.from_ns, ==, 1250000000);
  g_assert_cmpint (a.at_ms, ==, 1700000000123);
  g_assert_cmpint (a.trigger, ==, REEL_TRIGGER_UNSPECIFIED);
  g_assert_cmpstr (reel_action_kind_name (a.kind), ==, "seek");
  {
    g_autofree char *v2 = variant ("{\"v\":2,\"trigger\":\"up_next\"}", NULL);
    g_autoptr (JsonObject) o2 = reel_json_parse_object (v2, strlen (v2), NULL);
    g_assert_true (reel_action_from_json (o2, &a, &error));
    g_assert_cmpint (a.trigger, ==, REEL_TRIGGER_UP_NEXT);
    g_assert_cmpuint (a.v, ==, 2);
  }
}

static ReelVideo *
video (ReelVideoState state, gint64 duration_ns)
{
  ReelVideo *v = reel_video_new ("AAAAAAAAAAA");
  v->state = state;
  if (duration_ns)
    {
      v->plan = g_new0 (ReelVideoPlan, 1);
      v->plan->duration_ns = duration_ns;
    }
  return v;
}

static void
test_check_video (void)
{
  ReelAction a = { 0 };
  g_autoptr (ReelVideo) ready = video (REEL_VIDEO_READY, 10000000000);
  g_autoptr (ReelVideo) playable = video (REEL_VIDEO_PLAYABLE, 10000000000);
  g_autoptr (ReelVideo) processing = video (REEL_VIDEO_PROCESSING, 10000000000);
  g_autoptr (ReelVideo) uploading = video (REEL_VIDEO_UPLOADING, 0);
  g_autoptr (GError) error = NULL;

  a.position_ns = 10000000000;
  g_assert_true (reel_action_check_video (&a, ready, &error));
  g_assert_true (reel_action_check_video (&a, playable, &error));
  a.position_ns = 11000000000; /* within the slack */
  g_assert_true (reel_action_check_video (&a, ready, &error));
  a.position_ns = 11000000001;
  g_assert_false (reel_action_check_video (&a, ready, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE);
  g_assert_nonnull (strstr (error->message, "beyond the video's duration"));
  g_clear_error (&error);
  a.position_ns = 0;
  a.from_ns = G_MAXINT64; /* a seek from 1e300 s */
  g_assert_false (reel_action_check_video (&a, ready, &error));
  g_clear_error (&error);
  a.from_ns = 0;
  g_assert_false (reel_action_check_video (&a, NULL, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (reel_action_check_video (&a, processing, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE);
  g_clear_error (&error);
  g_assert_false (reel_action_check_video (&a, uploading, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE);
}

static void
test_record (void)
{
  g_autofree char *text = variant ("{\"rendition\":\"720p\"}", NULL);
  g_autoptr (JsonObject) obj = reel_json_parse_object (text, strlen (text), NULL);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  g_autofree char *rec
      = reel_action_record (obj, NULL, "amy", FALSE, "2026-11-22T18:47:49.425437Z", 60000000000);
  g_autofree char *anon
      = reel_action_record (obj, NULL, NULL, FALSE, "2026-11-22T18:47:49.425437Z", 5);
  g_autofree char *subject = reel_action_subject ("AAAAAAAAAAA");
  ReelAction a;

  g_assert_true (reel_action_parse_record (parser, rec, strlen (rec), &a, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (a.viewer, ==, "amy");
  g_assert_cmpstr (a.received_at, ==, "2026-11-22T18:47:49.425437Z");
  g_assert_cmpint (a.duration_ns, ==, 60000000000);
  g_assert_cmpstr (a.rendition, ==, "720p");
  g_assert_true (reel_action_parse_record (parser, anon, strlen (anon), &a, &error));
  g_assert_cmpstr (a.viewer, ==, "");
  g_assert_cmpint (a.duration_ns, ==, 5);
  g_assert_false (a.history_off);
  g_assert_cmpstr (subject, ==, "reel.act.AAAAAAAAAAA");
  /* A viewer who paused their history: the record says so. */
  {
    g_autofree char *off
        = reel_action_record (obj, NULL, "amy", TRUE, "2026-11-22T18:47:49.425437Z", 5);
    g_assert_nonnull (strstr (off, "\"history\":false"));
    g_assert_true (reel_action_parse_record (parser, off, strlen (off), &a, &error));
    g_assert_true (a.history_off);
    g_assert_null (strstr (rec, "history"));
  }

  /* A position in exponent notation: json-glib 1.6 wrote 1e-22 back as
   * "1e-22.0", and every consumer refused the record (found by
   * tests/fuzz/fuzz_json.c). */
  {
    const char *tiny = "{\"id\":\"a1b2c3d4\",\"v\":1,\"video_id\":\"AAAAAAAAAAA\","
                       "\"session_id\":\"sess-0001\",\"action\":\"play\",\"position\":1e-22,"
                       "\"at\":1700000000000}";
    g_autoptr (JsonObject) o = reel_json_parse_object (tiny, strlen (tiny), NULL);
    g_autofree char *r = NULL;
    g_assert_nonnull (o);
    r = reel_action_record (o, NULL, NULL, FALSE, "2026-11-22T18:47:49.425437Z", 5);
    g_assert_true (reel_action_parse_record (parser, r, strlen (r), &a, &error));
    g_assert_no_error (error);
    g_assert_cmpint (a.position_ns, ==, 0);
  }

  /* What this version cannot read is refused as invalid (and skipped). */
  const char *bad[] = {
    "not json",
    "[]",
    "{\"viewer\":null,\"received_at\":\"x\",\"duration_ns\":0,\"action\":{}}",
    "{\"viewer\":null,\"received_at\":\"x\",\"duration_ns\":5}",
    "{\"viewer\":1,\"received_at\":\"x\",\"duration_ns\":5,\"action\":" GOOD "}",
    "{\"viewer\":null,\"received_at\":\"x\",\"duration_ns\":5,\"action\":{\"action\":\"play\","
    "\"v\":9}}",
    /* Found by tests/fuzz/fuzz_actions.c: a duration_ns that is an object
     * made json-glib emit a critical; a record wrong in both received_at
     * and viewer set one GError twice (GLib warns). */
    "{\"viewer\":null,\"received_at\":\"x\",\"duration_ns\":{},\"action\":" GOOD "}",
    "{\"viewer\":1,\"received_at\":2,\"duration_ns\":5,\"action\":" GOOD "}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (reel_action_parse_record (parser, bad[i], strlen (bad[i]), &a, &e));
      g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

static void
test_batch (void)
{
  const struct
  {
    const char *body;
    gint code;
  } bad[] = {
    { "", REEL_ERROR_INVALID },
    { "{", REEL_ERROR_INVALID },
    { "[]", REEL_ERROR_INVALID },
    { "{}", REEL_ERROR_INVALID },
    { "{\"events\":{}}", REEL_ERROR_INVALID },
    { "{\"events\":[]}", REEL_ERROR_INVALID },
    { "{\"events\":[1,2,3,4]}", REEL_ERROR_TOO_LARGE },
    { "{\"events\":[1],\"token\":5}", REEL_ERROR_INVALID },
    { "{\"events\":[\"a\\u0000\"]}", REEL_ERROR_INVALID },
    { "{\"events\":[1]}\xff", REEL_ERROR_INVALID },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) b
          = reel_actions_parse_batch (bad[i].body, strlen (bad[i].body), 3, &error);
      g_assert_null (b);
      g_assert_error (error, REEL_ERROR, bad[i].code);
    }
  {
    /* A token longer than any header would carry. */
    g_autofree char *pad = g_strnfill (257, 'x');
    g_autofree char *body = g_strdup_printf ("{\"events\":[1],\"token\":\"%s\"}", pad);
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) b = reel_actions_parse_batch (body, strlen (body), 3, &error);
    g_assert_null (b);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED);
  }
  {
    /* An escaped backslash before "u0000" is just text. */
    const char *ok = "{\"events\":[1,\"\\\\u0000\"],\"token\":\"t\"}";
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) b = reel_actions_parse_batch (ok, strlen (ok), 3, &error);
    g_assert_no_error (error);
    g_assert_nonnull (b);
  }
}

/* What the API keeps of an accepted action (the parsed-action cache) is,
 * byte for byte, what the consumers would parse from its record: numbers
 * that json-glib writes back differently from how they came, every kind
 * and version, anonymous and signed-in viewers. */
static void
test_record_parsed (void)
{
  static const char *const sets[] = {
    NULL,
    "{\"position\":0.1}",
    "{\"position\":12.345678901234567,\"rendition\":\"1080p.hdr\"}",
    "{\"position\":3.0}",
    "{\"position\":1e-7}",
    "{\"position\":1E2}",
    "{\"position\":59.999999999999993}",
    "{\"action\":\"seek\",\"from\":0.3333333333333333,\"position\":2}",
    "{\"action\":\"quality_change\",\"rendition\":\"240p\",\"position\":7.25}",
    "{\"action\":\"play\",\"v\":2,\"trigger\":\"up_next\"}",
    "{\"at\":9007199254740991}",
  };
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    for (guint signed_in = 0; signed_in < 2; signed_in++)
      {
        g_autofree char *text = variant (sets[i], NULL);
        g_autoptr (JsonObject) obj = reel_json_parse_object (text, strlen (text), NULL);
        g_autoptr (GError) error = NULL;
        g_autofree char *rec = NULL;
        ReelAction a, back;
        g_assert_true (reel_action_from_json (obj, &a, &error));
        g_assert_no_error (error);
        rec = reel_action_record (obj, &a, signed_in ? "amy" : NULL, signed_in,
                                  "2026-11-22T18:47:49.425437Z", 60000000000);
        g_assert_true (reel_action_parse_record (parser, rec, strlen (rec), &back, &error));
        g_assert_no_error (error);
        g_assert_cmpstr (a.viewer, ==, signed_in ? "amy" : "");
        g_assert_true (a.history_off == (gboolean)signed_in);
        g_assert_cmpmem (&a, sizeof a, &back, sizeof back);
      }
}

static ReelAction
action_named (const char *id)
{
  ReelAction a;
  memset (&a, 0, sizeof a);
  g_strlcpy (a.id, id, sizeof a.id);
  return a;
}

/* The id of the only action out holds. */
static const char *
only_id (GArray *out)
{
  g_assert_cmpuint (out->len, ==, 1);
  return g_array_index (out, ReelAction, 0).id;
}

/* The cache gives back only what was put for exactly those bytes: all the
 * actions of the message; it keeps no more than its budget. */
static void
test_cache (void)
{
  g_autoptr (ReelActionCache) cache = reel_action_cache_new (4, 1 << 20);
  ReelAction a = action_named ("first"), b = action_named ("second");
  ReelAction two[] = { action_named ("one"), action_named ("two") };
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (ReelAction));
  const char *rec_a = "{\"record\":\"a\"}", *rec_b = "{\"record\":\"b\"}";
  const char *pair = "{\"record\":\"1\"}\n{\"record\":\"2\"}";

  g_assert_false (reel_action_cache_get (cache, 1, rec_a, strlen (rec_a), out));
  g_assert_cmpuint (out->len, ==, 0);
  reel_action_cache_put (cache, 1, rec_a, strlen (rec_a), &a, 1);
  g_assert_true (reel_action_cache_get (cache, 1, rec_a, strlen (rec_a), out));
  g_assert_cmpmem (out->data, sizeof a, &a, sizeof a);
  g_array_set_size (out, 0);
  /* The same sequence with other bytes (a stream made again), a prefix of
   * them, or the same bytes at another sequence: misses. */
  g_assert_false (reel_action_cache_get (cache, 1, rec_b, strlen (rec_b), out));
  g_assert_false (reel_action_cache_get (cache, 1, rec_a, strlen (rec_a) - 1, out));
  g_assert_false (reel_action_cache_get (cache, 5, rec_a, strlen (rec_a), out));
  g_assert_cmpuint (out->len, ==, 0);
  /* A newer message in the same slot (1 + 4) replaces it. */
  reel_action_cache_put (cache, 5, rec_b, strlen (rec_b), &b, 1);
  g_assert_false (reel_action_cache_get (cache, 1, rec_a, strlen (rec_a), out));
  g_assert_true (reel_action_cache_get (cache, 5, rec_b, strlen (rec_b), out));
  g_assert_cmpstr (only_id (out), ==, "second");
  g_array_set_size (out, 0);
  /* Other slots are left alone. */
  reel_action_cache_put (cache, 2, rec_a, strlen (rec_a), &a, 1);
  g_assert_true (reel_action_cache_get (cache, 5, rec_b, strlen (rec_b), out));
  g_array_set_size (out, 0);
  g_assert_true (reel_action_cache_get (cache, 2, rec_a, strlen (rec_a), out));
  g_assert_cmpstr (only_id (out), ==, "first");
  g_array_set_size (out, 0);
  /* A message of two: both, in order, after what out held. */
  reel_action_cache_put (cache, 3, pair, strlen (pair), two, 2);
  g_array_append_val (out, a);
  g_assert_true (reel_action_cache_get (cache, 3, pair, strlen (pair), out));
  g_assert_cmpuint (out->len, ==, 3);
  g_assert_cmpstr (g_array_index (out, ReelAction, 1).id, ==, "one");
  g_assert_cmpstr (g_array_index (out, ReelAction, 2).id, ==, "two");
  g_array_set_size (out, 0);
  /* Within its budget the oldest messages go first; one bigger than the
   * budget is not kept. Room for two actions and the bytes of pair (more
   * than those of two records of one): */
  {
    g_autoptr (ReelActionCache) small = reel_action_cache_new (8, 2 * sizeof a + strlen (pair));
    reel_action_cache_put (small, 1, rec_a, strlen (rec_a), &a, 1);
    reel_action_cache_put (small, 2, rec_b, strlen (rec_b), &b, 1);
    g_assert_true (reel_action_cache_get (small, 1, rec_a, strlen (rec_a), out));
    g_assert_true (reel_action_cache_get (small, 2, rec_b, strlen (rec_b), out));
    reel_action_cache_put (small, 3, rec_a, strlen (rec_a), &a, 1); /* 1 goes */
    g_assert_false (reel_action_cache_get (small, 1, rec_a, strlen (rec_a), out));
    g_assert_true (reel_action_cache_get (small, 2, rec_b, strlen (rec_b), out));
    g_assert_true (reel_action_cache_get (small, 3, rec_a, strlen (rec_a), out));
    reel_action_cache_put (small, 4, pair, strlen (pair), two, 2); /* 2 and 3 go */
    g_assert_false (reel_action_cache_get (small, 2, rec_b, strlen (rec_b), out));
    g_assert_false (reel_action_cache_get (small, 3, rec_a, strlen (rec_a), out));
    g_assert_true (reel_action_cache_get (small, 4, pair, strlen (pair), out));
    g_array_set_size (out, 0);
    /* Bigger than the budget: not kept. */
    {
      ReelAction three[] = { a, b, a };
      const char *big = "{\"record\":\"1\"}\n{\"record\":\"2\"}\n{\"record\":\"3\"}";
      reel_action_cache_put (small, 5, big, strlen (big), three, 3);
      g_assert_false (reel_action_cache_get (small, 5, big, strlen (big), out));
    }
  }
  /* No cache: nothing kept, nothing found. */
  reel_action_cache_put (NULL, 1, rec_a, strlen (rec_a), &a, 1);
  g_assert_false (reel_action_cache_get (NULL, 1, rec_a, strlen (rec_a), out));
}

/* A stored message: one record, or several, one per line; a line that does
 * not read is counted and passed over, the others are read. */
static void
test_message (void)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *t1 = variant ("{\"id\":\"action-one-1\"}", NULL);
  g_autofree char *t2 = variant ("{\"id\":\"action-two-2\",\"action\":\"pause\"}", NULL);
  g_autoptr (JsonObject) o1 = reel_json_parse_object (t1, strlen (t1), NULL);
  g_autoptr (JsonObject) o2 = reel_json_parse_object (t2, strlen (t2), NULL);
  g_autofree char *r1
      = reel_action_record (o1, NULL, NULL, FALSE, "2026-11-22T18:47:49.425437Z", 60000000000);
  g_autofree char *r2
      = reel_action_record (o2, NULL, "amy", FALSE, "2026-11-22T18:47:49.425437Z", 60000000000);
  g_autofree char *both = g_strconcat (r1, "\n", r2, NULL);
  g_autofree char *damaged = g_strconcat (r1, "\n{\"action\":1}\n", r2, NULL);
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (ReelAction));
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (reel_action_parse_message (parser, r1, strlen (r1), out, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpstr (only_id (out), ==, "action-one-1");
  g_array_set_size (out, 0);
  g_assert_cmpuint (reel_action_parse_message (parser, both, strlen (both), out, &error), ==, 0);
  g_assert_cmpuint (out->len, ==, 2);
  g_assert_cmpstr (g_array_index (out, ReelAction, 0).id, ==, "action-one-1");
  g_assert_cmpstr (g_array_index (out, ReelAction, 1).id, ==, "action-two-2");
  g_assert_cmpint (g_array_index (out, ReelAction, 1).kind, ==, REEL_ACTION_PAUSE);
  g_assert_cmpstr (g_array_index (out, ReelAction, 1).viewer, ==, "amy");
  g_array_set_size (out, 0);
  g_assert_cmpuint (reel_action_parse_message (parser, damaged, strlen (damaged), out, &error), ==,
                    1);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_cmpuint (out->len, ==, 2);
  g_clear_error (&error);
  g_array_set_size (out, 0);
  g_assert_cmpuint (reel_action_parse_message (parser, "", 0, out, &error), ==, 1);
  g_assert_cmpuint (out->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/actions/agrees-with-schema", test_agrees_with_schema);
  g_test_add_func ("/actions/parse", test_parse);
  g_test_add_func ("/actions/message", test_message);
  g_test_add_func ("/actions/check-video", test_check_video);
  g_test_add_func ("/actions/record", test_record);
  g_test_add_func ("/actions/record-parsed", test_record_parsed);
  g_test_add_func ("/actions/cache", test_cache);
  g_test_add_func ("/actions/batch", test_batch);
  return g_test_run ();
}
