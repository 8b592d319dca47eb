/* The stored form across versions: a log recorded by an earlier version
 * rebuilds into the same read models.
 *
 *   /replay/recorded-log   tests/data/replay/events.jsonl (register, upload,
 *                          ready, comment, subscribe, edit, an upload that
 *                          fails; recorded with
 *                          the reeld of main before the typed video record,
 *                          by tests/tools/record_replay.c) replayed through
 *                          `reeld --rebuild` gives exactly the `mdb_dump` that
 *                          version's rebuild gave (expected.dump): every
 *                          record this version writes is byte for byte the
 *                          one the old version wrote. Tables a later version
 *                          adds (new projections) may be there besides;
 *                          every table of the recorded dump must be
 *                          identical, and the checkpoints of single core
 *                          projections (new with them) all equal the
 *                          group's "applied:core" (their "layout:" rows,
 *                          also new, are left out).
 *   /replay/rebuild-only   after a full rebuild of that log, `reeld --rebuild
 *                          --only NAME` for every core projection (the list
 *                          reeld itself gives for an unknown name) leaves
 *                          every table exactly as the full rebuild made it:
 *                          each projection rebuilds from the log and its own
 *                          tables alone, not from what the others hold.
 *   /replay/upgrade        a data directory as the version before the split
 *                          left it (one checkpoint "applied:core", none of
 *                          the tables the split added) is brought up to
 *                          date by the next reeld: each projection starts
 *                          from that checkpoint, those whose layout changed
 *                          are rebuilt, and the tables end as a full
 *                          rebuild makes them. */
#include "harness.h"
#include "replay.h"
#include "app/projection.h"
#include "store/store.h"

static char *
fixture (const char *name)
{
  g_autofree char *path = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests", "data",
                                            "replay", name, NULL);
  char *text = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s: %s", path, error->message);
  return text;
}

/* dump without the checkpoints ("applied:<name>" rows of meta) that
 * expected does not hold, each asserted equal to "applied:core": the core
 * projections' own checkpoints, which the recorded version did not keep. */
static char *
without_new_checkpoints (const char *dump, const char *expected)
{
  g_auto (GStrv) lines = g_strsplit (dump, "\n", -1);
  GString *out = g_string_new (NULL);
  const char *core = NULL;
  guint n_new = 0;
  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    if (g_str_equal (lines[i], " applied:core"))
      core = lines[i + 1];
  g_assert_nonnull (core);
  for (guint i = 0; lines[i]; i++)
    {
      g_autofree char *row = g_strconcat ("\n", lines[i], "\n", NULL);
      if (g_str_has_prefix (lines[i], " layout:") && lines[i + 1])
        {
          i++; /* a projection's layout (new with the split): its value */
          continue;
        }
      if (g_str_has_prefix (lines[i], " applied:") && lines[i + 1] && !strstr (expected, row))
        {
          g_assert_cmpstr (lines[i + 1], ==, core);
          n_new++;
          i++; /* and its value */
          continue;
        }
      g_string_append (out, lines[i]);
      if (lines[i + 1])
        g_string_append_c (out, '\n');
    }
  g_assert_cmpuint (n_new, >, 0);
  return g_string_free (out, FALSE);
}

/* Only the databases of expected, taken from dump (to show a diff of). */
static char *
only_recorded (const char *dump, GHashTable *expected)
{
  g_autoptr (GHashTable) got = reel_test_dump_databases (dump);
  g_autoptr (GList) names = g_list_sort (g_hash_table_get_keys (expected), (GCompareFunc)strcmp);
  GString *out = g_string_new (NULL);
  for (GList *l = names; l; l = l->next)
    {
      const char *text = g_hash_table_lookup (got, l->data);
      g_string_append_printf (out, "VERSION=%s", text ? text : "(missing)\n");
    }
  return g_string_free (out, FALSE);
}

static void
test_recorded_log (void)
{
  g_autofree char *events = fixture ("events.jsonl");
  g_autofree char *expected = fixture ("expected.dump");
  g_autofree char *replayed = reel_test_replay_log (events);
  g_autofree char *dump = without_new_checkpoints (replayed, expected);

  /* The fixture holds a ready video with its chunks, a failed one, a
   * comment and a subscription: the records the typed model rewrote. */
  g_assert_nonnull (strstr (events, "video.ready"));
  g_assert_nonnull (strstr (events, "video.failed"));
  g_assert_nonnull (strstr (events, "comment."));
  g_assert_nonnull (strstr (events, "subscri"));
  g_autoptr (GHashTable) recorded = reel_test_dump_databases (expected);
  g_autofree char *kept = only_recorded (dump, recorded);
  g_autofree char *want = only_recorded (expected, recorded);
  g_assert_cmpuint (g_hash_table_size (recorded), >, 10);
  if (!g_str_equal (kept, want))
    {
      g_autofree char *dir = reel_test_tmpdir ();
      g_autofree char *a = g_build_filename (dir, "expected.dump", NULL);
      g_autofree char *b = g_build_filename (dir, "rebuilt.dump", NULL);
      const char *argv[] = { "diff", "-u", a, b, NULL };
      int status;
      g_autofree char *diff = NULL;
      g_assert_true (g_file_set_contents (a, want, -1, NULL));
      g_assert_true (g_file_set_contents (b, kept, -1, NULL));
      diff = reel_test_run (argv, &status);
      g_printerr ("the rebuild differs from the recorded version's:\n%s\n", diff);
      reel_test_rmtree (dir);
    }
  g_assert_true (g_str_equal (kept, want));
}

static void
test_rebuild_only (void)
{
  g_autofree char *events = fixture ("events.jsonl");
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestNats *nats = reel_test_replay_into (events, dir);

  /* users, videos, comments, search, ... */
  g_assert_cmpuint (reel_test_rebuild_each_alone (dir, nats->auth_url, NULL), >=, 10);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* Turns dir's read models back into those of the version before the core
 * projections were split: no per-projection checkpoints or layouts, and
 * the tables that version did not have empty. */
static void
unsplit (const char *dir)
{
  g_autofree char *lmdb = g_build_filename (dir, "lmdb", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (lmdb, &error);
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  const ReelDb added[] = { REEL_DB_CHANNEL_LISTED, REEL_DB_NOTIFY_MEMORY, REEL_DB_COMMENT_VIDEOS,
                           REEL_DB_SUBSCRIPTION_USERS };
  guint n_removed = 0;

  g_assert_no_error (error);
  txn = reel_store_begin (store, TRUE, &error);
  g_assert_no_error (error);
  keys = reel_txn_keys (txn, REEL_DB_META, NULL, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < keys->len; i++)
    {
      gsize len;
      const char *k = g_bytes_get_data (keys->pdata[i], &len);
      g_autofree char *key = g_strndup (k, len);
      gboolean projection
          = (g_str_has_prefix (key, "applied:") && reel_projection_find (key + strlen ("applied:")))
            || g_str_has_prefix (key, "layout:");
      if (!projection)
        continue;
      g_assert_true (reel_txn_del (txn, REEL_DB_META, k, len, &error));
      n_removed++;
    }
  g_assert_cmpuint (n_removed, >=, 20);
  for (guint i = 0; i < G_N_ELEMENTS (added); i++)
    g_assert_true (reel_txn_drop (txn, added[i], &error));
  g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
}

static void
test_upgrade (void)
{
  g_autofree char *events = fixture ("events.jsonl");
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestNats *nats = reel_test_replay_into (events, dir);
  g_autofree char *full = reel_test_dump_lmdb (dir);
  g_autofree char *old = NULL, *upgraded = NULL;

  unsplit (dir);
  old = reel_test_dump_lmdb (dir);
  g_assert_null (strstr (old, "layout:"));
  g_assert_nonnull (strstr (old, "applied:core"));
  /* The tables the split added hold rows after a full rebuild. */
  g_assert_cmpstr (old, !=, full);
  /* Any core projection: what matters is what happens to the others. */
  g_free (reel_test_rebuild (dir, nats->auth_url, NULL, "audit"));
  upgraded = reel_test_dump_lmdb (dir);
  g_assert_cmpstr (upgraded, ==, full);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/replay/recorded-log", test_recorded_log);
  g_test_add_func ("/replay/rebuild-only", test_rebuild_only);
  g_test_add_func ("/replay/upgrade", test_upgrade);
  return g_test_run ();
}
