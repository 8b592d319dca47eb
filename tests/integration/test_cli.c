/* Integration tests of the `reel` command-line client against a real
 * reeld (issue 3):
 *
 *   /cli/upload-resume  reel login (token saved 0600); reel upload dies after its first PATCH;
 *                       the same command again resumes at the server's
 *                       offset and the stored original is the file, byte
 *                       for byte; reel status shows it ready and playable
 *   /cli/errors         not logged in, an unknown video, a missing file:
 *                       clear messages and non-zero exits
 *   /cli/moderation     issue 12 from the command line: an admin (auth.admins)
 *                       makes a moderator with reel admin role; the
 *                       moderator blocks a video (viewers get 451 with the
 *                       reason), lists reports, deletes a comment, bans and
 *                       unbans a user; a plain user is refused with the
 *                       server's message; the owner makes a video private
 *                       with reel privacy (anonymous 404); the admin reads
 *                       it all in reel admin audit; bad usage exits 2 */
#include "harness.h"

#include <glib/gstdio.h>

static const char *PASSWORD = "correct horse battery";

typedef struct
{
  char *home; /* XDG config and state of the client live here */
  char *server;
  char *config_env, *state_env;
} Client;

static void
client_init (Client *c, guint16 port)
{
  c->home = reel_test_tmpdir ();
  c->server = g_strdup_printf ("http://127.0.0.1:%u", port);
  c->config_env = g_strdup_printf ("XDG_CONFIG_HOME=%s/config", c->home);
  c->state_env = g_strdup_printf ("XDG_STATE_HOME=%s/state", c->home);
}

static void
client_clear (Client *c)
{
  reel_test_rmtree (c->home);
  g_free (c->home);
  g_free (c->server);
  g_free (c->config_env);
  g_free (c->state_env);
}

/* Runs `reel ARGS...` as this client, with an extra environment entry. */
static char *
reel (Client *c, const char *extra_env, char **err, int *status, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *env[] = { c->config_env, c->state_env, extra_env, NULL };
  const char *arg;
  va_list ap;
  g_ptr_array_add (argv, (gpointer)reel_test_env ("REEL_TEST_REEL"));
  va_start (ap, status);
  while ((arg = va_arg (ap, const char *)))
    g_ptr_array_add (argv, (gpointer)arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return reel_test_run_env ((const char *const *)argv->pdata, env, err, status);
}

static char *
checksum_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static void
test_upload_resume (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  /* Noise at 3 Mbit/s for 10 s, about 3.7 MB: four requests of 1 MiB. */
  g_autofree char *file = reel_test_make_media (
      media, "trip.mp4",
      "videotestsrc pattern=snow num-buffers=300 ! video/x-raw,width=640,height=360,framerate=30/1 "
      "! x264enc speed-preset=ultrafast bitrate=3000 ! mp4mux ! filesink location=%s");
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "uma", PASSWORD);
  g_autofree char *out = NULL, *err = NULL, *id = NULL, *resumed = NULL, *original = NULL;
  g_autofree char *sum = NULL, *stored_sum = NULL, *state = NULL, *state_file = NULL;
  g_autofree char *password_env = g_strdup_printf ("REEL_PASSWORD=%s", PASSWORD);
  Client c;
  int status;

  client_init (&c, d->port);
  out = reel (&c, password_env, NULL, &status, "login", "--server", c.server, "uma", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "logged in"));
  g_clear_pointer (&out, g_free);
  {
    /* The saved token is a password: its owner's alone. */
    g_autofree char *saved = g_build_filename (c.home, "config", "reel", "client.ini", NULL);
    GStatBuf st;
    g_assert_cmpint (g_stat (saved, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* The first attempt dies after its first request, as a closed laptop
   * would; the client remembers where the upload lives. */
  out = reel (&c, "REEL_TEST_FAULT=cli-stop-after-patches:1", &err, &status, "upload",
              "--chunk-size", "1", "--title", "A trip", file, NULL);
  g_assert_cmpint (status, ==, 3);
  g_assert_nonnull (strstr (err, "uploading"));
  state_file = g_build_filename (c.home, "state", "reel", "uploads.ini", NULL);
  g_assert_true (g_file_get_contents (state_file, &state, NULL, NULL));
  g_assert_nonnull (strstr (state, "location=/api/v1/uploads/"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The same command again resumes after the first MiB. */
  out = reel (&c, NULL, &err, &status, "upload", "--chunk-size", "1", "--title", "A trip", file,
              NULL);
  g_assert_cmpint (status, ==, 0);
  id = g_strdup (g_strstrip (out));
  g_assert_cmpuint (strlen (id), ==, 11);
  resumed = g_strdup_printf ("resuming the upload of video %s at 1048576 of ", id);
  if (!strstr (err, resumed))
    g_printerr ("reel upload said:\n%s\n", err);
  g_assert_nonnull (strstr (err, resumed));
  /* Done: forgotten by the client, and byte-identical on the server. */
  g_clear_pointer (&state, g_free);
  g_assert_true (g_file_get_contents (state_file, &state, NULL, NULL));
  g_assert_null (strstr (state, id));
  original = g_build_filename (dir, "blobs", "originals", id, NULL);
  sum = checksum_file (file);
  stored_sum = checksum_file (original);
  g_assert_cmpstr (sum, ==, stored_sum);

  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
    g_autofree char *hls = g_strdup_printf ("hls:      %s/videos/%s/master.m3u8", c.server, id);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_cmpstr (reel_test_json_str (v, "title"), ==, "A trip");
    g_clear_pointer (&out, g_free);
    out = reel (&c, NULL, NULL, &status, "status", id, NULL);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "state:    ready"));
    g_assert_nonnull (strstr (out, hls));
  }
  client_clear (&c);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static void
test_errors (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  g_autofree char *server_env = g_strdup_printf ("REEL_SERVER=http://127.0.0.1:%u", d->port);
  g_autofree char *missing = g_build_filename (dir, "no-such-file.mp4", NULL);
  Client c;
  int status;

  client_init (&c, d->port);
  {
    g_autofree char *err = NULL;
    g_autofree char *out
        = reel (&c, server_env, &err, &status, "upload", reel_test_env ("REEL_TEST_REEL"), NULL);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "not logged in"));
  }
  {
    g_autofree char *err = NULL;
    g_autofree char *out = reel (&c, server_env, &err, &status, "status", "AAAAAAAAAAA", NULL);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "no such video"));
  }
  {
    g_autofree char *err = NULL;
    g_autofree char *out
        = reel (&c, "REEL_TOKEN=x", &err, &status, "upload", "--server", c.server, missing, NULL);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "No such file"));
  }
  {
    g_autofree char *out = reel (&c, NULL, NULL, &status, "frobnicate", NULL);
    g_assert_cmpint (status, ==, 2);
    g_assert_nonnull (strstr (out, "commands:"));
  }
  client_clear (&c);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}

/* `reel ARGS...` with REEL_TOKEN=token; asserts the exit status, returns
 * stdout (and stderr in *err when asked). */
static char *
as_user (Client *c, const char *token, int want, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *token_env = g_strdup_printf ("REEL_TOKEN=%s", token);
  g_autofree char *server_env = g_strdup_printf ("REEL_SERVER=%s", c->server);
  const char *env[] = { c->config_env, c->state_env, token_env, server_env, NULL };
  g_autofree char *local_err = NULL;
  const char *arg;
  char *out;
  int status;
  va_list ap;
  g_ptr_array_add (argv, (gpointer)reel_test_env ("REEL_TEST_REEL"));
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)))
    g_ptr_array_add (argv, (gpointer)arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  out = reel_test_run_env ((const char *const *)argv->pdata, env, &local_err, &status);
  g_test_message ("reel said: %s %s", out ? out : "", local_err ? local_err : "");
  g_assert_cmpint (status, ==, want);
  if (err)
    *err = g_steal_pointer (&local_err);
  return out;
}

static void
test_moderation (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  ReelTestReeld *d;
  g_autofree char *root = NULL, *mo = NULL, *pia = NULL, *ugo = NULL;
  g_autofree char *video = NULL, *other = NULL, *rec = NULL, *comment = NULL;
  Client c;

  g_assert_true (g_file_set_contents (conf, "[auth]\nadmins = root\n", -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  client_init (&c, d->port);
  root = reel_test_register_login (d->port, "root", PASSWORD);
  mo = reel_test_register_login (d->port, "moe", PASSWORD);
  pia = reel_test_register_login (d->port, "pia", PASSWORD);
  ugo = reel_test_register_login (d->port, "ugo", PASSWORD);
  video = reel_test_tus_create (d->port, pia, 1000, "Replica handbags");
  other = reel_test_tus_create (d->port, pia, 1000, "Diary");
  rec = g_strdup_printf ("/api/v1/videos/%s", video);
  {
    g_autofree char *path = g_strdup_printf ("%s/comments", rec);
    g_autoptr (ReelTestResponse) r
        = reel_test_http (d->port, "POST", path, ugo, "{\"text\":\"buy followers here\"}", 0);
    g_assert_cmpuint (r->status, ==, 201);
    comment = g_strdup (reel_test_json_str (r, "id"));
  }

  /* A plain user reaches no admin action; the server says why. */
  {
    g_autofree char *err = NULL;
    g_autofree char *out = as_user (&c, mo, 1, &err, "admin", "block", video, "fakes", NULL);
    g_assert_nonnull (strstr (err, "moderator"));
  }
  {
    g_autofree char *out = as_user (&c, root, 0, NULL, "admin", "role", "moe", "moderator", NULL);
    g_assert_nonnull (strstr (out, "\"moderator\""));
  }
  {
    g_autofree char *out
        = as_user (&c, mo, 0, NULL, "admin", "block", video, "counterfeit goods", NULL);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", rec, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 451);
    g_assert_nonnull (strstr (r->body, "counterfeit goods"));
  }
  {
    g_autofree char *out = as_user (&c, mo, 0, NULL, "admin", "reports", NULL);
    g_assert_nonnull (strstr (out, "\"items\""));
  }
  {
    g_autofree char *out
        = as_user (&c, mo, 0, NULL, "admin", "delete-comment", video, comment, NULL);
    g_autofree char *path = g_strdup_printf ("%s/comments", rec);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, mo, NULL, 0);
    g_assert_cmpstr (g_strstrip (out), ==, "done");
    g_assert_null (strstr (r->body, "buy followers"));
  }
  {
    g_autofree char *out = as_user (&c, mo, 0, NULL, "admin", "unblock", video, NULL);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", rec, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
  }
  {
    g_autofree char *out = as_user (&c, mo, 0, NULL, "admin", "ban", "ugo", "spam", NULL);
    g_autofree char *login
        = g_strdup_printf ("{\"username\":\"ugo\",\"password\":\"%s\"}", PASSWORD);
    g_autoptr (ReelTestResponse) r
        = reel_test_http (d->port, "POST", "/api/v1/sessions", NULL, login, 0);
    g_assert_cmpuint (r->status, ==, 403);
    g_autofree char *out2 = as_user (&c, mo, 0, NULL, "admin", "unban", "ugo", NULL);
  }
  /* The owner, not a stranger, makes a video private. */
  {
    g_autofree char *err = NULL;
    g_autofree char *denied = as_user (&c, ugo, 1, &err, "privacy", other, "private", NULL);
    g_autofree char *out = as_user (&c, pia, 0, NULL, "privacy", other, "private", NULL);
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", other);
    g_autoptr (ReelTestResponse) anon = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    g_autoptr (ReelTestResponse) own = reel_test_http (d->port, "GET", path, pia, NULL, 0);
    g_assert_cmpuint (anon->status, ==, 404);
    g_assert_cmpstr (reel_test_json_str (own, "privacy"), ==, "private");
  }
  {
    g_autofree char *out = as_user (&c, root, 0, NULL, "admin", "audit", NULL);
    const char *seen[] = { "user.role_set",   "video.blocked", "video.unblocked",
                           "comment.deleted", "user.banned",   "user.unbanned" };
    for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
      g_assert_nonnull (strstr (out, seen[i]));
  }
  {
    g_autofree char *out = as_user (&c, root, 2, NULL, "admin", "block", video, NULL);
    g_autofree char *list = as_user (&c, root, 2, NULL, "admin", "frobnicate", NULL);
  }
  client_clear (&c);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/upload-resume", test_upload_resume);
  g_test_add_func ("/cli/errors", test_errors);
  g_test_add_func ("/cli/moderation", test_moderation);
  return g_test_run ();
}
