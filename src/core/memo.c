/* See memo.h. */
#include "core/memo.h"

#include <string.h>

typedef struct
{
  GBytes *stored; /* the bytes value was derived from */
  gpointer value;
  GDestroyNotify unref;
} Entry;

static void
entry_free (gpointer p)
{
  Entry *e = p;
  g_bytes_unref (e->stored);
  if (e->unref)
    e->unref (e->value);
  g_free (e);
}

static gpointer
reader_ref (ReelMemo *memo, gpointer value)
{
  return memo->ref ? memo->ref (value) : value;
}

gpointer
reel_memo_get (ReelMemo *memo, const char *key, const void *stored, gsize len)
{
  gpointer value = NULL;
  Entry *e;
  g_mutex_lock (&memo->lock);
  e = memo->by_key ? g_hash_table_lookup (memo->by_key, key) : NULL;
  if (e && g_bytes_get_size (e->stored) == len
      && memcmp (g_bytes_get_data (e->stored, NULL), stored, len) == 0)
    value = reader_ref (memo, e->value);
  g_mutex_unlock (&memo->lock);
  return value;
}

void
reel_memo_put (ReelMemo *memo, const char *key, const void *stored, gsize len, gpointer value)
{
  Entry *e = g_new0 (Entry, 1);
  e->stored = g_bytes_new (stored, len);
  e->value = reader_ref (memo, value);
  e->unref = memo->unref;
  g_mutex_lock (&memo->lock);
  if (!memo->by_key)
    memo->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  if (g_hash_table_size (memo->by_key) >= memo->max)
    g_hash_table_remove_all (memo->by_key);
  g_hash_table_replace (memo->by_key, g_strdup (key), e);
  g_mutex_unlock (&memo->lock);
}

ReelMemo *
reel_memo_new (guint max_entries, ReelMemoRef ref, GDestroyNotify unref)
{
  ReelMemo *memo = g_new0 (ReelMemo, 1);
  g_mutex_init (&memo->lock);
  memo->max = max_entries;
  memo->ref = ref;
  memo->unref = unref;
  return memo;
}

void
reel_memo_free (ReelMemo *memo)
{
  if (!memo)
    return;
  g_clear_pointer (&memo->by_key, g_hash_table_unref);
  g_mutex_clear (&memo->lock);
  g_free (memo);
}
