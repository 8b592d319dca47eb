/* reeld: the reel service. Parses the command line and config file, starts
 * the roles (daemon/app.c), runs the GLib main loop until SIGINT/SIGTERM,
 * then shuts down cleanly. `reeld --rebuild` replays the log (and the viewer
 * actions) and exits; `--rebuild --only analytics` rebuilds one
 * projection (any core or action projection, app/projection.h and
 * app/analytics/action_projection.h). */
#include "core/config.h"
#include "core/settings.h"
#include "daemon/app.h"

#include "reel-config.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include "gstreel.h"
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

static gboolean
on_signal (gpointer data)
{
  g_message ("signal received; shutting down");
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* GLib before 2.76 hands small blocks (json-glib's nodes, hash tables,
 * list links: most of what accepting a viewer action allocates) to its
 * slice allocator, which costs more CPU than malloc here: in 9 alternating
 * pairs of bench-actions runs, malloc won 8 and tied 1, at 11 to 17 % less
 * reeld CPU per viewer action. GLib 2.76 made slices plain malloc. G_SLICE
 * is read by library constructors that allocate before main, so it takes a
 * new process image: reeld sets it and executes itself again, once (an
 * operator's own G_SLICE stands). */
static void
use_malloc_for_slices (char **argv)
{
  if (!glib_check_version (2, 76, 0) || g_getenv ("G_SLICE"))
    return;
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  execv ("/proc/self/exe", argv);
  /* Could not: run on with the slice allocator. */
}

static int
run (int argc, char **argv)
{
  g_autofree char *config_file = NULL, *data_dir = NULL, *listen = NULL, *nats_url = NULL,
                  *roles = NULL, *only = NULL;
  gboolean rebuild = FALSE, version = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Read settings from FILE", "FILE" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Keep LMDB, blobs, uploads and the embedded NATS store in DIR", "DIR" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Serve HTTP on HOST:PORT", "HOST:PORT" },
    { "nats-url", 'n', 0, G_OPTION_ARG_STRING, &nats_url,
      "Use this NATS server or cluster instead of starting one", "URL" },
    { "roles", 'r', 0, G_OPTION_ARG_STRING, &roles, "Run these roles (default: all)",
      "api,projector" },
    { "rebuild", 0, 0, G_OPTION_ARG_NONE, &rebuild,
      "Drop the read models, replay the event log and the viewer actions into them, and exit",
      NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "With --rebuild: rebuild only these projections (users, videos, comments, ..., views, "
      "analytics, related)",
      "NAME,..." },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- the reel video platform service");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  setlocale (LC_ALL, "");
  gst_init (&argc, &argv);
  /* The reel elements the pipelines use, as built with this reeld. */
  reel_gst_register ();
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("reeld: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      printf ("reeld %s\n", REEL_VERSION);
      return 0;
    }
  if (config_file && !reel_config_load_file (cfg, config_file, &error))
    {
      g_printerr ("reeld: %s\n", error->message);
      return 2;
    }
  /* The command line overrides the file: both go through reel_config_set. */
  const struct
  {
    const char *name;
    const char *value;
  } overrides[] = {
    { "reeld.data_dir", data_dir },
    { "reeld.listen", listen },
    { "nats.url", nats_url },
    { "reeld.roles", roles },
  };
  for (guint i = 0; i < G_N_ELEMENTS (overrides); i++)
    if (overrides[i].value && !reel_config_set (cfg, overrides[i].name, overrides[i].value, &error))
      {
        g_printerr ("reeld: %s\n", error->message);
        return 2;
      }

  if (only && !rebuild)
    {
      g_printerr ("reeld: --only goes with --rebuild\n");
      return 2;
    }
  if (rebuild)
    {
      guint64 n = 0, n_actions = 0;
      if (!reel_daemon_rebuild (cfg, only, &n, &n_actions, &error))
        {
          g_printerr ("reeld: rebuild failed: %s\n", error->message);
          return 1;
        }
      if (only && !n)
        printf ("reeld: rebuilt %s from %" G_GUINT64_FORMAT " viewer-action messages\n", only,
                n_actions);
      else if (only)
        printf ("reeld: rebuilt %s from %" G_GUINT64_FORMAT " events and %" G_GUINT64_FORMAT
                " viewer-action messages\n",
                only, n, n_actions);
      else
        printf ("reeld: rebuilt the read models from %" G_GUINT64_FORMAT
                " events and %" G_GUINT64_FORMAT " viewer-action messages\n",
                n, n_actions);
      return 0;
    }

  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  ReelDaemon *d = reel_daemon_start (cfg, &error);
  if (!d)
    {
      g_printerr ("reeld: %s\n", error->message);
      return 1;
    }
  if (reel_daemon_url (d))
    {
      printf ("reel is running: open %s\n", reel_daemon_url (d));
      fflush (stdout);
    }
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  reel_daemon_stop (d);
  g_message ("stopped");
  return 0;
}

int
main (int argc, char **argv)
{
  use_malloc_for_slices (argv);
  return run (argc, argv);
}
