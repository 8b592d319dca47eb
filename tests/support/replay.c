/* Recording an event log as JSON lines and replaying it through
 * `reeld --rebuild` (see replay.h). */
#include "replay.h"

#include <json-glib/json-glib.h>
#include <nats/nats.h>

/* The streams a log is made of, in the order a replay publishes them (each
 * keeps its own sequence, so the order between them does not matter). */
static const char *const LOG_STREAMS[] = { "REEL_EVENTS", "REEL_ACTIONS" };

char *
reel_test_record_log (const char *url)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  GString *out = g_string_new (NULL);

  g_assert_cmpint (natsConnection_ConnectTo (&nc, url), ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (&js, nc, NULL), ==, NATS_OK);
  for (guint s = 0; s < G_N_ELEMENTS (LOG_STREAMS); s++)
    {
      jsStreamInfo *si = NULL;
      g_assert_cmpint (js_GetStreamInfo (&si, js, LOG_STREAMS[s], NULL, NULL), ==, NATS_OK);
      for (guint64 seq = si->State.FirstSeq; seq <= si->State.LastSeq && seq > 0; seq++)
        {
          natsMsg *m = NULL;
          g_autoptr (JsonBuilder) b = json_builder_new ();
          g_autoptr (JsonParser) p = json_parser_new ();
          g_autoptr (JsonGenerator) gen = json_generator_new ();
          g_autofree char *line = NULL;

          g_assert_cmpint (js_GetMsg (&m, js, LOG_STREAMS[s], seq, NULL, NULL), ==, NATS_OK);
          g_autofree char *data = g_strndup (natsMsg_GetData (m), natsMsg_GetDataLength (m));

          /* Every stored message is one JSON document. */
          g_assert_true (json_parser_load_from_data (p, data, -1, NULL));
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "stream");
          json_builder_add_string_value (b, LOG_STREAMS[s]);
          json_builder_set_member_name (b, "subject");
          json_builder_add_string_value (b, natsMsg_GetSubject (m));
          /* The stored text itself, so the replay publishes the same bytes. */
          json_builder_set_member_name (b, "data");
          json_builder_add_string_value (b, data);
          json_builder_end_object (b);
          json_generator_set_root (gen, json_builder_get_root (b));
          line = json_generator_to_data (gen, NULL);
          g_string_append_printf (out, "%s\n", line);
          json_node_unref (json_builder_get_root (b));
          natsMsg_Destroy (m);
        }
      jsStreamInfo_Destroy (si);
    }
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
  return g_string_free (out, FALSE);
}

/* The dump without the rows that name the NATS streams the log was read
 * from (meta "origin:<stream>": the stream's creation time, which makes
 * every fresh server different): the rest is what the log determines. */
static char *
without_origins (const char *dump)
{
  g_auto (GStrv) lines = g_strsplit (dump, "\n", -1);
  GString *out = g_string_new (NULL);
  for (guint i = 0; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], " origin:") && lines[i + 1])
        {
          i++; /* and its value */
          continue;
        }
      g_string_append (out, lines[i]);
      if (lines[i + 1])
        g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

ReelTestNats *
reel_test_replay_into (const char *lines, const char *dir)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_auto (GStrv) rows = g_strsplit (lines, "\n", -1);
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  guint published = 0;

  g_free (reel_test_rebuild (dir, nats->auth_url, NULL, NULL));
  g_assert_cmpint (natsConnection_ConnectTo (&nc, nats->auth_url), ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (&js, nc, NULL), ==, NATS_OK);
  for (guint i = 0; rows[i]; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *o;
      const char *data;
      jsPubAck *ack = NULL;
      jsErrCode jerr = 0;

      if (!*rows[i])
        continue;
      g_assert_true (json_parser_load_from_data (p, rows[i], -1, NULL));
      o = json_node_get_object (json_parser_get_root (p));
      data = json_object_get_string_member (o, "data");
      g_assert_cmpint (js_Publish (&ack, js, json_object_get_string_member (o, "subject"), data,
                                   (int)strlen (data), NULL, &jerr),
                       ==, NATS_OK);
      g_assert_cmpstr (ack->Stream, ==, json_object_get_string_member (o, "stream"));
      jsPubAck_Destroy (ack);
      published++;
    }
  g_assert_cmpuint (published, >, 0);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);

  g_free (reel_test_rebuild (dir, nats->auth_url, NULL, NULL));
  return nats;
}

char *
reel_test_replay_log (const char *lines)
{
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestNats *nats = reel_test_replay_into (lines, dir);
  g_autofree char *dump = reel_test_dump_lmdb (dir);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  return without_origins (dump);
}

GHashTable *
reel_test_dump_databases (const char *dump)
{
  GHashTable *dbs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) parts = g_strsplit (dump, "VERSION=", -1);
  for (guint i = 0; parts[i]; i++)
    {
      const char *name = strstr (parts[i], "database=");
      if (!name)
        continue;
      name += strlen ("database=");
      g_hash_table_insert (dbs, g_strndup (name, strcspn (name, "\n")), g_strdup (parts[i]));
    }
  return dbs;
}

/* reeld --rebuild [--only only]; its output, and its exit status in *status. */
static char *
rebuild_run (const char *dir, const char *url, const char *config, const char *only, int *status)
{
  g_autofree char *arg_dir = g_strdup_printf ("--data-dir=%s", dir);
  g_autofree char *arg_nats = url ? g_strdup_printf ("--nats-url=%s", url) : NULL;
  g_autofree char *arg_config = config ? g_strdup_printf ("--config=%s", config) : NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer)reel_test_env ("REEL_TEST_REELD"));
  g_ptr_array_add (argv, arg_dir);
  if (arg_nats)
    g_ptr_array_add (argv, arg_nats);
  if (arg_config)
    g_ptr_array_add (argv, arg_config);
  g_ptr_array_add (argv, "--rebuild");
  if (only)
    {
      g_ptr_array_add (argv, "--only");
      g_ptr_array_add (argv, (gpointer)only);
    }
  g_ptr_array_add (argv, NULL);
  return reel_test_run ((const char *const *)argv->pdata, status);
}

char *
reel_test_rebuild (const char *dir, const char *url, const char *config, const char *only)
{
  int status;
  char *out = rebuild_run (dir, url, config, only, &status);
  if (status != 0)
    g_printerr ("reeld --rebuild%s%s: %s\n", only ? " --only " : "", only ? only : "",
                out ? out : "(no output)");
  g_assert_cmpint (status, ==, 0);
  return out;
}

char *
reel_test_rebuild_same (const char *dir, const char *url, const char *config)
{
  g_autofree char *before = reel_test_dump_lmdb (dir);
  g_autofree char *out = reel_test_rebuild (dir, url, config, NULL);
  char *after = reel_test_dump_lmdb (dir);
  g_assert_cmpstr (before, ==, after);
  return after;
}

char *
reel_test_stop_rebuild_same (ReelTestReeld *d, const char *url, const char *config)
{
  g_autofree char *dir = g_strdup (d->data_dir);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  return reel_test_rebuild_same (dir, url, config);
}

guint
reel_test_rebuild_each_alone (const char *dir, const char *url, const char *config)
{
  int status;
  g_autofree char *refused = rebuild_run (dir, url, config, "no-such-projection", &status);
  const char *known = refused ? strstr (refused, "(known: ") : NULL;
  g_autofree char *list = NULL, *full = NULL;
  g_auto (GStrv) names = NULL;
  g_autoptr (GHashTable) want = NULL;
  g_autoptr (GString) changed = g_string_new (NULL);
  guint n_core = 0;

  /* The names reeld knows: from its refusal of an unknown one. */
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (known);
  known += strlen ("(known: ");
  list = g_strndup (known, strcspn (known, ")"));
  names = g_strsplit (list, ", ", -1);
  full = reel_test_dump_lmdb (dir);
  want = reel_test_dump_databases (full);
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *out = reel_test_rebuild (dir, url, config, names[i]);
      g_autofree char *dump = NULL;
      g_autoptr (GHashTable) got = NULL;
      GHashTableIter it;
      gpointer name, text;
      gboolean same = TRUE;

      /* The viewer-action projections replay no events. */
      if (!strstr (out, " events and "))
        continue;
      n_core++;
      dump = reel_test_dump_lmdb (dir);
      got = reel_test_dump_databases (dump);
      g_assert_cmpuint (g_hash_table_size (got), ==, g_hash_table_size (want));
      g_hash_table_iter_init (&it, want);
      while (g_hash_table_iter_next (&it, &name, &text))
        {
          const char *again = g_hash_table_lookup (got, name);
          if (g_strcmp0 (again, text) == 0)
            continue;
          g_printerr ("--rebuild --only %s changed table %s:\n--- full rebuild\n%s\n--- "
                      "after\n%s\n",
                      names[i], (char *)name, (char *)text, again);
          g_string_append_printf (changed, " %s:%s", names[i], (char *)name);
          same = FALSE;
        }
      if (!same)
        {
          /* Back to the full rebuild, so the next projection is judged alone. */
          g_free (reel_test_rebuild (dir, url, config, NULL));
        }
    }
  /* Every projection is tried before failing, to name all that differ. */
  g_assert_cmpstr (changed->str, ==, "");
  return n_core;
}
