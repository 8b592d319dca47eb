/* store/store: transactions, abort on scope exit, checkpoints, drop, and
 * big-endian keys that sort numerically; store/watermark: waiting for the
 * read models to reach a sequence. */
#include "store/store.h"
#include "store/watermark.h"

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

/* The store's version: every committed write moves it, whichever table;
 * reads, aborted writes and other tables' reads do not. */
static void
test_version (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (dir, &error);
  guint64 v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  g_assert_no_error (error);

  g_assert_true (reel_store_version (store, &v0, &error));
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_put (txn, REEL_DB_VIDEOS, "v", 1, "one", 3, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  g_assert_true (reel_store_version (store, &v1, &error));
  g_assert_cmpuint (v1, >, v0);
  {
    /* A read, and a write never committed: the same version. */
    g_autoptr (ReelTxn) read = reel_store_begin (store, FALSE, &error);
    g_autoptr (ReelTxn) write = NULL;
    g_assert_true (reel_txn_get (read, REEL_DB_VIDEOS, "v", 1, NULL, NULL, &error));
    g_clear_pointer (&read, reel_txn_abort);
    write = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_put (write, REEL_DB_VIDEOS, "v", 1, "two", 3, &error));
  }
  g_assert_true (reel_store_version (store, &v2, &error));
  g_assert_cmpuint (v2, ==, v1);
  {
    /* Another table's write moves it too: one version for the store. */
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_put (txn, REEL_DB_COUNTERS, "c", 1, "x", 1, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  g_assert_true (reel_store_version (store, &v3, &error));
  g_assert_cmpuint (v3, >, v2);
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

/* An owner's list keys: the owner's own prefix (a longer name is never
 * inside it), then time order, then id order at the same time. */
static void
test_time_id_keys (void)
{
  g_autoptr (GBytes) early = reel_store_key_owner_time_id ("al", 255, "BBBBBBBBBBB");
  g_autoptr (GBytes) late = reel_store_key_owner_time_id ("al", 256, "AAAAAAAAAAA");
  g_autoptr (GBytes) tie = reel_store_key_owner_time_id ("al", 256, "AAAAAAAAAAB");
  g_autoptr (GBytes) other = reel_store_key_owner_time_id ("alice", 1, "AAAAAAAAAAA");
  g_autoptr (GByteArray) part = g_byte_array_new ();
  const guint8 *k = g_bytes_get_data (late, NULL);

  g_assert_cmpuint (g_bytes_get_size (late), ==, 3 + REEL_STORE_TIME_ID_LEN);
  g_assert_cmpmem (k, 3, "al", 3);
  g_assert_cmpuint (reel_store_read_u64 (k + 3), ==, 256);
  g_assert_cmpmem (k + 11, REEL_ID_LEN, "AAAAAAAAAAA", REEL_ID_LEN);
  g_assert_cmpint (g_bytes_compare (early, late), <, 0);
  g_assert_cmpint (g_bytes_compare (late, tie), <, 0);
  g_assert_cmpint (g_bytes_compare (tie, other), <, 0);
  g_assert_false (g_bytes_get_size (other) >= 3
                  && memcmp (g_bytes_get_data (other, NULL), "al", 3) == 0);

  /* The part alone, after whatever comes before it. */
  g_byte_array_append (part, (const guint8 *)"x", 1);
  reel_store_key_append_time_id (part, 256, "AAAAAAAAAAA");
  g_assert_cmpmem (part->data + 1, part->len - 1, k + 3, REEL_STORE_TIME_ID_LEN);
}

static gboolean
collect (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  g_string_append_printf (data, "%.*s,", (int)key_len, (const char *)key);
  return TRUE;
}

static gboolean
collect_two (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  g_string_append_printf (data, "%.*s,", (int)key_len, (const char *)key);
  return ((GString *)data)->len < 6;
}

/* Scans a prefix forwards and backwards, from the edges and after a key. */
static char *
scan (ReelTxn *txn, const char *prefix, const char *after, gboolean reverse)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (reel_txn_scan (txn, REEL_DB_USERS, prefix, strlen (prefix), after,
                                after ? strlen (after) : 0, reverse, collect, out, &error));
  g_assert_no_error (error);
  return g_string_free (out, FALSE);
}

static void
test_scan (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (dir, &error);
  const char *keys[] = { "a", "b1", "b2", "b3", "b\xff", "c", "\xff\xff" };
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      g_assert_true (reel_txn_put (txn, REEL_DB_USERS, keys[i], strlen (keys[i]), "", 0, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
  struct
  {
    const char *prefix, *after;
    gboolean reverse;
    const char *expect;
  } cases[] = {
    { "b", NULL, FALSE, "b1,b2,b3,b\xff," },
    { "b", NULL, TRUE, "b\xff,b3,b2,b1," },
    { "b", "b1", FALSE, "b2,b3,b\xff," },
    { "b", "b3", TRUE, "b2,b1," },
    /* The cursor key need not exist: between b2 and b3. */
    { "b", "b25", FALSE, "b3,b\xff," },
    { "b", "b25", TRUE, "b2,b1," },
    { "b", "b\xff", FALSE, "" },
    { "b", "b1", TRUE, "" },
    { "", NULL, FALSE, "a,b1,b2,b3,b\xff,c,\xff\xff," },
    { "", NULL, TRUE, "\xff\xff,c,b\xff,b3,b2,b1,a," },
    /* A prefix of 0xff bytes has no successor: backwards starts at the end. */
    { "\xff", NULL, TRUE, "\xff\xff," },
    { "z", NULL, FALSE, "" },
    { "z", NULL, TRUE, "" },
    { "c", "c", TRUE, "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = scan (txn, cases[i].prefix, cases[i].after, cases[i].reverse);
      g_assert_cmpstr (got, ==, cases[i].expect);
    }
  /* The callback stops the walk. */
  {
    g_autoptr (GString) out = g_string_new (NULL);
    g_assert_true (
        reel_txn_scan (txn, REEL_DB_USERS, "b", 1, NULL, 0, FALSE, collect_two, out, &error));
    g_assert_cmpstr (out->str, ==, "b1,b2,");
  }
  g_clear_pointer (&txn, reel_txn_abort);
  g_clear_pointer (&store, reel_store_close);
  rmtree (dir);
}

/* Counters add up, subtract, vanish at 0; dropping one projection leaves
 * the others and their checkpoints. */
static void
test_counters_drop (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (dir, &error);
  const ReelDb views[] = { REEL_DB_VIEW_COUNTS, REEL_DB_VIEW_WATCH };
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_txn_put (txn, REEL_DB_USERS, "a1", 2, "v", 1, &error));
    g_assert_cmpuint (reel_txn_get_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1), ==, 0);
    g_assert_true (reel_txn_add_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1, 2, &error));
    g_assert_true (reel_txn_add_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1, 40, &error));
    g_assert_cmpuint (reel_txn_get_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1), ==, 42);
    g_assert_true (reel_txn_add_u64 (txn, REEL_DB_VIEW_COUNTS, "y", 1, 3, &error));
    g_assert_true (reel_txn_add_u64 (txn, REEL_DB_VIEW_COUNTS, "y", 1, -5, &error));
    /* Clamped at 0, and gone rather than stored as 0. */
    g_assert_false (reel_txn_get (txn, REEL_DB_VIEW_COUNTS, "y", 1, NULL, NULL, &error));
    g_assert_true (reel_txn_put (txn, REEL_DB_VIEW_WATCH, "w", 1, "state", 5, &error));
    g_assert_true (reel_txn_set_applied (txn, "views", 9, &error));
    g_assert_true (reel_txn_set_applied (txn, "core", 3, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  g_assert_true (reel_store_drop_projection (store, "views", views, 2, &error));
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    g_assert_cmpuint (reel_txn_get_u64 (txn, REEL_DB_VIEW_COUNTS, "x", 1), ==, 0);
    g_assert_false (reel_txn_get (txn, REEL_DB_VIEW_WATCH, "w", 1, NULL, NULL, &error));
    g_assert_cmpuint (reel_txn_get_applied (txn, "views"), ==, 0);
    g_assert_cmpuint (reel_txn_get_applied (txn, "core"), ==, 3);
    g_assert_true (reel_txn_get (txn, REEL_DB_USERS, "a1", 2, NULL, NULL, &error));
  }
  g_assert_no_error (error);
  rmtree (dir);
}

typedef struct
{
  guint calls;
  gboolean reached;
} WaitResult;

static void
wait_done (gboolean reached, gpointer data)
{
  WaitResult *r = data;
  r->calls++;
  r->reached = reached;
}

static gpointer
raise_from_thread (gpointer data)
{
  reel_watermark_raise (data, 7);
  return NULL;
}

/* A waiter is answered on the main context once its sequence is reached,
 * raised from another thread (the projector's feed); a watermark never goes
 * down; a sequence already reached is answered at once. */
static void
test_watermark_wait (void)
{
  g_autoptr (ReelWatermark) w = reel_watermark_new (3);
  WaitResult early = { 0 }, now = { 0 };
  GThread *t;

  reel_watermark_wait (w, 5, 60000, wait_done, &early);
  reel_watermark_wait (w, 3, 60000, wait_done, &now);
  g_assert_cmpuint (now.calls, ==, 1);
  g_assert_true (now.reached);
  g_assert_cmpuint (early.calls, ==, 0);
  t = g_thread_new ("raise", raise_from_thread, w);
  g_thread_join (t);
  g_assert_cmpuint (early.calls, ==, 0); /* not before the main context runs */
  while (!early.calls)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (early.reached);
  reel_watermark_raise (w, 4);
  g_assert_cmpuint (reel_watermark_reached (w), ==, 7);
  g_assert_true (reel_watermark_wait_sync (w, 7, 10));
}

/* A waiter gives up after its timeout, and closing answers the rest. */
static void
test_watermark_timeout_close (void)
{
  g_autoptr (ReelWatermark) w = reel_watermark_new (0);
  WaitResult slow = { 0 }, closed = { 0 };

  reel_watermark_wait (w, 1, 20, wait_done, &slow);
  reel_watermark_wait (w, 2, 60000, wait_done, &closed);
  while (!slow.calls)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (slow.reached);
  g_assert_cmpuint (closed.calls, ==, 0);
  g_assert_false (reel_watermark_wait_sync (w, 2, 30));
  reel_watermark_close (w);
  g_assert_cmpuint (closed.calls, ==, 1);
  g_assert_false (closed.reached);
}

static gpointer
raise_later (gpointer data)
{
  g_usleep (50 * 1000);
  reel_watermark_raise (data, 9);
  return NULL;
}

/* reel_watermark_block() wakes on a raise from another thread without the
 * main context running, answers at once what is reached, and gives up
 * after its timeout. */
static void
test_watermark_block (void)
{
  g_autoptr (ReelWatermark) w = reel_watermark_new (5);
  GThread *t;

  g_assert_true (reel_watermark_block (w, 5, 0));
  g_assert_false (reel_watermark_block (w, 6, 20));
  t = g_thread_new ("raise", raise_later, w);
  g_assert_true (reel_watermark_block (w, 9, 60000));
  g_assert_cmpuint (reel_watermark_reached (w), ==, 9);
  g_thread_join (t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/put-get", test_put_get);
  g_test_add_func ("/store/version", test_version);
  g_test_add_func ("/store/drop-and-reopen", test_drop_and_reopen);
  g_test_add_func ("/store/u64-keys", test_u64_keys);
  g_test_add_func ("/store/time-id-keys", test_time_id_keys);
  g_test_add_func ("/store/scan", test_scan);
  g_test_add_func ("/store/counters-drop", test_counters_drop);
  g_test_add_func ("/store/watermark-wait", test_watermark_wait);
  g_test_add_func ("/store/watermark-timeout-close", test_watermark_timeout_close);
  g_test_add_func ("/store/watermark-block", test_watermark_block);
  return g_test_run ();
}
