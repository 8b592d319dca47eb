/* reel: the command-line client. Subcommands:
 *   reel rebuild [--data-dir DIR] [--nats-url URL] [--only NAMES]
 *                                     replay the log and viewer actions into LMDB
 * (upload, status and pipeline arrive with the media features). */
#include "core/config.h"
#include "daemon/app.h"

#include <locale.h>
#include <stdio.h>

static int
cmd_rebuild (int argc, char **argv)
{
  g_autofree char *data_dir = NULL, *nats_url = NULL, *config_file = NULL, *only = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "reeld's config file", "FILE" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "reeld's data directory", "DIR" },
    { "nats-url", 'n', 0, G_OPTION_ARG_STRING, &nats_url, "NATS server or cluster", "URL" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Rebuild only these projections of the viewer actions", "views,analytics,related" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- drop the read models and replay the event log (reeld stopped)");
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  guint64 n = 0, n_actions = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)
      || (config_file && !reel_config_load_file (cfg, config_file, &error))
      || (data_dir && !reel_config_set (cfg, "reeld.data_dir", data_dir, &error))
      || (nats_url && !reel_config_set (cfg, "nats.url", nats_url, &error)))
    {
      g_printerr ("reel rebuild: %s\n", error->message);
      return 2;
    }
  if (!reel_daemon_rebuild (cfg, only, &n, &n_actions, &error))
    {
      g_printerr ("reel rebuild: %s\n", error->message);
      return 1;
    }
  printf ("rebuilt %s from %" G_GUINT64_FORMAT " events and %" G_GUINT64_FORMAT " viewer actions\n",
          only ? only : "the read models", n, n_actions);
  return 0;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc >= 2 && g_str_equal (argv[1], "rebuild"))
    return cmd_rebuild (argc - 1, argv + 1);
  g_printerr ("usage: reel rebuild [--data-dir DIR] [--nats-url URL] [--only NAMES]\n");
  return 2;
}
