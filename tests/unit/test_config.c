/* core/config: defaults, one parser for file and command line, clear errors,
 * and the example config in data/ staying valid. */
#include "core/config.h"
#include "core/error.h"

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
  g_assert_true (reel_config_set (cfg, "reeld.roles", "live", &error));
  g_assert_cmpuint (cfg->roles, ==, REEL_ROLE_LIVE);
  g_assert_true (reel_config_set (cfg, "live.srt_host", "::", &error));
  g_assert_true (reel_config_set (cfg, "live.srt_port", "20000", &error));
  g_assert_cmpuint (cfg->live_srt_port, ==, 20000);
  g_assert_true (reel_config_set (cfg, "live.window_seconds", "60", &error));
  g_assert_cmpuint (cfg->live_window_s, ==, 60);
  g_assert_true (reel_config_set (cfg, "live.ladder", "240p:240:400", &error));
  g_assert_cmpstr (cfg->live_ladder, ==, "240p:240:400");
  g_assert_no_error (error);
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
    { "http.max_body_bytes", "-1" },
    { "http.max_body_bytes", "12x" },
    { "no.such_key", "1" },
    { "live.srt_host", "example.org" },
    { "live.srt_port", "0" },
    { "live.window_seconds", "5" },
    { "live.window_bytes", "1000" },
    { "live.ladder", "240p:tall:400" },
    { "live.max_channels", "0" },
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
  g_unlink (path);
}

static void
test_example_file (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path
      = g_build_filename (g_getenv ("REEL_TEST_DATA_DIR"), "reeld.conf.example", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  /* Every key of the example is a real setting with a valid value. */
  g_assert_true (reel_config_load_file (cfg, path, &error));
  g_assert_no_error (error);
  /* And every setting is documented there. */
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL));
  const char *keys[][2] = { { "reeld", "listen" },           { "reeld", "roles" },
                            { "nats", "server_binary" },     { "nats", "replicas" },
                            { "http", "max_body_bytes" },    { "auth", "session_ttl_seconds" },
                            { "projector", "write_wait_ms" } };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (g_key_file_has_key (kf, keys[i][0], keys[i][1], NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/set", test_set);
  g_test_add_func ("/config/errors", test_errors);
  g_test_add_func ("/config/file", test_file);
  g_test_add_func ("/config/example-file", test_example_file);
  return g_test_run ();
}
