/* media/pipeline: template filling and quoting for gst-launch syntax. */
#include "core/error.h"
#include "media/pipeline.h"

#include <glib/gstdio.h>

static void
test_fill (void)
{
  g_autoptr (GHashTable) v = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_hash_table_insert (v, "src", "/data/blobs/originals/abc");
  g_hash_table_insert (v, "out", "/tmp/with space/\"q\"");
  g_hash_table_insert (v, "branch", "tee name=t ! queue");
  g_hash_table_insert (v, "n", "3");
  const char *raw[] = { "branch", NULL };
  g_autofree char *line = reel_pipeline_fill (
      "filesrc location={src} ! {branch} ! filesink location={out} x={n} caps={{}}", v, raw,
      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==,
                   "filesrc location=/data/blobs/originals/abc ! tee name=t ! queue ! filesink "
                   "location=\"/tmp/with space/\\\"q\\\"\" x=3 caps={}");
}

static void
test_missing (void)
{
  g_autoptr (GHashTable) v = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autofree char *line = reel_pipeline_fill ("a {nope} b", v, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "{nope}"));
  g_clear_error (&error);
  g_assert_null (reel_pipeline_fill ("a {open", v, NULL, &error));
}

static void
test_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("reel-pipe-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.pipeline", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (
      g_file_set_contents (path, "# comment {x}\nvideotestsrc\n  ! fakesink\n", -1, NULL));
  g_setenv ("REEL_PIPELINES_DIR", dir, TRUE);
  g_autofree char *text = reel_pipeline_load ("t", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "videotestsrc ! fakesink");
  g_assert_null (reel_pipeline_load ("../t", &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_unlink (path);
  g_rmdir (dir);
  g_unsetenv ("REEL_PIPELINES_DIR");
}

/* The credentials fragment: only what is set, each value quoted. */
static void
test_nats_auth (void)
{
  ReelNatsAuth none = { 0 };
  ReelNatsAuth some = { .token = "abc-_x", .tls_ca = "/etc/my ca.pem" };
  g_autofree char *empty = reel_pipeline_nats_auth (&none);
  g_autofree char *null = reel_pipeline_nats_auth (NULL);
  g_autofree char *line = reel_pipeline_nats_auth (&some);
  g_assert_cmpstr (empty, ==, "");
  g_assert_cmpstr (null, ==, "");
  g_assert_cmpstr (line, ==, "token=abc-_x tls-ca=\"/etc/my ca.pem\"");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pipeline/fill", test_fill);
  g_test_add_func ("/pipeline/missing", test_missing);
  g_test_add_func ("/pipeline/load", test_load);
  g_test_add_func ("/pipeline/nats-auth", test_nats_auth);
  return g_test_run ();
}
