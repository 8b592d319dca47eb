/* store/blobs: the interface every backend implements, on the filesystem
 * backend (the S3 one runs the same calls against a real S3 server in
 * tests/integration/test_s3_store.c); key checks; choosing the backend from
 * the configuration; atomic writes leave nothing behind, and the temporary
 * file of an interrupted write is told from one in progress by its lock. */
#include "core/error.h"
#include "core/settings.h"
#include "store/blobs.h"
#include "support/blob-helpers.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static void
rmtree (const char *dir)
{
  g_autoptr (GFile) f = g_file_new_for_path (dir);
  g_autoptr (GFileEnumerator) e
      = g_file_enumerate_children (f, G_FILE_ATTRIBUTE_STANDARD_NAME, 0, NULL, NULL);
  GFileInfo *info;
  while (e && (info = g_file_enumerator_next_file (e, NULL, NULL)))
    {
      g_autofree char *child = g_build_filename (dir, g_file_info_get_name (info), NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rmtree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (dir);
}

typedef struct
{
  char *dir;
  ReelBlobs *blobs;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("reel-blobs-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *root = g_build_filename (f->dir, "blobs", NULL);
  f->blobs = reel_blobs_open (root, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  reel_blobs_close (f->blobs);
  rmtree (f->dir);
  g_free (f->dir);
}

static void
test_keys (void)
{
  const char *good[] = { "originals/AbC_d-3fGh1", "videos/x/720p/3.m4s", "a", "a.b/c-d_e" };
  const char *bad[] = { "",    "/abs", "a//b", "a/../b", "..",  ".",    "a/./b",
                        "a b", "a/b/", "ä",    "a\\b",   "a?b", "a%2Fb" };
  g_autofree char *long_key = g_strnfill (513, 'a');
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (reel_blobs_key_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (reel_blobs_key_valid (bad[i]));
  g_assert_false (reel_blobs_key_valid (NULL));
  g_assert_false (reel_blobs_key_valid (long_key));
}

static void
test_put_read (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (200000, 0);
  g_autoptr (GBytes) got = NULL;
  ReelBlobInfo info;

  g_assert_cmpstr (reel_blobs_backend_name (f->blobs), ==, "fs");
  g_assert_true (reel_blobs_put (f->blobs, "videos/v1/720p/1.m4s", all, &error));
  g_assert_no_error (error);

  got = blob_read_range (f->blobs, "videos/v1/720p/1.m4s", 0, 0, &error);
  g_assert_no_error (error);
  blob_assert_slice (got, all, 0, 200000);
  g_clear_pointer (&got, g_bytes_unref);

  /* Ranges: inside, across the copy buffer, cut at the end. */
  got = blob_read_range (f->blobs, "videos/v1/720p/1.m4s", 1000, 70000, &error);
  blob_assert_slice (got, all, 1000, 70000);
  g_clear_pointer (&got, g_bytes_unref);
  got = blob_read_range (f->blobs, "videos/v1/720p/1.m4s", 199990, 0, &error);
  blob_assert_slice (got, all, 199990, 10);
  g_clear_pointer (&got, g_bytes_unref);
  got = blob_read_range (f->blobs, "videos/v1/720p/1.m4s", 199990, 100, &error);
  blob_assert_slice (got, all, 199990, 10);
  g_clear_pointer (&got, g_bytes_unref);

  /* Past the end, and absent. */
  g_assert_null (blob_read_range (f->blobs, "videos/v1/720p/1.m4s", 200000, 1, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (blob_read_range (f->blobs, "videos/v1/720p/2.m4s", 0, 0, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (reel_blobs_stat (f->blobs, "videos/v1/720p/2.m4s", &info, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A "directory" is no blob. */
  g_assert_false (reel_blobs_stat (f->blobs, "videos/v1", &info, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (reel_blobs_stat (f->blobs, "videos/v1/720p/1.m4s", &info, &error));
  g_assert_cmpuint (info.size, ==, 200000);
  g_assert_cmpint (info.mtime_s, >, 0);
  g_assert_cmpint (ABS (info.mtime_s - g_get_real_time () / G_USEC_PER_SEC), <, 3600);
  {
    g_autofree char *etag = g_strdup_printf ("\"200000-%" G_GINT64_FORMAT "\"", info.mtime_s);
    g_assert_cmpstr (info.etag, ==, etag);
  }
}

static void
test_get_small (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) text = g_bytes_new_static ("#EXTM3U\n", 8);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) got = NULL;

  g_assert_true (reel_blobs_put (f->blobs, "p.m3u8", text, &error));
  got = reel_blobs_get (f->blobs, "p.m3u8", 8, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, text));
  g_clear_pointer (&got, g_bytes_unref);
  g_assert_null (reel_blobs_get (f->blobs, "p.m3u8", 7, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_true (reel_blobs_put (f->blobs, "empty", empty, &error));
  got = reel_blobs_get (f->blobs, "empty", 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 0);
}

static void
test_put_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (100000, 0);
  g_autofree char *src = g_build_filename (f->dir, "upload.part", NULL);
  g_autofree char *path = NULL;
  g_autoptr (GBytes) got = NULL;

  g_assert_true (g_file_set_contents (src, g_bytes_get_data (all, NULL), 100000, NULL));
  g_assert_true (reel_blobs_put_file (f->blobs, "originals/v1", src, &error));
  g_assert_no_error (error);
  /* Moved, not copied. */
  g_assert_false (g_file_test (src, G_FILE_TEST_EXISTS));
  path = reel_blobs_local_path (f->blobs, "originals/v1", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "/blobs/originals/v1"));
  got = blob_read_range (f->blobs, "originals/v1", 0, 0, &error);
  blob_assert_slice (got, all, 0, 100000);

  g_assert_null (reel_blobs_local_path (f->blobs, "originals/v2", &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (reel_blobs_put_file (f->blobs, "originals/v3", src, &error));
  g_assert_nonnull (error);
}

static void
test_presign (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (1000, 0);
  g_autofree char *uri = NULL, *path = NULL, *want = NULL;

  g_assert_true (reel_blobs_put (f->blobs, "originals/v1", all, &error));
  uri = reel_blobs_presign (f->blobs, "originals/v1", 3600, &error);
  g_assert_no_error (error);
  path = reel_blobs_local_path (f->blobs, "originals/v1", &error);
  want = g_filename_to_uri (path, NULL, NULL);
  g_assert_cmpstr (uri, ==, want);
  g_assert_null (reel_blobs_presign (f->blobs, "originals/v2", 3600, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
}

static gboolean
collect (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  g_ptr_array_add (data, g_strdup_printf ("%s=%" G_GUINT64_FORMAT, key, size));
  return TRUE;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

static gboolean
stop_at_first (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  (*(guint *)data)++;
  return FALSE;
}

static void
test_list_delete (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  const char *names[]
      = { "videos/a/720p/1.m4s", "videos/a/720p/2.m4s", "videos/ab/init.mp4", "originals/a" };
  g_autofree char *dir = NULL;
  guint calls = 0;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) b = blob_pattern (10 + i, 0);
      g_assert_true (reel_blobs_put (f->blobs, names[i], b, &error));
    }
  g_assert_true (reel_blobs_list (f->blobs, "videos/a/", collect, keys, &error));
  g_ptr_array_sort (keys, cmp_str);
  g_assert_cmpuint (keys->len, ==, 2);
  g_assert_cmpstr (keys->pdata[0], ==, "videos/a/720p/1.m4s=10");
  g_assert_cmpstr (keys->pdata[1], ==, "videos/a/720p/2.m4s=11");
  g_ptr_array_set_size (keys, 0);
  g_assert_true (reel_blobs_list (f->blobs, "videos/a", collect, keys, &error));
  g_assert_cmpuint (keys->len, ==, 3);
  g_ptr_array_set_size (keys, 0);
  g_assert_true (reel_blobs_list (f->blobs, "", collect, keys, &error));
  g_assert_cmpuint (keys->len, ==, 4);
  g_assert_true (reel_blobs_list (f->blobs, "", stop_at_first, &calls, &error));
  g_assert_cmpuint (calls, ==, 1);

  /* Deleting prunes the directories left empty; absent is fine. */
  g_assert_true (reel_blobs_delete (f->blobs, "videos/ab/init.mp4", &error));
  g_assert_true (reel_blobs_delete (f->blobs, "videos/ab/init.mp4", &error));
  g_assert_no_error (error);
  dir = g_build_filename (f->dir, "blobs", "videos", "ab", NULL);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_ptr_array_set_size (keys, 0);
  g_assert_true (reel_blobs_list (f->blobs, "videos/", collect, keys, &error));
  g_assert_cmpuint (keys->len, ==, 2);

  /* Invalid keys never reach the backend. */
  g_assert_false (reel_blobs_delete (f->blobs, "../x", &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
}

/* The configuration picks the backend; an S3 one is checked when opened
 * and never offers local files. */
static void
test_open_config (void)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelBlobs) fs = NULL, s3 = NULL;
  g_autofree char *dir = g_dir_make_tmp ("reel-blobs-XXXXXX", NULL);
  g_autofree char *url = NULL;

  g_assert_true (reel_config_set (cfg, "reeld.data_dir", dir, &error));
  fs = reel_blobs_open_config (cfg, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reel_blobs_backend_name (fs), ==, "fs");

  g_assert_true (reel_config_set (cfg, "blobs.backend", "s3", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_access_key", "AK", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_secret_key", "SK", &error));
  /* No bucket yet. */
  g_assert_null (reel_blobs_open_config (cfg, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "blobs.s3_bucket"));
  g_clear_error (&error);
  g_assert_true (reel_config_set (cfg, "blobs.s3_bucket", "Bad_Bucket", &error));
  g_assert_null (reel_blobs_open_config (cfg, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (reel_config_set (cfg, "blobs.s3_bucket", "reel-media", &error));
  s3 = reel_blobs_open_config (cfg, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reel_blobs_backend_name (s3), ==, "s3");
  g_assert_null (reel_blobs_local_path (s3, "originals/v1", &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  /* No endpoint: AWS's own for the region, path-style by default. */
  url = reel_blobs_presign (s3, "originals/v1", 60, &error);
  g_assert_no_error (error);
  g_assert_true (
      g_str_has_prefix (url, "https://s3.us-east-1.amazonaws.com/reel-media/originals/v1?"));
  g_assert_null (reel_blobs_presign (s3, "originals/v1", 8 * 24 * 3600, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_clear_error (&error);

  /* Credentials from the environment when the config has none. */
  g_assert_true (reel_config_set (cfg, "blobs.s3_access_key", "", &error));
  g_assert_true (reel_config_set (cfg, "blobs.s3_secret_key", "", &error));
  g_unsetenv ("AWS_ACCESS_KEY_ID");
  g_unsetenv ("AWS_SECRET_ACCESS_KEY");
  g_assert_null (reel_blobs_open_config (cfg, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "AWS_ACCESS_KEY_ID"));
  g_clear_error (&error);
  g_setenv ("AWS_ACCESS_KEY_ID", "ENVKEY", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "ENVSECRET", TRUE);
  g_clear_pointer (&s3, reel_blobs_close);
  g_clear_pointer (&url, g_free);
  s3 = reel_blobs_open_config (cfg, &error);
  g_assert_no_error (error);
  url = reel_blobs_presign (s3, "originals/v1", 60, &error);
  g_assert_nonnull (strstr (url, "X-Amz-Credential=ENVKEY%2F"));

  g_clear_pointer (&fs, reel_blobs_close);
  rmtree (dir);
}

/* --- temporary files of writes --- */

static char *
root (void)
{
  char *dir = g_dir_make_tmp ("reel-unit-blobs-XXXXXX", NULL);
  g_assert_nonnull (dir);
  return dir;
}

static void
rm_rf (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        rm_rf (path);
      else
        g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_rmdir (dir);
}

static gboolean
count_key (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  g_ptr_array_add (data, g_strdup (key));
  return TRUE;
}

static GPtrArray *
keys (ReelBlobs *blobs)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (reel_blobs_list (blobs, "", count_key, out, NULL));
  return out;
}

/* A temporary file as a writer leaves it, unlocked (the writer is gone). */
static char *
plant (const char *dir, const char *key)
{
  g_autofree char *path = g_build_filename (dir, key, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "partial", -1, NULL));
  return g_steal_pointer (&path);
}

static void
test_put_leaves_nothing (void)
{
  g_autofree char *dir = root ();
  g_autoptr (ReelBlobs) blobs = reel_blobs_open (dir, NULL);
  g_autoptr (GBytes) data = g_bytes_new_static ("segment", 7);
  g_autoptr (GPtrArray) listed = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (reel_blobs_put (blobs, "videos/abc/240p/0.m4s", data, &error));
  g_assert_no_error (error);
  listed = keys (blobs);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (listed->pdata[0], ==, "videos/abc/240p/0.m4s");
  g_assert_false (reel_blobs_is_temp ("videos/abc/240p/0.m4s"));
  g_assert_true (reel_blobs_is_temp ("videos/abc/240p/0.m4s.tmp-Ab12Cd"));
  rm_rf (dir);
}

static void
test_reap_temp (void)
{
  g_autofree char *dir = root ();
  g_autoptr (ReelBlobs) blobs = reel_blobs_open (dir, NULL);
  const char *key = "videos/abc/240p/1.m4s.tmp-Ab12Cd";
  g_autofree char *path = plant (dir, key);
  g_autoptr (GError) error = NULL;
  ReelBlobsWrite state;
  int fd, status, ready[2];
  char byte;
  pid_t child;

  /* Locked by a live writer (another open file description): kept. */
  fd = open (path, O_RDONLY);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  g_assert_true (reel_blobs_reap_temp (blobs, key, &state, &error));
  g_assert_cmpint (state, ==, REEL_BLOBS_WRITE_IN_PROGRESS);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  close (fd);

  /* Held by another process, which then dies: reaped at once. */
  g_assert_cmpint (pipe (ready), ==, 0);
  child = fork ();
  if (child == 0)
    {
      int cfd = open (path, O_RDONLY);
      if (cfd < 0 || flock (cfd, LOCK_EX) != 0 || write (ready[1], "x", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  close (ready[0]);
  g_assert_true (reel_blobs_reap_temp (blobs, key, &state, &error));
  g_assert_cmpint (state, ==, REEL_BLOBS_WRITE_IN_PROGRESS);
  g_assert_cmpint (kill (child, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (reel_blobs_reap_temp (blobs, key, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, REEL_BLOBS_WRITE_ABANDONED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Gone already (renamed into place): nothing to do. */
  g_assert_true (reel_blobs_reap_temp (blobs, key, &state, &error));
  g_assert_cmpint (state, !=, REEL_BLOBS_WRITE_ABANDONED);
  rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/blobs/keys", test_keys);
  g_test_add ("/blobs/fs/put-read", Fixture, NULL, setup, test_put_read, teardown);
  g_test_add ("/blobs/fs/get-small", Fixture, NULL, setup, test_get_small, teardown);
  g_test_add ("/blobs/fs/put-file", Fixture, NULL, setup, test_put_file, teardown);
  g_test_add ("/blobs/fs/presign", Fixture, NULL, setup, test_presign, teardown);
  g_test_add ("/blobs/fs/list-delete", Fixture, NULL, setup, test_list_delete, teardown);
  g_test_add_func ("/blobs/open-config", test_open_config);
  g_test_add_func ("/blobs/put-leaves-nothing", test_put_leaves_nothing);
  g_test_add_func ("/blobs/reap-temp", test_reap_temp);
  return g_test_run ();
}
