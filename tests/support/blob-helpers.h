/* Helpers for the blob store's tests (unit and integration): generated
 * content, ranged reads into memory, and comparing a slice. */
#pragma once

#include "store/blobs.h"

#include <gio/gio.h>

/* n bytes that differ with seed and do not repeat at any small period. */
static inline GBytes *
blob_pattern (gsize n, guint seed)
{
  guint8 *p = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)((i * 31 + seed) ^ (i >> 9));
  return g_bytes_new_take (p, n);
}

/* reel_blobs_read of [offset, offset + length) (length 0: to the end) into memory. */
static inline GBytes *
blob_read_range (ReelBlobs *blobs, const char *key, guint64 offset, guint64 length, GError **error)
{
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  if (!reel_blobs_read (blobs, key, offset, length, mem, NULL, error))
    return NULL;
  g_assert_true (g_output_stream_close (mem, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

/* Asserts that got is exactly all[offset, offset + length). */
static inline void
blob_assert_slice (GBytes *got, GBytes *all, gsize offset, gsize length)
{
  g_autoptr (GBytes) want = g_bytes_new_from_bytes (all, offset, length);
  g_assert_nonnull (got);
  g_assert_cmpuint (g_bytes_get_size (got), ==, length);
  g_assert_true (g_bytes_equal (got, want));
}
