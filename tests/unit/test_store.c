/* store/store: transactions, abort on scope exit, checkpoints, drop, and
 * big-endian keys that sort numerically. */
#include "store/store.h"

#include "harness-free-tmp.h"

static void
test_put_get (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (dir, &error);
  const void *v;
  gsize len;
  g_assert_no_error (error);

  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_put (txn, REEL_DB_USERS, "a", 1, "one", 3, &error));
    g_assert_true (reel_txn_set_applied (txn, "core", 42, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  {
    /* Not committed: aborted when it goes out of scope. */
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_put (txn, REEL_DB_USERS, "b", 1, "two", 3, &error));
    g_assert_true (reel_txn_set_applied (txn, "core", 43, &error));
  }
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    g_assert_true (reel_txn_get (txn, REEL_DB_USERS, "a", 1, &v, &len, &error));
    g_assert_cmpmem (v, len, "one", 3);
    g_assert_false (reel_txn_get (txn, REEL_DB_USERS, "b", 1, &v, &len, &error));
    g_assert_no_error (error);
    /* Tables are separate. */
    g_assert_false (reel_txn_get (txn, REEL_DB_SESSIONS, "a", 1, &v, &len, &error));
    g_assert_cmpuint (reel_txn_get_applied (txn, "core"), ==, 42);
    g_assert_cmpuint (reel_txn_get_applied (txn, "other"), ==, 0);
  }
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_del (txn, REEL_DB_USERS, "a", 1, &error));
    g_assert_true (reel_txn_del (txn, REEL_DB_USERS, "zz", 2, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    g_assert_false (reel_txn_get (txn, REEL_DB_USERS, "a", 1, NULL, NULL, &error));
  }
  g_clear_pointer (&store, reel_store_close);
  rmtree (dir);
}

static void
test_drop_and_reopen (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  ReelStore *store = reel_store_open (dir, &error);
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_put (txn, REEL_DB_SESSIONS, "k", 1, "v", 1, &error));
    g_assert_true (reel_txn_set_applied (txn, "core", 7, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  reel_store_close (store);
  store = reel_store_open (dir, &error);
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    /* Durable across close/open. */
    g_assert_cmpuint (reel_txn_get_applied (txn, "core"), ==, 7);
  }
  g_assert_true (reel_store_drop_all (store, &error));
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    g_assert_cmpuint (reel_txn_get_applied (txn, "core"), ==, 0);
    g_assert_false (reel_txn_get (txn, REEL_DB_SESSIONS, "k", 1, NULL, NULL, &error));
  }
  g_assert_true (reel_store_check (store, &error));
  reel_store_close (store);
  rmtree (dir);
}

static void
test_u64_keys (void)
{
  guint8 a[8], b[8];
  reel_store_key_u64 (a, 255);
  reel_store_key_u64 (b, 256);
  g_assert_cmpint (memcmp (a, b, 8), <, 0);
  g_assert_cmpuint (reel_store_read_u64 (b), ==, 256);
  reel_store_key_u64 (a, G_MAXUINT64);
  g_assert_cmpuint (reel_store_read_u64 (a), ==, G_MAXUINT64);
}

static gboolean
collect_keys (const void *key, gsize key_len, const void *value, gsize value_len, gpointer data)
{
  g_string_append_printf (data, "%.*s=%.*s;", (int)key_len, (const char *)key, (int)value_len,
                          (const char *)value);
  return !(key_len == 2 && memcmp (key, "b2", 2) == 0);
}

static void
test_scan_counters_drop (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (dir, &error);
  g_autoptr (GString) seen = g_string_new (NULL);
  const ReelDb counters[] = { REEL_DB_VIEW_COUNTS, REEL_DB_VIEW_WATCH };
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    const char *keys[] = { "a1", "b1", "b2", "b3", "c1" };
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      g_assert_true (reel_txn_put (txn, REEL_DB_USERS, keys[i], 2, "v", 1, &error));
    /* Counters start at 0 and add up. */
    g_assert_cmpuint (reel_txn_get_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1), ==, 0);
    g_assert_true (reel_txn_add_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1, 2, &error));
    g_assert_true (reel_txn_add_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1, 40, &error));
    g_assert_true (reel_txn_put (txn, REEL_DB_VIEW_WATCH, "w", 1, "state", 5, &error));
    g_assert_true (reel_txn_set_applied (txn, "views", 9, &error));
    g_assert_true (reel_txn_set_applied (txn, "core", 3, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    g_assert_cmpuint (reel_txn_get_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1), ==, 42);
    /* A prefix scan walks its keys in order and stops when asked. */
    g_assert_true (reel_txn_scan (txn, REEL_DB_USERS, "b", 1, collect_keys, seen, &error));
    g_assert_cmpstr (seen->str, ==, "b1=v;b2=v;");
    g_string_truncate (seen, 0);
    g_assert_true (reel_txn_scan (txn, REEL_DB_USERS, "c", 1, collect_keys, seen, &error));
    g_assert_cmpstr (seen->str, ==, "c1=v;");
    g_string_truncate (seen, 0);
    g_assert_true (reel_txn_scan (txn, REEL_DB_USERS, "d", 1, collect_keys, seen, &error));
    g_assert_cmpstr (seen->str, ==, "");
    g_assert_true (reel_txn_scan (txn, REEL_DB_USERS, NULL, 0, collect_keys, seen, &error));
    g_assert_cmpstr (seen->str, ==, "a1=v;b1=v;b2=v;");
  }
  /* Dropping one projection leaves the others and their checkpoints. */
  g_assert_true (reel_store_drop_projection (store, "views", counters, 2, &error));
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    g_assert_cmpuint (reel_txn_get_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1), ==, 0);
    g_assert_false (reel_txn_get (txn, REEL_DB_VIEW_WATCH, "w", 1, NULL, NULL, &error));
    g_assert_cmpuint (reel_txn_get_applied (txn, "views"), ==, 0);
    g_assert_cmpuint (reel_txn_get_applied (txn, "core"), ==, 3);
    g_assert_true (reel_txn_get (txn, REEL_DB_USERS, "a1", 2, NULL, NULL, &error));
  }
  g_assert_no_error (error);
  g_clear_pointer (&store, reel_store_close);
  rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/put-get", test_put_get);
  g_test_add_func ("/store/drop-and-reopen", test_drop_and_reopen);
  g_test_add_func ("/store/u64-keys", test_u64_keys);
  g_test_add_func ("/store/scan-counters-drop", test_scan_counters_drop);
  return g_test_run ();
}
