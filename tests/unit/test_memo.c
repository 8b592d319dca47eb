/* core/memo: values kept for the very bytes they were derived from. */
#include "core/memo.h"

#include <string.h>

/* A counted value: refs says how many hold it. */
typedef struct
{
  int refs;
} Counted;

static gpointer
counted_ref (gpointer value)
{
  ((Counted *)value)->refs++;
  return value;
}

static void
counted_unref (gpointer value)
{
  ((Counted *)value)->refs--;
}

static void
test_same_bytes_only (void)
{
  ReelMemo memo = REEL_MEMO_INIT (8, counted_ref, counted_unref);
  Counted a = { 1 };
  const char *v1 = "{\"title\":\"one\"}", *v2 = "{\"title\":\"two\"}";

  g_assert_null (reel_memo_get (&memo, "x", v1, strlen (v1)));
  reel_memo_put (&memo, "x", v1, strlen (v1), &a);
  g_assert_cmpint (a.refs, ==, 2); /* the caller's and the memo's */
  g_assert_true (reel_memo_get (&memo, "x", v1, strlen (v1)) == &a);
  g_assert_cmpint (a.refs, ==, 3); /* and the reader's */
  counted_unref (&a);
  /* Another record, or another version of it, or a prefix: a miss. */
  g_assert_null (reel_memo_get (&memo, "y", v1, strlen (v1)));
  g_assert_null (reel_memo_get (&memo, "x", v2, strlen (v2)));
  g_assert_null (reel_memo_get (&memo, "x", v1, strlen (v1) - 1));
  /* A new version takes the old one's place, and the old value is let go. */
  {
    Counted b = { 1 };
    reel_memo_put (&memo, "x", v2, strlen (v2), &b);
    g_assert_cmpint (a.refs, ==, 1);
    g_assert_null (reel_memo_get (&memo, "x", v1, strlen (v1)));
    g_assert_true (reel_memo_get (&memo, "x", v2, strlen (v2)) == &b);
    g_hash_table_unref (memo.by_key);
    g_assert_cmpint (b.refs, ==, 2); /* the test's and the reader's */
  }
}

static void
test_bounded (void)
{
  ReelMemo memo = REEL_MEMO_INIT (4, NULL, NULL);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      reel_memo_put (&memo, key, "v", 1, GUINT_TO_POINTER (i + 1));
    }
  g_assert_true (reel_memo_get (&memo, "k0", "v", 1) == GUINT_TO_POINTER (1));
  g_assert_cmpuint (g_hash_table_size (memo.by_key), ==, 4);
  /* Past the bound it starts again, with the newest. */
  reel_memo_put (&memo, "k4", "v", 1, GUINT_TO_POINTER (5));
  g_assert_cmpuint (g_hash_table_size (memo.by_key), ==, 1);
  g_assert_null (reel_memo_get (&memo, "k0", "v", 1));
  g_assert_true (reel_memo_get (&memo, "k4", "v", 1) == GUINT_TO_POINTER (5));
  g_hash_table_unref (memo.by_key);
}

/* Readers on several threads at once, the writer among them: each gets a
 * reference to the one value of the bytes it read. */
typedef struct
{
  ReelMemo *memo;
  Counted *value;
  gint wrong;
} Shared;

static gpointer
reader (gpointer data)
{
  Shared *s = data;
  for (guint i = 0; i < 20000; i++)
    {
      Counted *c = reel_memo_get (s->memo, "x", "v", 1);
      if (!c)
        reel_memo_put (s->memo, "x", "v", 1, s->value);
      else if (c != s->value)
        g_atomic_int_inc (&s->wrong);
    }
  return NULL;
}

static gpointer
atomic_ref (gpointer value)
{
  g_atomic_int_inc (&((Counted *)value)->refs);
  return value;
}

static void
atomic_unref (gpointer value)
{
  g_atomic_int_add (&((Counted *)value)->refs, -1);
}

static void
test_threads (void)
{
  ReelMemo memo = REEL_MEMO_INIT (8, atomic_ref, atomic_unref);
  Counted value = { 0 };
  Shared s = { &memo, &value, 0 };
  GThread *t[4];
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    t[i] = g_thread_new ("reader", reader, &s);
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    g_thread_join (t[i]);
  g_assert_cmpint (s.wrong, ==, 0);
  g_hash_table_unref (memo.by_key);
  /* What is left is the readers' references, one per hit. */
  g_assert_cmpint (value.refs, >, 0);
  g_mutex_clear (&memo.lock);
}

/* A memo of its own lets go of every value it kept when it ends. */
static void
test_new_free (void)
{
  ReelMemo *memo = reel_memo_new (8, counted_ref, counted_unref);
  Counted a = { 1 }, b = { 1 };
  reel_memo_put (memo, "a", "1", 1, &a);
  reel_memo_put (memo, "b", "1", 1, &b);
  g_assert_cmpint (a.refs, ==, 2);
  g_assert_cmpint (b.refs, ==, 2);
  reel_memo_free (memo);
  g_assert_cmpint (a.refs, ==, 1);
  g_assert_cmpint (b.refs, ==, 1);
  reel_memo_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memo/same-bytes-only", test_same_bytes_only);
  g_test_add_func ("/memo/bounded", test_bounded);
  g_test_add_func ("/memo/threads", test_threads);
  g_test_add_func ("/memo/new-free", test_new_free);
  return g_test_run ();
}
