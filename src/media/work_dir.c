/* See work_dir.h. */
#include "media/work_dir.h"
#include "core/error.h"

#include <errno.h>
#include <glib/gstdio.h>

char *
reel_work_dir_new (const char *parent, const char *prefix, GError **error)
{
  g_autofree char *name = g_strdup_printf ("%s-XXXXXX", prefix);
  g_autofree char *tmpl = g_build_filename (parent, name, NULL);
  if (g_mkdir_with_parents (parent, 0700) != 0 || !g_mkdtemp (tmpl))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot make a work directory in %s: %s",
                   parent, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&tmpl);
}

void
reel_work_dir_remove (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}
