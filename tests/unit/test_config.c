/* core/config: defaults, one parser for file and command line, clear errors,
 * and the example config in data/ staying valid. */
#include "core/config.h"
#include "core/settings.h"
#include "core/error.h"
#include "core/fault.h"

#include <glib/gstdio.h>
#include <unistd.h>

static void
test_defaults (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_assert_cmpstr (cfg->listen_host, ==, "127.0.0.1");
  g_assert_cmpuint (cfg->listen_port, ==, 8080);
  g_assert_null (cfg->nats_url);
  g_assert_cmpuint (cfg->roles, ==, REEL_ROLES_ALL);
  g_assert_cmpuint (cfg->stream_replicas, ==, 1);
  g_assert_true (g_str_has_suffix (cfg->data_dir, "/reel"));
}

static void
test_set (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (reel_config_set (cfg, "reeld.listen", "0.0.0.0:9000", &error));
  g_assert_cmpstr (cfg->listen_host, ==, "0.0.0.0");
  g_assert_cmpuint (cfg->listen_port, ==, 9000);
  g_assert_true (reel_config_set (cfg, "reeld.listen", "[::1]:81", &error));
  g_assert_cmpstr (cfg->listen_host, ==, "::1");
  g_assert_cmpuint (cfg->listen_port, ==, 81);
  g_assert_true (reel_config_set (cfg, "nats.url", "nats://a:4222,nats://b:4222", &error));
  g_assert_cmpstr (cfg->nats_url, ==, "nats://a:4222,nats://b:4222");
  g_assert_true (reel_config_set (cfg, "nats.url", "", &error));
  g_assert_null (cfg->nats_url);
  g_assert_true (reel_config_set (cfg, "reeld.roles", "projector", &error));
  g_assert_cmpuint (cfg->roles, ==, REEL_ROLE_PROJECTOR);
  g_assert_true (reel_config_set (cfg, "reeld.roles", "api, projector", &error));
  g_assert_cmpuint (cfg->roles, ==, REEL_ROLE_API | REEL_ROLE_PROJECTOR);
  g_assert_true (reel_config_set (cfg, "nats.replicas", "3", &error));
  g_assert_cmpuint (cfg->stream_replicas, ==, 3);
  g_assert_cmpstr (cfg->nats_sync, ==, "default");
  g_assert_true (reel_config_set (cfg, "nats.sync", "always", &error));
  g_assert_cmpstr (cfg->nats_sync, ==, "always");
  g_assert_true (reel_config_set (cfg, "nats.sync", "200ms", &error));
  g_assert_true (reel_config_set (cfg, "nats.sync", "1s", &error));
  g_assert_cmpstr (cfg->nats_sync, ==, "1s");
  g_assert_true (reel_config_set (cfg, "nats.token", "t0k", &error));
  g_assert_cmpstr (cfg->nats_token, ==, "t0k");
  g_assert_true (reel_config_set (cfg, "nats.token", "", &error));
  g_assert_null (cfg->nats_token);
  g_assert_cmpuint (cfg->views_min_watch_s, ==, 30);
  g_assert_true (reel_config_set (cfg, "views.min_watch_seconds", "5", &error));
  g_assert_cmpuint (cfg->views_min_watch_s, ==, 5);
  g_assert_true (reel_config_set (cfg, "actions.batch_max", "50", &error));
  g_assert_cmpuint (cfg->actions_batch_max, ==, 50);
  g_assert_true (reel_config_set (cfg, "actions.max_age_seconds", "86400", &error));
  g_assert_cmpuint (cfg->actions_max_age_s, ==, 86400);
  g_assert_true (reel_config_set (cfg, "actions.max_bytes", "1048576", &error));
  g_assert_cmpuint (cfg->actions_max_bytes, ==, 1048576);
  g_assert_true (reel_config_set (cfg, "actions.duplicate_window_seconds", "60", &error));
  g_assert_cmpuint (cfg->actions_duplicate_window_s, ==, 60);
  g_assert_true (reel_config_set (cfg, "reeld.roles", "live", &error));
  g_assert_cmpuint (cfg->roles, ==, REEL_ROLE_LIVE);
  g_assert_true (reel_config_set (cfg, "live.srt_host", "::", &error));
  g_assert_true (reel_config_set (cfg, "live.srt_port", "20000", &error));
  g_assert_cmpuint (cfg->live_srt_port, ==, 20000);
  g_assert_true (reel_config_set (cfg, "live.window_seconds", "60", &error));
  g_assert_cmpuint (cfg->live_window_s, ==, 60);
  g_assert_true (reel_config_set (cfg, "live.ladder", "240p:240:400", &error));
  g_assert_cmpstr (cfg->live_ladder.text, ==, "240p:240:400");
  /* Parsed once, here: what uses the ladder reads its rungs. */
  g_assert_cmpuint (cfg->live_ladder.rungs->len, ==, 1);
  g_assert_cmpuint (g_array_index (cfg->live_ladder.rungs, ReelRung, 0).height, ==, 240);
  g_assert_cmpuint (cfg->ladder.rungs->len, ==, 5);
  g_assert_no_error (error);
}

/* The social keys: values land in the right fields; empty means unset. */
static void
test_social_keys (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_assert_null (cfg->cdn_base_url);
  g_assert_null (cfg->smtp_url);
  g_assert_true (reel_config_set (cfg, "cdn.base_url", "https://cdn.example.org/reel", &error));
  g_assert_true (reel_config_set (cfg, "cdn.origin_dir", "/srv/cdn", &error));
  g_assert_true (reel_config_set (cfg, "cdn.min_subscribers", "0", &error));
  g_assert_true (reel_config_set (cfg, "smtp.url", "smtps://mail.example.org:465", &error));
  g_assert_true (reel_config_set (cfg, "comments.rate_limit", "3", &error));
  g_assert_true (reel_config_set (cfg, "cleanup.interval_seconds", "60", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cfg->cdn_base_url, ==, "https://cdn.example.org/reel");
  g_assert_cmpstr (cfg->cdn_origin_dir, ==, "/srv/cdn");
  g_assert_cmpuint (cfg->cdn_min_subs, ==, 0);
  g_assert_cmpstr (cfg->smtp_url, ==, "smtps://mail.example.org:465");
  g_assert_cmpuint (cfg->comment_rate_limit, ==, 3);
  g_assert_cmpuint (cfg->cleanup_interval_s, ==, 60);
  g_assert_true (reel_config_set (cfg, "cdn.base_url", "", &error));
  g_assert_true (reel_config_set (cfg, "smtp.url", "", &error));
  g_assert_null (cfg->cdn_base_url);
  g_assert_null (cfg->smtp_url);
  /* Flood limits: REQUESTS/SECONDS or off, by what they limit. */
  g_assert_cmpuint (cfg->limit_per_ip[REEL_LIMIT_LOGIN].burst, >, 0);
  g_assert_true (reel_config_set (cfg, "limits.login_per_account", "5/60", &error));
  g_assert_true (reel_config_set (cfg, "limits.events_per_ip", "off", &error));
  g_assert_true (reel_config_set (cfg, "http.trusted_proxies", "10.0.0.0/8, ::1", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cfg->limit_per_account[REEL_LIMIT_LOGIN].burst, ==, 5);
  g_assert_cmpuint (cfg->limit_per_account[REEL_LIMIT_LOGIN].period_s, ==, 60);
  g_assert_cmpuint (cfg->limit_per_ip[REEL_LIMIT_EVENTS].burst, ==, 0);
  g_assert_cmpstr (cfg->trusted_proxies, ==, "10.0.0.0/8, ::1");
}

/* The blob store keys: fs by default; the S3 ones land in their fields. */
static void
test_blobs_keys (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  const char *bad[][2] = {
    { "blobs.backend", "nfs" },
    { "blobs.s3_endpoint", "s3.example.org" },
    { "blobs.s3_endpoint", "http://minio:9000/" },
    { "blobs.s3_path_style", "maybe" },
    { "blobs.s3_part_size_bytes", "5242879" },
    { "blobs.s3_part_size_bytes", "5368709121" },
  };
  g_assert_cmpstr (cfg->blobs_backend, ==, "fs");
  g_assert_cmpstr (cfg->s3_region, ==, "us-east-1");
  g_assert_true (cfg->s3_path_style);
  g_assert_cmpuint (cfg->s3_part_size, ==, REEL_S3_PART_SIZE_DEFAULT);
  g_assert_true (reel_config_set (cfg, "blobs.backend", "s3", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_endpoint", "http://10.0.0.5:9000", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_bucket", "reel", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_region", "garage", &error));
  g_assert_true (
      reel_config_set (cfg, "blobs.s3_access_key", "GK31c2f218a2e44f485b94239e", &error));
  g_assert_true (
      reel_config_set (cfg, "blobs.s3_secret_key", "b892c0665f0ada8a4755dae98baa3b", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_path_style", "false", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_part_size_bytes", "8388608", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cfg->blobs_backend, ==, "s3");
  g_assert_cmpstr (cfg->s3_endpoint, ==, "http://10.0.0.5:9000");
  g_assert_cmpstr (cfg->s3_bucket, ==, "reel");
  g_assert_cmpstr (cfg->s3_region, ==, "garage");
  g_assert_cmpstr (cfg->s3_access_key, ==, "GK31c2f218a2e44f485b94239e");
  g_assert_cmpstr (cfg->s3_secret_key, ==, "b892c0665f0ada8a4755dae98baa3b");
  g_assert_false (cfg->s3_path_style);
  g_assert_cmpuint (cfg->s3_part_size, ==, 8388608);
  g_assert_true (reel_config_set (cfg, "blobs.s3_path_style", "yes", &error));
  g_assert_true (cfg->s3_path_style);
  /* Empty credentials: read from the environment when the store opens. */
  g_assert_true (reel_config_set (cfg, "blobs.s3_secret_key", "", &error));
  g_assert_null (cfg->s3_secret_key);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (reel_config_set (cfg, bad[i][0], bad[i][1], &e));
      g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_nonnull (strstr (e->message, bad[i][0]));
    }
}

static void
test_errors (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  const char *bad[][2] = {
    { "reeld.listen", "nocolon" },
    { "reeld.listen", "host:99999" },
    { "reeld.listen", ":80" },
    { "reeld.roles", "api,bogus" },
    { "reeld.roles", "" },
    { "nats.replicas", "0" },
    { "nats.replicas", "6" },
    { "nats.sync", "sometimes" },
    { "nats.sync", "5" },
    { "nats.sync", "0s" },
    { "nats.sync", "1m" },
    { "http.max_body_bytes", "-1" },
    { "http.max_body_bytes", "12x" },
    { "no.such_key", "1" },
    { "comments.rate_limit", "0" },
    { "comments.rate_window_seconds", "86401" },
    { "cdn.base_url", "ftp://cdn.example.org" },
    { "cdn.base_url", "https://cdn.example.org/" },
    { "cdn.base_url", "not a url" },
    { "cdn.min_subscribers", "-1" },
    { "cdn.bogus", "1" },
    { "smtp.url", "http://mail.example.org" },
    { "cleanup.grace_seconds", "0" },
    { "cleanup.interval_seconds", "x" },
    { "views.min_watch_seconds", "0" },
    { "actions.batch_max", "10001" },
    { "actions.max_age_seconds", "59" },
    { "actions.max_bytes", "1000" },
    { "actions.duplicate_window_seconds", "0" },
    { "live.srt_host", "example.org" },
    { "live.srt_port", "0" },
    { "live.window_seconds", "5" },
    { "live.window_bytes", "1000" },
    { "live.ladder", "240p:tall:400" },
    { "live.max_channels", "0" },
    { "limits.login_per_ip", "0/60" },
    { "limits.events_per_account", "60" },
    { "http.trusted_proxies", "10.0.0.0/8, proxy.example.org" },
    { "http.header_timeout_seconds", "0" },
    { "http.max_connections_per_ip", "0" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (reel_config_set (cfg, bad[i][0], bad[i][1], &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      /* The message names the setting, so the operator knows what to fix. */
      g_assert_nonnull (strstr (error->message, bad[i][0]));
    }
  g_assert_cmpuint (cfg->listen_port, ==, 8080);
  /* A refused ladder leaves the one before, text and rungs alike. */
  g_assert_cmpstr (cfg->live_ladder.text, ==, "720p:720:2800,360p:360:800");
  g_assert_cmpuint (cfg->live_ladder.rungs->len, ==, 2);
}

static void
test_file (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("reel-config-XXXXXX.conf", &path, &error);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path,
                                      "[reeld]\nlisten = 127.0.0.1:7000\n"
                                      "[auth]\nsession_ttl_seconds = 3600\n",
                                      -1, &error));
  g_assert_true (reel_config_load_file (cfg, path, &error));
  g_assert_cmpuint (cfg->listen_port, ==, 7000);
  g_assert_cmpint (cfg->session_ttl_s, ==, 3600);

  g_assert_true (g_file_set_contents (path, "[reeld]\nlistne = 1\n", -1, &error));
  g_assert_false (reel_config_load_file (cfg, path, &error));
  g_assert_nonnull (strstr (error->message, "reeld.listne"));
  g_clear_error (&error);

  /* The name is quoted as UTF-8 even when the file's is not (found by
   * tests/fuzz/fuzz_config.c). */
  g_assert_true (reel_config_load_data (cfg, "[uploads]\nmax_byte\xffs = 1\n", -1, "x", &error)
                 == FALSE);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  /* GKeyFile returns a value and an error for a trailing backslash: the
   * value was used, and the error was left set on success, or set again
   * by a setting's parser (GLib warns; found by tests/fuzz/fuzz_config.c). */
  g_assert_false (reel_config_load_data (cfg, "[reeld]\nroles = api\\\n", -1, "x", &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_unlink (path);
}

static void
test_example_file (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path
      = g_build_filename (g_getenv ("REEL_TEST_DATA_DIR"), "reeld.conf.example", NULL);
  g_autofree char *text = NULL, *group = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GHashTable) documented = NULL;
  /* Every key of the example is a real setting with a valid value. */
  g_assert_true (reel_config_load_file (cfg, path, &error));
  g_assert_no_error (error);
  /* And every setting is documented there: as a key of its group, or
   * commented out ("#key = ...") where its default depends on the machine. */
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  documented = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]), *eq;
      if (line[0] == '[' && strchr (line, ']'))
        {
          g_free (group);
          group = g_strndup (line + 1, strchr (line, ']') - line - 1);
        }
      else if (group && (eq = strchr (line, '=')))
        {
          g_autofree char *key = g_strndup (line + (line[0] == '#'), eq - line - (line[0] == '#'));
          if (*g_strstrip (key) && !strchr (key, ' '))
            g_hash_table_add (documented, g_strdup_printf ("%s.%s", group, key));
        }
    }
  for (const char *const *name = reel_config_names (); *name; name++)
    if (!g_hash_table_contains (documented, *name))
      g_error ("%s is not documented in data/reeld.conf.example", *name);
}

/* REEL_TEST_FAULT holds one fault or several, each with or without a
 * value (core/fault.h). */
static void
test_faults (void)
{
  g_assert_true (
      g_setenv ("REEL_TEST_FAULT", "hold-first-chunk:/tmp/a b;media-slow:audio;fail-chunks", TRUE));
  g_assert_cmpstr (reel_test_fault ("hold-first-chunk"), ==, "/tmp/a b");
  g_assert_cmpstr (reel_test_fault ("media-slow"), ==, "audio");
  g_assert_cmpstr (reel_test_fault ("fail-chunks"), ==, "");
  /* A name is whole: no prefix or longer name matches. */
  g_assert_null (reel_test_fault ("hold"));
  g_assert_null (reel_test_fault ("media-slowly"));
  g_assert_null (reel_test_fault ("media-crash"));
  g_assert_true (g_setenv ("REEL_TEST_FAULT", "media-hang:3", TRUE));
  g_assert_cmpstr (reel_test_fault ("media-hang"), ==, "3");
  g_assert_null (reel_test_fault ("media-slow"));
  g_unsetenv ("REEL_TEST_FAULT");
  g_assert_null (reel_test_fault ("media-hang"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/set", test_set);
  g_test_add_func ("/config/errors", test_errors);
  g_test_add_func ("/config/social-keys", test_social_keys);
  g_test_add_func ("/config/blobs-keys", test_blobs_keys);
  g_test_add_func ("/config/file", test_file);
  g_test_add_func ("/config/example-file", test_example_file);
  g_test_add_func ("/config/faults", test_faults);
  return g_test_run ();
}
