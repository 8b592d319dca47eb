/* The hardening tests of uploads in progress and what they leave (see
 * test_hardening.c): /hardening/upload-cap, completion-window and
 * sweep. */
#include "hardening_common.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/types.h>
#include <utime.h>

void test_upload_cap (void);
void test_completion_window (void);
void test_sweep (void);

/* --- uploads in progress: per-user cap and stalled PATCH takeover --- */

void
test_upload_cap (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config
      = write_config (dir, "[uploads]\nlock_timeout_seconds = 2\nmax_concurrent_per_user = 2\n");
  ReelTestReeld *d = reel_test_reeld_start_config (dir, nats->url, config);
  g_autofree char *token = reel_test_register_login (d->port, "omar", PASSWORD);
  g_autofree char *other = reel_test_register_login (d->port, "olga", PASSWORD);
  const gsize N = 200000;
  g_autofree guint8 *data = g_malloc (N);
  g_autofree char *id1 = NULL, *id2 = NULL, *id3 = NULL, *id4 = NULL;
  g_autoptr (GSocketConnection) c1 = NULL, c2 = NULL;
  guint64 offset = 0;

  for (gsize i = 0; i < N; i++)
    data[i] = (guint8)(i * 13 + 5);
  id1 = reel_test_tus_create (d->port, token, N, "one");
  id2 = reel_test_tus_create (d->port, token, N, "two");
  id3 = reel_test_tus_create (d->port, token, N, "three");
  id4 = reel_test_tus_create (d->port, other, N, "four");

  /* Two PATCHes stall half-way. */
  c1 = patch_open (d->port, token, id1, 0, data, N, N / 2);
  c2 = patch_open (d->port, token, id2, 0, data, N, N / 2);
  for (guint i = 0;
       i < 500
       && (head_offset (d->port, token, id1) < N / 2 || head_offset (d->port, token, id2) < N / 2);
       i++)
    g_usleep (10 * 1000);

  /* A third upload of the same user, tus or one-shot, waits its turn... */
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id3, 0, data, 1000);
    expect_error (r, 429, "rate_limited", "third PATCH");
    g_assert_nonnull (reel_test_header (r, "Retry-After"));
  }
  {
    gsize len;
    g_autofree char *body = multipart_body ("b0und", 0, 5, 0, &len);
    g_autoptr (ReelTestResponse) r = post_multipart (d->port, token, body, len);
    expect_error (r, 429, "rate_limited", "one-shot upload over the cap");
  }
  /* ... while another user's is not affected. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, other, id4, 0, data, 1000);
    g_assert_cmpuint (r->status, ==, 204);
  }

  /* A retry of a stalled upload is refused while the stalled PATCH might
   * still be alive, and takes over once it has been silent for
   * lock_timeout_seconds (2 s here). */
  offset = head_offset (d->port, token, id1);
  g_assert_cmpuint (offset, ==, N / 2);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_tus_patch (d->port, token, id1, offset, data + offset, N - offset);
    expect_error (r, 409, "conflict", "PATCH while another writes");
  }
  {
    g_autoptr (ReelTestResponse) r = NULL;
    for (guint i = 0; i < 100; i++)
      {
        g_clear_pointer (&r, reel_test_response_free);
        r = reel_test_tus_patch (d->port, token, id1, offset, data + offset, N - offset);
        if (r->status != 409)
          break;
        g_usleep (100 * 1000);
      }
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10), ==, N);
  }
  /* The stalled PATCH wakes up: nothing more of it is written. */
  {
    g_autoptr (RawAnswer) a = NULL;
    raw_send (c1, data + N / 2, N / 4);
    a = raw_read_answer (c1);
    g_assert_true (a->status == 409 || a->status == 0);
  }
  {
    g_autofree char *blob = g_build_filename (dir, "blobs", "originals", id1, NULL);
    g_autofree char *stored = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (blob, &stored, &len, NULL));
    g_assert_cmpuint (len, ==, N);
    g_assert_cmpint (memcmp (stored, data, N), ==, 0);
  }
  /* id1 is done and its stalled PATCH refused: omar writes only id2 now,
   * so id3 may go (once the server has let go of the finished requests). */
  {
    g_autoptr (ReelTestResponse) r = NULL;
    for (guint i = 0; i < 100; i++)
      {
        g_clear_pointer (&r, reel_test_response_free);
        r = reel_test_tus_patch (d->port, token, id3, 0, data, 1000);
        if (r->status != 429)
          break;
        g_usleep (50 * 1000);
      }
    g_assert_cmpuint (r->status, ==, 204);
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* --- the tus completion window --- */

static char *
make_clip (const char *dir, const char *name)
{
  return reel_test_make_media (
      dir, name,
      "videotestsrc pattern=ball num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
}

void
test_completion_window (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  const char *const fault[] = { "REEL_TEST_FAULT=kill-before-uploaded", NULL };
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, fault);
  g_autofree char *token = reel_test_register_login (d->port, "pia", PASSWORD);
  g_autofree char *clip_a = make_clip (media, "a.mp4");
  g_autofree char *clip_b = make_clip (media, "b.mp4");
  g_autofree char *data_a = NULL, *data_b = NULL;
  gsize len_a, len_b;
  g_autofree char *id_a = NULL, *id_b = NULL;

  g_assert_true (g_file_get_contents (clip_a, &data_a, &len_a, NULL));
  g_assert_true (g_file_get_contents (clip_b, &data_b, &len_b, NULL));
  id_a = reel_test_tus_create (d->port, token, len_a, "kill a");
  id_b = reel_test_tus_create (d->port, token, len_b, "kill b");

  /* The last PATCH of a: reeld dies once the file is in the blob store. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id_a, 0, data_a, len_a);
    g_assert_cmpuint (r->status, ==, 0);
    g_assert_cmpint (reel_test_reeld_wait_killed (d), ==, SIGKILL);
    reel_test_reeld_free (d);
  }
  /* Same for b, with the fault still armed: HEAD of a finishes it without
   * moving any file, so it survives. */
  d = reel_test_reeld_start (dir, nats->url, fault);
  {
    g_autofree char *part = g_strdup_printf ("%s/uploads/%s.part", dir, id_a);
    g_autoptr (ReelTestResponse) v = NULL;
    g_autofree char *vpath = g_strdup_printf ("/api/v1/videos/%s", id_a);
    /* The window: the bytes are stored, the log still says uploading. */
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    v = reel_test_http (d->port, "GET", vpath, NULL, NULL, 0);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "uploading");
    g_assert_cmpuint (head_offset (d->port, token, id_a), ==, len_a);
  }
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id_b, 0, data_b, len_b);
    g_assert_cmpuint (r->status, ==, 0);
    g_assert_cmpint (reel_test_reeld_wait_killed (d), ==, SIGKILL);
    reel_test_reeld_free (d);
  }
  /* b resumes the way a tus client does: HEAD says all is there, so the
   * client sends its final empty PATCH at that offset. */
  d = reel_test_reeld_start (dir, nats->url, NULL);
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id_b, len_b, "", 0);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10), ==,
                      len_b);
  }
  {
    g_autoptr (ReelTestResponse) a = reel_test_wait_state (d->port, id_a, "ready|failed", 300);
    g_autoptr (ReelTestResponse) b = reel_test_wait_state (d->port, id_b, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (a, "state"), ==, "ready");
    g_assert_cmpstr (reel_test_json_str (b, "state"), ==, "ready");
  }
  {
    guint64 last_seq;
    g_autoptr (GPtrArray) log = reel_test_event_log (nats->url, &last_seq);
    guint uploaded = 0;
    for (guint i = 0; i < log->len; i++)
      uploaded += strstr (log->pdata[i], "\"video.uploaded\"") != NULL;
    g_assert_cmpuint (uploaded, ==, 2);
    reel_test_validate_events (log);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* --- the janitor --- */

static void
make_old (const char *path)
{
  struct utimbuf t = { 1000000000, 1000000000 }; /* 2001 */
  g_assert_cmpint (utime (path, &t), ==, 0);
}

/* The rows of one database in an `mdb_dump -a -p` (a key line and a
 * value line each, between HEADER=END and DATA=END). */
static guint
count_rows (const char *dump, const char *db)
{
  g_autofree char *marker = g_strdup_printf ("\ndatabase=%s\n", db);
  const char *start = strstr (dump, marker), *data, *end;
  guint lines = 0;
  g_assert_nonnull (start);
  data = strstr (start, "HEADER=END\n");
  end = strstr (start, "DATA=END");
  g_assert_true (data && end && data < end);
  for (const char *p = data + strlen ("HEADER=END\n"); p < end; p++)
    lines += *p == '\n';
  return lines / 2;
}

void
test_sweep (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (
      dir, "[cleanup]\ngrace_seconds = 2\ninterval_seconds = 2\n[auth]\nsession_ttl_seconds = 3\n");
  ReelTestReeld *d = reel_test_reeld_start_config (dir, nats->url, config);
  g_autofree char *token = reel_test_register_login (d->port, "quinn", PASSWORD);
  g_autofree char *id = reel_test_tus_create (d->port, token, 1000, "never sent");
  g_autofree char *vpath = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autofree char *temp = g_build_filename (dir, "uploads", "multipart-AbCdEf.tmp", NULL);
  g_autofree char *work = g_build_filename (dir, "work", NULL);
  g_autofree char *job = g_build_filename (work, "deadjob-x-123456", NULL);
  g_autofree char *job_file = g_build_filename (job, "out.mp4", NULL);
  g_autofree char *lmdb = NULL;
  gboolean gone = FALSE;
  guint sessions = 0;

  g_assert_true (g_file_set_contents (temp, "left by a request that died", -1, NULL));
  g_assert_cmpint (g_mkdir_with_parents (job, 0700), ==, 0);
  g_assert_true (g_file_set_contents (job_file, "left by a job that died", -1, NULL));
  make_old (temp);
  make_old (job_file);
  make_old (job);

  /* The session expires after 3 s; the record without bytes after the 2 s
   * grace; the sweep runs every 2 s. */
  for (guint i = 0; i < 300 && !gone; i++)
    {
      g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", vpath, NULL, NULL, 0);
      g_autoptr (ReelTestResponse) me
          = reel_test_http (d->port, "GET", "/api/v1/sessions/current", token, NULL, 0);
      g_free (lmdb);
      lmdb = reel_test_dump_lmdb (dir);
      sessions = count_rows (lmdb, "sessions");
      gone = v->status == 404 && me->status == 401 && !g_file_test (temp, G_FILE_TEST_EXISTS)
             && !g_file_test (job, G_FILE_TEST_EXISTS) && sessions == 0;
      if (!gone)
        g_usleep (100 * 1000);
    }
  /* The upload record, the temporary file, the dead job's directory, and
   * the expired session's row. */
  if (!gone)
    g_printerr ("%s\n", lmdb);
  g_assert_true (gone);

  {
    guint64 last_seq;
    g_autoptr (GPtrArray) log = reel_test_event_log (nats->url, &last_seq);
    guint expired = 0;
    for (guint i = 0; i < log->len; i++)
      expired += strstr (log->pdata[i], "\"session.expired\"") != NULL;
    g_assert_cmpuint (expired, >=, 1);
    reel_test_validate_events (log);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}
