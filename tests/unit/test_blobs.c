/* store/blobs: atomic writes leave nothing behind, and the temporary file
 * of an interrupted write is told from one in progress by its lock. */
#include "store/blobs.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

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
  g_test_add_func ("/blobs/put-leaves-nothing", test_put_leaves_nothing);
  g_test_add_func ("/blobs/reap-temp", test_reap_temp);
  return g_test_run ();
}
