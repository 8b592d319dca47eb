/* reel: the command-line client. Subcommands:
 *   reel login USERNAME          log in; the token is kept for later commands
 *   reel upload FILE [--title T] resumable upload (tus) with a progress bar
 *   reel status ID               a video's state and where to watch it
 *   reel privacy ID LEVEL        public, unlisted or private (the owner)
 *   reel admin ACTION ARGS...    moderation and administration (cli/admin.h)
 *   reel checks ID               a video's checks before publishing (owner)
 *   reel works add FILE --title T [--rights-holder R]
 *                                register a protected work (admins)
 *   reel pipeline NAME --video ID [--chunk N]
 *                                the exact gst-launch line a worker runs
 *   reel rebuild [--only NAMES]  replay the event log and viewer actions into fresh
 *                                read models (or only some action projections)
 * login, upload, status, privacy and admin speak the HTTP API (cli/client.c); pipeline and
 * rebuild work on a node's data directory: pipeline reads the video's plan
 * there itself, rebuild runs reeld --rebuild (the client carries no server). */
#include "cli/admin.h"
#include "cli/client.h"
#include "cli/tus.h"
#include "core/config.h"
#include "core/settings.h"
#include "core/error.h"
#include "media/ingest.h"
#include "media/job_line.h"
#include "app/video/videos.h"
#include "store/blob_cache.h"
#include "store/blob_keys.h"
#include "store/blobs.h"
#include "store/store.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

/* 8 MiB per PATCH: a lost request costs seconds, not minutes, on a slow
 * uplink, and a fast one is not slowed by round trips. */
#define DEFAULT_CHUNK_MIB 8

static int
fail (const char *cmd, const GError *error)
{
  g_printerr ("reel %s: %s\n", cmd, error->message);
  return error->domain == G_OPTION_ERROR ? 2 : 1;
}

/* Sends method path (body may be NULL) as command cmd and gives the
 * answer's object when its status is want; otherwise says why on stderr
 * (reel CMD: ...) and returns NULL with *code the exit code. */
static JsonObject *
call (ReelClient *c, const char *cmd, const char *method, const char *path, JsonObject *body,
      guint want, JsonNode **answer, int *code)
{
  g_autoptr (GError) error = NULL;
  guint status = reel_client_json (c, method, path, body, answer, &error);
  if (!status)
    {
      *code = fail (cmd, error);
      return NULL;
    }
  if (status != want || !*answer || !JSON_NODE_HOLDS_OBJECT (*answer))
    {
      g_autofree char *m = reel_client_error_message (status, *answer);
      g_printerr ("reel %s: %s\n", cmd, m);
      *code = 1;
      return NULL;
    }
  return json_node_get_object (*answer);
}

static gboolean
parse (GOptionContext *ctx, int *argc, char ***argv, GError **error)
{
  g_option_context_set_help_enabled (ctx, TRUE);
  return g_option_context_parse (ctx, argc, argv, error);
}

/* Reads a line from the terminal without echo (or from stdin when it is
 * not a terminal, for scripts). */
static char *
read_password (void)
{
  struct termios old, quiet;
  gboolean tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &old) == 0;
  char line[1024];
  char *out = NULL;
  if (tty)
    {
      fprintf (stderr, "password: ");
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  if (fgets (line, sizeof line, stdin))
    out = g_strdup (g_strchomp (line));
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
      fprintf (stderr, "\n");
    }
  memset (line, 0, sizeof line);
  return out;
}

static int
cmd_login (int argc, char **argv)
{
  g_autofree char *server = NULL;
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "reel server (default: the saved one)",
      "URL" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("USERNAME - log in to a reel server");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelClient) c = NULL;
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonNode) answer = NULL;
  g_autofree char *password = NULL;
  JsonObject *session;
  int code;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error))
    return fail ("login", error);
  if (argc != 2)
    {
      g_printerr ("usage: reel login [--server URL] USERNAME (password on the terminal, or "
                  "REEL_PASSWORD)\n");
      return 2;
    }
  c = reel_client_new (server, NULL);
  password = g_strdup (g_getenv ("REEL_PASSWORD"));
  if (!password)
    password = read_password ();
  if (!password)
    {
      g_printerr ("reel login: no password given\n");
      return 2;
    }
  json_object_set_string_member (body, "username", argv[1]);
  json_object_set_string_member (body, "password", password);
  if (!(session
        = call (c, "login", "POST", "/api/v1/sessions", body, SOUP_STATUS_CREATED, &answer, &code)))
    return code;
  g_free (c->token);
  c->token = g_strdup (json_object_get_string_member_with_default (session, "token", ""));
  if (!reel_client_save (c, &error))
    return fail ("login", error);
  printf ("logged in to %s as %s\n", c->server, argv[1]);
  return 0;
}

static int
cmd_upload (int argc, char **argv)
{
  g_autofree char *server = NULL, *token = NULL, *title = NULL, *description = NULL;
  g_autofree char *privacy = NULL;
  gint chunk_mib = DEFAULT_CHUNK_MIB;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "title", 't', 0, G_OPTION_ARG_STRING, &title, "Title (default: the file's name)", "T" },
    { "description", 'D', 0, G_OPTION_ARG_STRING, &description, "Description", "TEXT" },
    { "privacy", 'p', 0, G_OPTION_ARG_STRING, &privacy, "public (default), unlisted or private",
      "LEVEL" },
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "reel server", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "Bearer token (default: from reel login)",
      "TOKEN" },
    { "chunk-size", 0, 0, G_OPTION_ARG_INT, &chunk_mib,
      "MiB per request (smaller on very flaky links)", "MIB" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress bar", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("FILE - upload a video (resumes an interrupted upload)");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelClient) c = NULL;
  g_autofree char *id = NULL;
  ReelTusOptions o = { 0 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error))
    return fail ("upload", error);
  if (argc != 2 || chunk_mib < 1 || chunk_mib > 1024)
    {
      g_printerr ("usage: reel upload FILE [--title T] [--description TEXT] [--privacy LEVEL] "
                  "[--chunk-size 1..1024]\n");
      return 2;
    }
  c = reel_client_new (server, token);
  if (!c->token)
    {
      g_printerr ("reel upload: not logged in to %s (run reel login USERNAME)\n", c->server);
      return 1;
    }
  o.path = argv[1];
  o.title = title;
  o.description = description;
  o.privacy = privacy;
  o.chunk_size = (guint64)chunk_mib << 20;
  o.progress = !quiet && isatty (STDERR_FILENO);
  id = reel_tus_upload (c, &o, &error);
  if (!id)
    return fail ("upload", error);
  printf ("%s\n", id);
  g_printerr ("uploaded; processing: reel status %s\n", id);
  return 0;
}

static int
cmd_status (int argc, char **argv)
{
  g_autofree char *server = NULL, *path = NULL;
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "reel server", "URL" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("ID - show a video's state");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelClient) c = NULL;
  g_autoptr (JsonNode) answer = NULL;
  JsonObject *v, *progress;
  int code;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error))
    return fail ("status", error);
  if (argc != 2)
    {
      g_printerr ("usage: reel status ID\n");
      return 2;
    }
  c = reel_client_new (server, NULL);
  path = g_strdup_printf ("/api/v1/videos/%s", argv[1]);
  if (!(v = call (c, "status", "GET", path, NULL, SOUP_STATUS_OK, &answer, &code)))
    return code;
  progress = json_object_get_object_member (v, "progress");
  printf ("video:    %s\n", json_object_get_string_member_with_default (v, "id", ""));
  printf ("title:    %s\n", json_object_get_string_member_with_default (v, "title", ""));
  printf ("state:    %s\n", json_object_get_string_member_with_default (v, "state", ""));
  if (progress)
    printf ("chunks:   %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " done\n",
            json_object_get_int_member_with_default (progress, "chunks_done", 0),
            json_object_get_int_member_with_default (progress, "chunks_total", 0));
  if (json_object_has_member (v, "duration"))
    printf ("duration: %.3f s, %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "\n",
            json_object_get_double_member (v, "duration"),
            json_object_get_int_member_with_default (v, "width", 0),
            json_object_get_int_member_with_default (v, "height", 0));
  if (json_object_has_member (v, "error"))
    printf ("error:    %s\n", json_object_get_string_member (v, "error"));
  if (json_object_has_member (v, "hls"))
    {
      printf ("hls:      %s%s\n", c->server, json_object_get_string_member (v, "hls"));
      printf ("dash:     %s%s\n", c->server, json_object_get_string_member (v, "dash"));
      printf ("watch:    %s/watch/%s\n", c->server, json_object_get_string_member (v, "id"));
    }
  return 0;
}

/* What GET /api/v1/admin/videos/{id}/retranscode answered, a line each
 * for the set served, the one it replaced while that still plays, the one
 * being made and the last that failed. */
static int
print_retranscode_state (ReelClient *c, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
  g_autoptr (JsonNode) answer = NULL;
  JsonObject *o, *next, *given_up, *retired;
  int code;
  if (!(o = call (c, "retranscode", "GET", path, NULL, SOUP_STATUS_OK, &answer, &code)))
    return code;
  printf ("%s: serving rendition set %" G_GINT64_FORMAT "\n", id,
          json_object_get_int_member_with_default (o, "set", 0));
  retired
      = json_object_has_member (o, "retired") ? json_object_get_object_member (o, "retired") : NULL;
  if (retired)
    printf ("%s: rendition set %" G_GINT64_FORMAT
            " still plays for viewers who started before the switch, until %s\n",
            id, json_object_get_int_member_with_default (retired, "set", 0),
            json_object_get_string_member_with_default (retired, "until", "?"));
  next = json_object_has_member (o, "next") ? json_object_get_object_member (o, "next") : NULL;
  if (next)
    printf ("%s: rendition set %" G_GINT64_FORMAT " being made, %" G_GINT64_FORMAT
            " of %" G_GINT64_FORMAT " chunks done\n",
            id, json_object_get_int_member_with_default (next, "set", 0),
            json_object_get_int_member_with_default (next, "chunks_done", 0),
            json_object_get_int_member_with_default (next, "chunks_total", 0));
  given_up = json_object_has_member (o, "given_up") ? json_object_get_object_member (o, "given_up")
                                                    : NULL;
  if (given_up)
    printf ("%s: rendition set %" G_GINT64_FORMAT " failed: %s\n", id,
            json_object_get_int_member_with_default (given_up, "set", 0),
            json_object_get_string_member_with_default (given_up, "reason", ""));
  return 0;
}

/* reel retranscode ID|--all: transcode again with the ladder configured
 * now; reel retranscode --status ID: how it goes. */
static int
cmd_retranscode (int argc, char **argv)
{
  g_autofree char *server = NULL, *token = NULL, *path = NULL;
  gboolean all = FALSE, state = FALSE;
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Every ready video", NULL },
    { "status", 0, 0, G_OPTION_ARG_NONE, &state,
      "Show the video's rendition sets: served, being made, last failed", NULL },
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "reel server", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "Bearer token (default: from reel login)",
      "TOKEN" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "ID|--all|--status ID - transcode videos again with the ladder configured now (admins)");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelClient) c = NULL;
  g_autoptr (JsonNode) answer = NULL;
  JsonArray *queued;
  JsonObject *o;
  int code;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error))
    return fail ("retranscode", error);
  if ((all && (argc != 1 || state)) || (!all && argc != 2))
    {
      g_printerr ("usage: reel retranscode ID|--all|--status ID\n");
      return 2;
    }
  c = reel_client_new (server, token);
  if (state)
    return print_retranscode_state (c, argv[1]);
  path = all ? g_strdup ("/api/v1/admin/retranscode")
             : g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", argv[1]);
  if (!(o = call (c, "retranscode", "POST", path, NULL, SOUP_STATUS_ACCEPTED, &answer, &code)))
    return code;
  if (!json_object_has_member (o, "queued")
      || !(queued = json_object_get_array_member (o, "queued")))
    {
      g_printerr ("reel retranscode: the server's answer lists nothing queued\n");
      return 1;
    }
  for (guint i = 0; i < json_array_get_length (queued); i++)
    {
      JsonObject *q = json_array_get_object_element (queued, i);
      printf ("%s: rendition set %" G_GINT64_FORMAT " queued\n",
              json_object_get_string_member_with_default (q, "video_id", ""),
              json_object_get_int_member_with_default (q, "set", 0));
    }
  return 0;
}

static int
cmd_checks (int argc, char **argv)
{
  g_autofree char *server = NULL, *path = NULL, *token = NULL;
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "reel server", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "Bearer token (default: from reel login)",
      "TOKEN" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("ID - show a video's checks before publishing");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelClient) c = NULL;
  g_autoptr (JsonNode) answer = NULL;
  JsonObject *v;
  JsonArray *checks;
  int code;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error))
    return fail ("checks", error);
  if (argc != 2)
    {
      g_printerr ("usage: reel checks ID\n");
      return 2;
    }
  /* Only the owner and moderators see the checks of an unpublished video. */
  c = reel_client_new (server, token);
  path = g_strdup_printf ("/api/v1/videos/%s", argv[1]);
  if (!(v = call (c, "checks", "GET", path, NULL, SOUP_STATUS_OK, &answer, &code)))
    return code;
  if (!json_object_has_member (v, "checks"))
    {
      printf ("no checks\n");
      return 0;
    }
  checks = json_object_get_array_member (v, "checks");
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *k = json_array_get_object_element (checks, i);
      printf ("%-10s %-8s %s\n", json_object_get_string_member_with_default (k, "name", ""),
              json_object_get_string_member_with_default (k, "state", ""),
              json_object_get_string_member_with_default (k, "detail", ""));
    }
  return 0;
}

static int
cmd_works (int argc, char **argv)
{
  g_autofree char *server = NULL, *token = NULL, *title = NULL, *holder = NULL, *url = NULL;
  g_autofree char *contents = NULL, *base = NULL;
  GOptionEntry entries[] = {
    { "title", 't', 0, G_OPTION_ARG_STRING, &title, "Title of the work", "T" },
    { "rights-holder", 'r', 0, G_OPTION_ARG_STRING, &holder,
      "Who holds its rights (default: the title)", "R" },
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "reel server", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "Bearer token (default: from reel login)",
      "TOKEN" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("add FILE - register a protected work (admins)");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelClient) c = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (SoupMultipart) mp = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) file = NULL;
  gsize len;
  guint status;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error))
    return fail ("works", error);
  if (argc != 3 || !g_str_equal (argv[1], "add") || !title)
    {
      g_printerr ("usage: reel works add FILE --title T [--rights-holder R]\n");
      return 2;
    }
  if (!g_file_get_contents (argv[2], &contents, &len, &error))
    return fail ("works", error);
  file = g_bytes_new_take (g_steal_pointer (&contents), len);
  base = g_path_get_basename (argv[2]);
  mp = soup_multipart_new ("multipart/form-data");
  soup_multipart_append_form_string (mp, "title", title);
  soup_multipart_append_form_string (mp, "rights_holder", holder ? holder : title);
  soup_multipart_append_form_file (mp, "file", base, "application/octet-stream", file);
  c = reel_client_new (server, token);
  url = reel_client_url (c, "/api/v1/admin/works");
  msg = soup_message_new_from_multipart (url, mp);
  status = reel_client_send (c, msg, &answer, &error);
  if (!status)
    return fail ("works", error);
  if (status != SOUP_STATUS_ACCEPTED || !answer || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      g_autofree char *m = reel_client_error_message (status, answer);
      g_printerr ("reel works: %s\n", m);
      return 1;
    }
  printf ("%s\n",
          json_object_get_string_member_with_default (json_node_get_object (answer), "id", ""));
  return 0;
}

/* Options shared by the commands that work on a node's data directory. */
typedef struct
{
  char *config_file;
  char *data_dir;
  char *nats_url;
} NodeOptions;

static void
node_options_clear (NodeOptions *n)
{
  g_free (n->config_file);
  g_free (n->data_dir);
  g_free (n->nats_url);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NodeOptions, node_options_clear)

static gboolean
node_config (NodeOptions *n, ReelConfig *cfg, GError **error)
{
  /* Absolute, so printed pipelines run from any directory. */
  g_autofree char *dir = n->data_dir ? g_canonicalize_filename (n->data_dir, NULL) : NULL;
  return (!n->config_file || reel_config_load_file (cfg, n->config_file, error))
         && (!dir || reel_config_set (cfg, "reeld.data_dir", dir, error))
         && (!n->nats_url || reel_config_set (cfg, "nats.url", n->nats_url, error));
}

static int
cmd_pipeline (int argc, char **argv)
{
  g_auto (NodeOptions) n = { 0 };
  g_autofree char *video = NULL, *out_dir = NULL;
  gint chunk = 0;
  GOptionEntry entries[] = {
    { "video", 'v', 0, G_OPTION_ARG_STRING, &video, "The video", "ID" },
    { "chunk", 'n', 0, G_OPTION_ARG_INT, &chunk, "The chunk (for NAME chunk)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
      "Where the line writes its files (default: .)", "DIR" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &n.config_file,
      "reeld's config file (the ladder, preset, ...)", "FILE" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &n.data_dir, "reeld's data directory", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "NAME - print the gst-launch-1.0 line a worker runs for a job (NAME: chunk, audio, poster, "
      "storyboard)");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (ReelStore) store = NULL;
  g_autoptr (ReelBlobs) blobs = NULL;
  g_autoptr (ReelVideo) record = NULL;
  g_autoptr (JsonObject) job = NULL;
  g_autofree char *lmdb = NULL, *cache_dir = NULL, *source = NULL, *line = NULL, *original = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error) || !node_config (&n, cfg, &error))
    return fail ("pipeline", error);
  if (argc != 2 || !video || chunk < 0)
    {
      g_printerr ("usage: reel pipeline chunk|audio|poster|storyboard --video ID [--chunk N] "
                  "[--data-dir DIR] [--config FILE] [--out DIR]\n");
      return 2;
    }
  lmdb = reel_config_data_path (cfg, "lmdb");
  /* On S3 the printed line names the node's local copy of the original, as
   * a worker's would. */
  cache_dir = reel_config_data_path (cfg, "cache");
  if (!(store = reel_store_open (lmdb, &error)) || !(blobs = reel_blobs_open_config (cfg, &error))
      || !(record = reel_videos_get (store, video, &error)))
    return fail ("pipeline", error);
  original = reel_blob_key_original (video);
  if (!(job = reel_ingest_job (argv[1], video, record->plan, original, (guint)chunk, &error))
      || !(source = reel_blob_cache_file (blobs, cache_dir, original, 0, &error))
      || !(line = reel_job_line (cfg, argv[1], job, source, out_dir ? out_dir : ".", &error)))
    return fail ("pipeline", error);
  printf ("%s\n", line);
  return 0;
}

/* reeld beside this reel (a build tree, or both installed in one bin
 * directory), else the one on PATH. */
static char *
find_reeld (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  g_autofree char *beside = dir ? g_build_filename (dir, "reeld", NULL) : NULL;
  if (beside && g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&beside);
  return g_find_program_in_path ("reeld");
}

/* A rebuild is the server's work (its projector, NATS streams and read
 * models): reel hands it to reeld --rebuild with the same options rather
 * than carry a server inside the client. */
static int
cmd_rebuild (int argc, char **argv)
{
  g_auto (NodeOptions) n = { 0 };
  g_autofree char *only = NULL, *reeld = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &n.config_file, "reeld's config file", "FILE" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &n.data_dir, "reeld's data directory", "DIR" },
    { "nats-url", 'n', 0, G_OPTION_ARG_STRING, &n.nats_url, "NATS server or cluster", "URL" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Rebuild only these projections of the viewer actions", "views,analytics,related" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "- drop the read models and replay the event log (reeld stopped; runs reeld --rebuild)");
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) args = g_strv_builder_new ();
  g_auto (GStrv) argv_reeld = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, &argc, &argv, &error))
    return fail ("rebuild", error);
  if (!(reeld = find_reeld ()))
    {
      g_printerr ("reel rebuild: reeld is neither beside reel nor on PATH\n");
      return 1;
    }
  g_strv_builder_add (args, reeld);
  g_strv_builder_add (args, "--rebuild");
  if (n.config_file)
    g_strv_builder_add_many (args, "--config", n.config_file, NULL);
  if (n.data_dir)
    g_strv_builder_add_many (args, "--data-dir", n.data_dir, NULL);
  if (n.nats_url)
    g_strv_builder_add_many (args, "--nats-url", n.nats_url, NULL);
  if (only)
    g_strv_builder_add_many (args, "--only", only, NULL);
  argv_reeld = g_strv_builder_end (args);
  execv (reeld, argv_reeld);
  g_printerr ("reel rebuild: cannot run %s: %s\n", reeld, g_strerror (errno));
  return 1;
}

static const struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "login", cmd_login, "log in to a reel server" },
  { "upload", cmd_upload, "upload a video (resumable)" },
  { "status", cmd_status, "show a video's state" },
  { "privacy", reel_cli_privacy, "set a video's privacy (public, unlisted, private)" },
  { "admin", reel_cli_admin, "moderation: block, ban, roles, reports, audit..." },
  { "checks", cmd_checks, "show a video's checks before publishing" },
  { "retranscode", cmd_retranscode, "transcode videos again with the ladder configured now" },
  { "works", cmd_works, "register a protected work (admins)" },
  { "pipeline", cmd_pipeline, "print the gst-launch-1.0 line of a worker's job" },
  { "rebuild", cmd_rebuild, "replay the event log into fresh read models" },
};

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  for (guint i = 0; argc >= 2 && i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strdup_printf ("reel %s", commands[i].name);
        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }
  g_printerr ("usage: reel COMMAND [OPTIONS]\n\ncommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_printerr ("  %-9s %s\n", commands[i].name, commands[i].summary);
  g_printerr ("\nreel COMMAND --help tells more.\n");
  return 2;
}
