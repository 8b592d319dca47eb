/* Temporary directories for unit tests that need a real LMDB environment. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

static inline char *
tmpdir (void)
{
  char *dir = g_dir_make_tmp ("reel-unit-XXXXXX", NULL);
  g_assert_nonnull (dir);
  return dir;
}

static inline void
rmtree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_rmdir (dir);
}
