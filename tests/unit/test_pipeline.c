/* media/pipeline: template filling and quoting for gst-launch syntax;
 * media/niceness: what background work waits for. */
#include "core/error.h"
#include "media/niceness.h"
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

/* Two uploads queued together: the background work waits until both
 * first chunks have run, and no longer than an expected one is late. */
static void
test_first_chunks (void)
{
  ReelFirstChunks g = { 0 };
  gint64 until;
  const gint64 expect = 2 * G_USEC_PER_SEC;

  g_assert_false (reel_first_chunks_hold (&g, 0, &until));
  reel_first_chunks_expect (&g, 0, expect);
  reel_first_chunks_expect (&g, 100, expect);
  g_assert_true (reel_first_chunks_hold (&g, 200, &until));
  g_assert_cmpint (until, ==, 100 + expect);
  /* The first upload's chunk runs and ends: the second's is still due. */
  reel_first_chunks_begin (&g);
  g_assert_true (reel_first_chunks_hold (&g, 300, &until));
  g_assert_cmpint (until, ==, G_MAXINT64);
  reel_first_chunks_end (&g);
  g_assert_true (reel_first_chunks_hold (&g, 400, &until));
  g_assert_cmpint (until, ==, 100 + expect);
  /* It runs and ends: nothing left to wait for. */
  reel_first_chunks_begin (&g);
  reel_first_chunks_end (&g);
  g_assert_false (reel_first_chunks_hold (&g, 500, &until));

  /* An expected chunk another node took is late after expect_us. */
  reel_first_chunks_expect (&g, 1000, expect);
  g_assert_true (reel_first_chunks_hold (&g, 1000 + expect - 1, &until));
  g_assert_false (reel_first_chunks_hold (&g, 1000 + expect, &until));
  /* A running chunk holds whatever is expected. */
  reel_first_chunks_begin (&g);
  g_assert_true (reel_first_chunks_hold (&g, 10 * expect, &until));
  reel_first_chunks_end (&g);
  g_assert_false (reel_first_chunks_hold (&g, 10 * expect, &until));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pipeline/fill", test_fill);
  g_test_add_func ("/pipeline/missing", test_missing);
  g_test_add_func ("/pipeline/load", test_load);
  g_test_add_func ("/pipeline/nats-auth", test_nats_auth);
  g_test_add_func ("/niceness/first-chunks", test_first_chunks);
  return g_test_run ();
}
