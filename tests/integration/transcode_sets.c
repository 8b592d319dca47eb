/* The re-transcode tests of test-transcode (see test_transcode.c):
 * /transcode/retranscode and /transcode/retranscode-failed. */
#include "transcode_common.h"

#include <glib/gstdio.h>

void test_retranscode (void);
void test_retranscode_failed (void);

/* The URIs (lines that are not tags) of a playlist, and EXT-X-MAP's. */
static GPtrArray *
playlist_uris (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i]; i++)
    {
      const char *map = strstr (lines[i], "#EXT-X-MAP:URI=\"");
      if (map)
        g_ptr_array_add (out, g_strndup (map + 16, strcspn (map + 16, "\"")));
      else if (*lines[i] && lines[i][0] != '#')
        g_ptr_array_add (out, g_strdup (lines[i]));
    }
  return out;
}

/* GETs everything a master playlist's text names (media playlists, init
 * and media segments). TRUE when all were there; FALSE when a media
 * playlist was gone. Any other miss fails. */
static gboolean
set_there (guint16 port, const char *id, const char *master)
{
  g_autoptr (GPtrArray) variants = playlist_uris (master);
  g_assert_cmpuint (variants->len, >, 0);
  for (guint i = 0; i < variants->len; i++)
    {
      const char *name = variants->pdata[i];
      g_autofree char *ppath = g_strdup_printf ("/videos/%s/%s", id, name);
      g_autoptr (ReelTestResponse) p = reel_test_http (port, "GET", ppath, NULL, NULL, 0);
      g_autoptr (GPtrArray) files = NULL;
      if (p->status == 404)
        return FALSE;
      g_assert_cmpuint (p->status, ==, 200);
      files = playlist_uris (p->body);
      for (guint k = 0; k < files->len; k++)
        {
          g_autofree char *fpath = g_strdup_printf ("/videos/%s/%s", id, (char *)files->pdata[k]);
          g_autoptr (ReelTestResponse) f = reel_test_http (port, "HEAD", fpath, NULL, NULL, 0);
          if (f->status != 200)
            g_error ("%s named by %s: %u", fpath, name, f->status);
        }
    }
  return TRUE;
}

/* GETs the master playlist (*master gets its text) and everything it
 * names: set_there. */
static gboolean
whole_set (guint16 port, const char *id, char **master)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/master.m3u8", id);
  g_autoptr (ReelTestResponse) m = reel_test_http (port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (m->status, ==, 200);
  *master = g_strdup (m->body);
  return set_there (port, id, m->body);
}

/* Whether dir holds a file (at any depth). */
static gboolean
holds_files (const char *dir)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return FALSE;
  reel_test_list_files (dir, files);
  return files->len > 0;
}

/* What GET /api/v1/admin/videos/{id}/retranscode says. */
static ReelTestResponse *
retranscode_state (guint16 port, const char *token, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
  ReelTestResponse *r = reel_test_http (port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return r;
}

/* `reel retranscode [--status] ID` against d as token's user. */
static char *
reel_retranscode_cli (ReelTestReeld *d, const char *token, const char *option, const char *id)
{
  g_autofree char *server = g_strdup_printf ("--server=http://127.0.0.1:%u", d->port);
  g_autofree char *tok = g_strdup_printf ("--token=%s", token);
  const char *argv[]
      = { reel_test_env ("REEL_TEST_REEL"), "retranscode", server, tok, option, id, NULL };
  if (!option)
    {
      argv[4] = id;
      argv[5] = NULL;
    }
  return reel_test_run_ok (argv);
}

void
test_retranscode (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  const char *common = "[auth]\nadmins = rosa\n[cleanup]\ngrace_seconds = 20\n"
                       "interval_seconds = 1\n[media]\n";
  g_autofree char *before = g_strdup_printf ("%sladder = 360p:360:800,240p:240:400\n", common);
  g_autofree char *after = g_strdup_printf ("%sladder = 480p:480:1000,240p:240:400\n", common);
  g_autofree char *config = write_config (dir, before);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "rosa", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "Ball, twice");
  g_autofree char *old_360 = g_build_filename (dir, "blobs", "videos", id, "360p", NULL);
  g_autofree char *old_240 = g_build_filename (dir, "blobs", "videos", id, "240p", NULL);
  g_autofree char *master = NULL, *master_etag = NULL, *mpd_etag = NULL, *old_master = NULL;
  guint polls = 0, decoded = 0;
  gboolean switched = FALSE;

  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  g_assert_true (holds_files (old_360));
  /* What a player or a CDN holds of the old set (issue 13). */
  master_etag = etag_of (d->port, id, "master.m3u8", NULL, 200);
  mpd_etag = etag_of (d->port, id, "manifest.mpd", NULL, 200);

  /* The operator changes the ladder and restarts. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  g_free (write_config (dir, after));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  /* What a player that started before the re-transcode holds. */
  g_assert_true (whole_set (d->port, id, &old_master));
  {
    g_autofree char *out = reel_retranscode_cli (d, token, NULL, id);
    g_assert_nonnull (strstr (out, "rendition set 1 queued"));
  }
  /* Not an admin: 403; not a video: 404. */
  {
    g_autofree char *other = reel_test_register_login (d->port, "otto", PASSWORD);
    g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "POST", path, other, NULL, 0);
    g_autoptr (ReelTestResponse) none = reel_test_http (
        d->port, "POST", "/api/v1/admin/videos/AAAAAAAAAAA/retranscode", token, NULL, 0);
    g_assert_cmpuint (r->status, ==, 403);
    g_assert_cmpuint (none->status, ==, 404);
  }

  /* A player polling the master playlist: always a whole set. */
  for (gint64 end = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC; !switched;)
    {
      g_autofree char *text = NULL;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_assert_true (whole_set (d->port, id, &text));
      switched = strstr (text, "480p_1.m3u8") != NULL;
      if (!switched && decoded++ == 0)
        {
          g_autofree char *url = url_of (d->port, id, "master.m3u8");
          reel_test_assert_decodes (url);
        }
      g_free (master);
      master = g_steal_pointer (&text);
      polls++;
      g_usleep (100 * 1000);
    }
  g_test_message ("%u polls of the master playlist, %u while the old set was served", polls,
                  decoded);
  /* A player that read the master playlist before the switch keeps
   * playing the old set: its media playlists and segments are still there
   * (for the grace period), and they decode. */
  g_assert_nonnull (strstr (old_master, "\n360p.m3u8\n"));
  g_assert_true (set_there (d->port, id, old_master));
  {
    g_autofree char *url = url_of (d->port, id, "360p.m3u8");
    g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
    g_autofree char *out = reel_retranscode_cli (d, token, "--status", id);
    reel_test_assert_decodes (url);
    /* Admins see until when. */
    g_assert_nonnull (strstr (r->body, "\"retired\":{\"set\":0,\"until\":\""));
    g_assert_nonnull (strstr (out, "rendition set 0 still plays for viewers who started before"));
  }
  /* Revalidating what was cached before the switch gets the new set: the
   * playlist and the MPD have new ETags, not a 304. */
  {
    g_autofree char *m2 = etag_of (d->port, id, "master.m3u8", master_etag, 200);
    g_autofree char *d2 = etag_of (d->port, id, "manifest.mpd", mpd_etag, 200);
    g_autofree char *m3 = etag_of (d->port, id, "master.m3u8", m2, 304);
    g_assert_cmpstr (m2, !=, master_etag);
    g_assert_cmpstr (d2, !=, mpd_etag);
    g_assert_cmpstr (m3, ==, m2);
  }

  /* The new set: 480p_1 and 240p_1, no old rung; each frame once, the
   * source's length, continuous; it all decodes. */
  g_assert_nonnull (strstr (master, "RESOLUTION=852x480"));
  g_assert_nonnull (strstr (master, "\n240p_1.m3u8\n"));
  g_assert_null (strstr (master, "\n360p.m3u8\n"));
  g_assert_null (strstr (master, "\n240p.m3u8\n"));
  {
    const char *rungs[] = { "480p_1", "240p_1" };
    g_autofree char *url = url_of (d->port, id, "master.m3u8");
    reel_test_assert_decodes (url);
    assert_rungs_aligned (d->port, id, rungs, G_N_ELEMENTS (rungs));
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }

  /* The audit log keeps who asked. */
  {
    g_autoptr (ReelTestResponse) audit
        = reel_test_http (d->port, "GET", "/api/v1/admin/audit", token, NULL, 0);
    g_assert_cmpuint (audit->status, ==, 200);
    g_assert_nonnull (strstr (audit->body, "\"type\":\"video.retranscoding\",\"actor\":\"rosa\""));
  }

  /* The old set's segments are reclaimed once past the grace period, and
   * its media playlists are gone. */
  for (guint i = 0; holds_files (old_360) || holds_files (old_240); i++)
    {
      g_assert_cmpuint (i, <, 600);
      g_usleep (100 * 1000);
    }
  g_assert_false (set_there (d->port, id, old_master));
  {
    g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
    g_assert_null (strstr (r->body, "\"retired\""));
  }
  {
    g_autofree char *new_480 = g_build_filename (dir, "blobs", "videos", id, "480p_1", NULL);
    g_assert_true (holds_files (new_480));
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

void
test_retranscode_failed (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  const char *common
      = "max_attempts = 1\n[worker]\nconcurrency = 1\n[auth]\nadmins = rosa\n[media]\n";
  g_autofree char *before = g_strdup_printf ("%sladder = 360p:360:800,240p:240:400\n", common);
  g_autofree char *after = g_strdup_printf ("%sladder = 480p:480:1000,240p:240:400\n", common);
  g_autofree char *config = write_config (dir, before);
  const char *args[] = { config, NULL };
  const char *failing[] = { "REEL_TEST_FAULT=fail-chunks", NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "rosa", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "Ball, failing again");
  g_autofree char *master = NULL, *master_after = NULL, *out = NULL;
  g_autofree char *video_path = g_strdup_printf ("/api/v1/videos/%s", id);

  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  g_assert_true (whole_set (d->port, id, &master));

  /* The ladder changes, and every chunk job fails from now on. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  g_free (write_config (dir, after));
  d = reel_test_reeld_start_args (dir, NULL, failing, args);
  out = reel_retranscode_cli (d, token, NULL, id);
  g_assert_nonnull (strstr (out, "rendition set 1 queued"));
  for (guint i = 0;; i++)
    {
      g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
      if (strstr (r->body, "\"given_up\""))
        {
          g_test_message ("%s", r->body);
          g_assert_nonnull (strstr (r->body, "\"set\":0"));
          g_assert_nonnull (strstr (r->body, "\"given_up\":{\"set\":1,"));
          g_assert_nonnull (strstr (r->body, "injected failure"));
          g_assert_null (strstr (r->body, "\"next\""));
          break;
        }
      g_assert_cmpuint (i, <, 1200);
      g_usleep (100 * 1000);
    }
  /* Its other chunk jobs were cancelled with it: one chunk job was given
   * up, and no other runs. */
  g_usleep (2 * G_USEC_PER_SEC);
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_given_up_total{kind=\"chunk\"}"), ==, 1);
  g_free (out);
  out = reel_retranscode_cli (d, token, "--status", id);
  g_assert_nonnull (strstr (out, "serving rendition set 0"));
  g_assert_nonnull (strstr (out, "rendition set 1 failed: "));

  /* The video stays ready, with the set it had, whole and playing; its
   * owner is not told it failed. */
  {
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", video_path, NULL, NULL, 0);
    g_autoptr (ReelTestResponse) n
        = reel_test_http (d->port, "GET", "/api/v1/notifications", token, NULL, 0);
    g_autofree char *url = url_of (d->port, id, "master.m3u8");
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_null (strstr (v->body, "\"error\""));
    g_assert_cmpuint (n->status, ==, 200);
    g_assert_null (strstr (n->body, "video_failed"));
    g_assert_true (whole_set (d->port, id, &master_after));
    g_assert_cmpstr (master_after, ==, master);
    reel_test_assert_decodes (url);
  }

  /* Without the fault, the next re-transcode gets a newer set and
   * completes; the failure is forgotten. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_free (out);
  out = reel_retranscode_cli (d, token, NULL, id);
  g_assert_nonnull (strstr (out, "rendition set 2 queued"));
  for (guint i = 0;; i++)
    {
      g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
      if (strstr (r->body, "\"set\":2") && !strstr (r->body, "\"next\""))
        {
          g_assert_null (strstr (r->body, "\"given_up\""));
          break;
        }
      g_assert_cmpuint (i, <, 10 * READY_TIMEOUT_S);
      g_usleep (100 * 1000);
    }
  g_free (master_after);
  g_assert_true (whole_set (d->port, id, &master_after));
  g_assert_nonnull (strstr (master_after, "\n480p_2.m3u8\n"));
  {
    g_autofree char *url = url_of (d->port, id, "master.m3u8");
    reel_test_assert_decodes (url);
  }
  /* Not an admin: 403. */
  {
    g_autofree char *other = reel_test_register_login (d->port, "otto", PASSWORD);
    g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, other, NULL, 0);
    g_assert_cmpuint (r->status, ==, 403);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}
