/* See harness.h: a test S3 server (s3rver under node), the aws CLI
 * against it, and the fault-injecting S3 proxy. */
#include "harness.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>

static void
wait_port (guint16 port, const char *what)
{
  /* node starts in well under a second, but the machine may be busy. */
  for (int i = 0; i < 1500 && !reel_test_port_open (port); i++)
    g_usleep (20 * 1000);
  if (!reel_test_port_open (port))
    g_error ("%s did not start listening on port %u", what, port);
}

static void
s3rver_spawn (ReelTestS3 *s3)
{
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", s3->port);
  /* s3rver makes its listing continuation tokens with DES, which OpenSSL 3
   * keeps in its legacy provider. */
  g_subprocess_launcher_setenv (l, "NODE_OPTIONS", "--openssl-legacy-provider", TRUE);
  s3->proc = g_subprocess_launcher_spawn (
      l, &error, reel_test_env ("REEL_TEST_S3RVER"), "--silent", "-d", s3->dir, "-a", "127.0.0.1",
      "-p", port, "--service-endpoint", "localhost", "--configure-bucket", s3->bucket, NULL);
  g_assert_no_error (error);
  wait_port (s3->port, "s3rver");
}

ReelTestS3 *
reel_test_s3_start (const char *bucket)
{
  ReelTestS3 *s3 = g_new0 (ReelTestS3, 1);
  s3->port = reel_test_free_port ();
  s3->dir = reel_test_tmpdir ();
  s3->bucket = g_strdup (bucket);
  s3->url = g_strdup_printf ("http://127.0.0.1:%u", s3->port);
  s3rver_spawn (s3);
  return s3;
}

void
reel_test_s3_pause (ReelTestS3 *s3)
{
  g_subprocess_send_signal (s3->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (s3->proc, NULL, NULL));
  g_clear_object (&s3->proc);
}

void
reel_test_s3_resume (ReelTestS3 *s3)
{
  s3rver_spawn (s3);
}

void
reel_test_s3_stop (ReelTestS3 *s3)
{
  if (!s3)
    return;
  if (s3->proc)
    reel_test_s3_pause (s3);
  reel_test_rmtree (s3->dir);
  g_free (s3->dir);
  g_free (s3->url);
  g_free (s3->bucket);
  g_free (s3);
}

char *
reel_test_aws (ReelTestS3 *s3, const char *region, const char *const *args, int *status)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *region_env = g_strdup_printf ("AWS_DEFAULT_REGION=%s", region);
  g_autofree char *err = NULL;
  char *out;
  /* Only these credentials: nothing from the user's ~/.aws. */
  const char *env[] = { "AWS_ACCESS_KEY_ID=" REEL_TEST_S3_ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY=" REEL_TEST_S3_SECRET_KEY,
                        region_env,
                        "AWS_CONFIG_FILE=/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                        "AWS_EC2_METADATA_DISABLED=true",
                        "AWS_PAGER=",
                        NULL };
  g_ptr_array_add (argv, (gpointer)reel_test_env ("REEL_TEST_AWS"));
  g_ptr_array_add (argv, (gpointer) "--endpoint-url");
  g_ptr_array_add (argv, s3->url);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  out = reel_test_run_env ((const char *const *)argv->pdata, env, &err, status);
  if (*status != 0)
    {
      g_free (out);
      return g_steal_pointer (&err);
    }
  return out;
}

ReelTestS3Proxy *
reel_test_s3_proxy_start (guint16 upstream_port)
{
  ReelTestS3Proxy *p = g_new0 (ReelTestS3Proxy, 1);
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *port = NULL, *upstream = g_strdup_printf ("%u", upstream_port);
  const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                         reel_test_env ("REEL_TEST_S3_PROXY"),
                         NULL,
                         upstream,
                         NULL,
                         NULL };
  p->port = reel_test_free_port ();
  p->log = g_build_filename (dir, "requests.jsonl", NULL);
  p->url = g_strdup_printf ("http://127.0.0.1:%u", p->port);
  port = g_strdup_printf ("%u", p->port);
  argv[2] = port;
  argv[4] = p->log;
  g_assert_true (g_file_set_contents (p->log, "", 0, NULL));
  p->proc = reel_test_spawn (argv);
  wait_port (p->port, "s3_proxy.py");
  return p;
}

void
reel_test_s3_proxy_fault (ReelTestS3Proxy *p, const char *fault)
{
  g_autofree char *path = g_strdup_printf ("/__proxy/%s", fault);
  g_autoptr (ReelTestResponse) r = reel_test_http (p->port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
}

GPtrArray *
reel_test_s3_proxy_requests (ReelTestS3Proxy *p)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  g_assert_true (g_file_get_contents (p->log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      {
        g_autoptr (JsonNode) node = json_from_string (lines[i], NULL);
        g_assert_nonnull (node);
        g_ptr_array_add (out, json_object_ref (json_node_get_object (node)));
      }
  return out;
}

char *
reel_test_s3_proxy_check_signatures (ReelTestS3Proxy *p, const char *access_key,
                                     const char *secret_key, const char *region, int *status)
{
  const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                         reel_test_env ("REEL_TEST_CHECK_SIGV4"),
                         p->log,
                         access_key,
                         secret_key,
                         region,
                         NULL };
  return reel_test_run (argv, status);
}

void
reel_test_s3_proxy_stop (ReelTestS3Proxy *p)
{
  g_autofree char *dir = NULL;
  if (!p)
    return;
  g_subprocess_send_signal (p->proc, SIGTERM);
  g_subprocess_wait (p->proc, NULL, NULL);
  g_object_unref (p->proc);
  dir = g_path_get_dirname (p->log);
  reel_test_rmtree (dir);
  g_free (p->log);
  g_free (p->url);
  g_free (p);
}
