/* The social tests of what goes out and what is left (see
 * test_social.c): /social/email, /social/events, /social/rebuild and
 * /social/cleanup. */
#include "social_common.h"

#include "replay.h"

#include <glib/gstdio.h>

void test_email (void);
void test_events (void);
void test_rebuild (void);
void test_cleanup (void);

void
test_email (void)
{
  g_autofree char *first = g_build_filename (S.mail, "1.eml", NULL);
  g_autofree char *second = g_build_filename (S.mail, "2.eml", NULL);
  g_autofree char *text = NULL;
  for (int i = 0; i < 600 && !g_file_test (first, G_FILE_TEST_EXISTS); i++)
    g_usleep (50 * 1000);
  g_assert_true (g_file_get_contents (first, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "X-Envelope-To: amy@example.org"));
  g_assert_nonnull (strstr (text, "Subject: Welcome to reel"));
  g_assert_nonnull (strstr (text, "From: reel <noreply@reel.test>"));
  /* bob and cat gave no address; nobody is emailed twice. */
  g_assert_false (g_file_test (second, G_FILE_TEST_EXISTS));
  g_assert_cmpfloat (reel_test_metric (S.d->port, "reel_emails_sent_total{kind=\"welcome\"}"), ==,
                     1);
}

void
test_events (void)
{
  guint64 last;
  g_autoptr (GPtrArray) lines = reel_test_event_log (S.nats->url, &last);
  const char *types[] = { "subscription.created", "subscription.deleted", "comment.posted",
                          "comment.edited",       "comment.deleted",      "notification.read",
                          "video.edited",         "video.deleted",        "video.cdn_pushed" };
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", types[t]);
      gboolean found = FALSE;
      for (guint i = 0; i < lines->len && !found; i++)
        found = strstr (lines->pdata[i], needle) != NULL;
      if (!found)
        g_printerr ("no %s event\n", types[t]);
      g_assert_true (found);
    }
  reel_test_validate_events (lines);
}

void
test_rebuild (void)
{
  g_autofree char *dump = NULL;

  dump = reel_test_stop_rebuild_same (g_steal_pointer (&S.d), S.nats->url, S.config);
  /* The dump holds every social table, with rows. */
  g_assert_nonnull (strstr (dump, "subscribers"));
  g_assert_nonnull (strstr (dump, "search_postings"));
  g_assert_nonnull (strstr (dump, "notifications"));
  /* And each core projection rebuilt alone gives the same tables. */
  g_assert_cmpuint (reel_test_rebuild_each_alone (S.dir, S.nats->url, S.config), >=, 10);
}

/* --- acceptance 6 --- */

static void
plant (const char *root, const char *key, gsize size)
{
  g_autofree char *path = g_build_filename (root, key, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = g_malloc0 (size);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, data, (gssize)size, NULL));
}

void
test_cleanup (void)
{
  g_autofree char *blobs = g_build_filename (S.dir, "blobs", NULL);
  g_autofree char *config = g_build_filename (S.media, "cleanup.conf", NULL);
  g_autofree char *part = g_strdup_printf ("uploads/%s.part", S.abandoned);
  g_autofree char *stray = g_strdup_printf ("videos/%s/240p/999.m4s", S.v1);
  g_autofree char *tmp = g_strdup_printf ("videos/%s/240p/0.m4s.tmp-AbC123", S.v1);
  g_autofree char *poster = g_strdup_printf ("videos/%s/poster.jpg", S.v1);
  g_autofree char *poster_small = g_strdup_printf ("videos/%s/poster-small.jpg", S.v1);
  g_autofree char *old_poster = g_strdup_printf ("videos/%s/poster-0123456789ab.jpg", S.v1);
  g_autofree char *old_small = g_strdup_printf ("videos/%s/poster-0123456789ab-small.jpg", S.v1);
  g_autofree char *abandoned = g_strdup_printf ("/api/v1/videos/%s", S.abandoned);
  g_autoptr (GPtrArray) referenced = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cdn_referenced = g_ptr_array_new_with_free_func (g_free);
  const char *orphans[] = { "originals/ZZZZZZZZZZZ", "videos/ZZZZZZZZZZZ/240p/0.m4s", NULL };

  g_assert_true (file_exists (S.dir, part));
  /* What v1 (published, on the CDN) references, before any orphan exists. */
  reel_test_list_files (blobs, referenced);
  reel_test_list_files (S.cdn, cdn_referenced);
  g_assert_cmpuint (referenced->len, >=, 4);
  /* Orphans: a video that does not exist, a segment v1's chunk table does
   * not name, an interrupted write; and keys of a layout cleanup does not
   * know, which it must leave alone. */
  plant (blobs, orphans[0], 1000);
  plant (blobs, orphans[1], 500);
  plant (blobs, stray, 300);
  plant (blobs, tmp, 200);
  plant (S.cdn, orphans[1], 100);
  plant (blobs, "posters/ZZZZZZZZZZZ.jpg", 10);
  plant (blobs, poster, 10);
  /* A custom poster v1 showed before, and its small copy. */
  plant (blobs, old_poster, 40);
  plant (blobs, old_small, 20);
  /* Past the grace period (1 s) for everything, referenced or not. */
  g_usleep (1500 * 1000);
  write_config (config, "[cleanup]\ngrace_seconds = 1\ninterval_seconds = 1\n");
  start_reeld (config);
  /* v1 gets a poster of its owner's choosing: kept, as the first one is. */
  {
    g_autofree char *png_path = reel_test_make_media (
        S.media, "poster.png",
        "videotestsrc pattern=smpte num-buffers=1 ! video/x-raw,width=320,height=240 "
        "! pngenc ! filesink location=%s");
    g_autofree char *png = NULL;
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/thumbnail", S.v1);
    gsize png_len;
    g_assert_true (g_file_get_contents (png_path, &png, &png_len, NULL));
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (S.d->port, "PUT", path, S.amy, NULL, "image/png", png, png_len);
    g_assert_cmpuint (r->status, ==, 204);
  }
  for (int i = 0; i < 400; i++)
    {
      if (reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"blobs\"}") >= 6
          && reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"cdn\"}") >= 1
          && reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"uploads\"}") >= 1)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_cmpfloat (reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"blobs\"}"),
                     ==, 6);
  g_assert_cmpfloat (
      reel_test_metric (S.d->port, "reel_blobs_reclaimed_bytes_total{store=\"blobs\"}"), ==,
      1000 + 500 + 300 + 200 + 40 + 20);
  g_assert_cmpfloat (
      reel_test_metric (S.d->port, "reel_blobs_reclaimed_bytes_total{store=\"cdn\"}"), ==, 100);
  g_assert_cmpfloat (
      reel_test_metric (S.d->port, "reel_blobs_reclaimed_bytes_total{store=\"uploads\"}"), ==, 400);
  /* The orphans and the abandoned upload are gone, its video aborted... */
  for (guint i = 0; orphans[i]; i++)
    g_assert_false (file_exists (blobs, orphans[i]));
  g_assert_false (file_exists (blobs, stray));
  g_assert_false (file_exists (blobs, tmp));
  g_assert_false (file_exists (blobs, old_poster));
  g_assert_false (file_exists (blobs, old_small));
  g_assert_false (file_exists (S.cdn, orphans[1]));
  g_assert_false (file_exists (S.dir, part));
  EXPECT (404, "GET", abandoned, NULL, NULL);
  /* ...and nothing referenced or unknown was touched, even after more sweeps. */
  g_usleep (2500 * 1000);
  for (guint i = 0; i < referenced->len; i++)
    g_assert_true (file_exists (blobs, referenced->pdata[i]));
  for (guint i = 0; i < cdn_referenced->len; i++)
    g_assert_true (file_exists (S.cdn, cdn_referenced->pdata[i]));
  g_assert_true (file_exists (blobs, "posters/ZZZZZZZZZZZ.jpg"));
  g_assert_true (file_exists (blobs, poster));
  g_assert_true (file_exists (blobs, poster_small));
  {
    /* The custom poster v1 shows now, and its small copy, stay. */
    g_autofree char *v1_dir = g_build_filename (blobs, "videos", S.v1, NULL);
    g_autoptr (GDir) d = g_dir_open (v1_dir, 0, NULL);
    const char *name;
    guint custom = 0;
    while (d && (name = g_dir_read_name (d)))
      if (g_str_has_prefix (name, "poster-") && !g_str_equal (name, "poster-small.jpg"))
        custom++;
    g_assert_cmpuint (custom, ==, 2);
  }
  {
    g_autofree char *master = g_strdup_printf ("/videos/%s/master.m3u8", S.v1);
    g_autofree char *segment = g_strdup_printf ("/videos/%s/240p/0.m4s", S.v1);
    g_autoptr (ReelTestResponse) m = get (master, NULL);
    g_autoptr (ReelTestResponse) s = get (segment, NULL);
  }
  g_assert_cmpfloat (reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"blobs\"}"),
                     ==, 6);
}
