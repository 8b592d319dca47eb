/* `reel upload`: a tus 1.0.0 client that survives what phones and hotel
 * Wi-Fi do to a long upload.
 *
 * The file goes up in PATCH requests of chunk_size bytes read from disk
 * (never the whole file in memory). A request that fails for the network's
 * sake is retried with a growing pause, re-asking the server for its offset
 * (HEAD) first, so nothing is sent twice or skipped. Where the upload lives
 * on the server is remembered in $XDG_STATE_HOME/reel/uploads.ini, keyed by
 * the server and the file's absolute path, size and modification time, so
 * running the same command again after an interruption (Ctrl-C, a crash, a
 * reboot) resumes where the server stopped instead of starting over. */
#pragma once

#include "cli/client.h"

G_BEGIN_DECLS

typedef struct
{
  const char *path;
  const char *title;       /* NULL: the server names it after the file */
  const char *description; /* optional */
  const char *privacy;     /* public, unlisted, private; NULL: the server's default */
  guint64 chunk_size;      /* bytes per PATCH */
  gboolean progress;       /* draw a progress bar on stderr */
} ReelTusOptions;

/* Uploads the file (or resumes its upload); returns the new video's id. */
char *reel_tus_upload (ReelClient *c, const ReelTusOptions *o, GError **error);

G_END_DECLS
