/* The copyright matcher against a library (issue 16, acceptance 3): no
 * false positive among 20 generated clips unrelated to a library of 50
 * generated works, each fingerprinted for real by reel-media (Chromaprint
 * and the luma hash, media/fingerprint.h) from an H.264 + AAC file, indexed in LMDB
 * through the works projection and matched as reeld matches an upload
 * (reel_works_match, checks.copyright_min_seconds's default of 10 s).
 *
 * So that "no match" cannot pass by matching nothing at all, a copy of
 * one work (another size, cut from an offset, another bitrate) must match
 * that work and no other.
 *
 *   /checks-library/unrelated   20 unrelated clips x 50 works: no match
 *   /checks-library/copy        a copy among them matches its work */
#include "app/checks/works.h"
#include "clips.h"
#include "harness.h"
#include "store/store.h"

#include <glib/gstdio.h>

#define WORKS 50
#define QUERIES 20
#define WORK_SECONDS 20
#define QUERY_SECONDS 15
/* checks.copyright_min_seconds's default (src/core/config.c). */
#define MIN_SECONDS 10
/* Seeds far apart: the works', the unrelated clips'. */
#define WORK_SEED 1000
#define QUERY_SEED 5000
#define COPIED_WORK 7

static struct
{
  char *dir;
  ReelStore *store;
} L;

/* The prints of a clip of seed's picture and sound, from reel-media's
 * fingerprint request as an upload's check job gets them. */
static JsonObject *
prints_of (const char *name, const ReelTestPiece *piece, guint width, guint height, guint kbps)
{
  g_autofree char *file
      = reel_test_clip_make (L.dir, name, piece, 1, piece, 1, width, height, 0, 0, kbps);
  g_autofree char *request
      = g_strdup_printf ("{\"op\":\"fingerprint\",\"path\":\"%s\",\"max_seconds\":3600}", file);
  JsonObject *prints = reel_test_media_result (request);
  g_assert_true (json_object_has_member (prints, "audio"));
  g_assert_true (json_object_has_member (prints, "video"));
  g_unlink (file);
  return prints;
}

static void
apply (const char *type, JsonObject *data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelTxn) txn = reel_store_begin (L.store, TRUE, &error);
  ReelEvent ev
      = { (char *)type, 1, (char *)"test", (char *)"2026-01-01T00:00:00.000000Z", NULL, data };
  g_assert_no_error (error);
  g_assert_true (reel_works_apply (txn, &ev, &error));
  g_assert_no_error (error);
  g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
}

static char *
work_id (guint w)
{
  return g_strdup_printf ("work%07u", w);
}

/* Registers and indexes the library, as the work events would. */
static void
build_library (void)
{
  for (guint w = 0; w < WORKS; w++)
    {
      const ReelTestPiece piece = { WORK_SEED + w, 0, WORK_SECONDS };
      g_autofree char *id = work_id (w);
      g_autoptr (JsonObject) prints = prints_of ("work", &piece, 160, 120, 300);
      g_autoptr (JsonObject) reg = json_object_new (), fp = json_object_new ();
      json_object_set_string_member (reg, "work_id", id);
      json_object_set_string_member (reg, "title", id);
      json_object_set_string_member (reg, "rights_holder", "Test Records");
      json_object_set_string_member (reg, "original", "works/x");
      apply ("work.registered", reg);
      json_object_set_string_member (fp, "work_id", id);
      json_object_set_int_member (fp, "duration_ns",
                                  json_object_get_int_member (prints, "duration_ns"));
      json_object_set_string_member (fp, "audio", json_object_get_string_member (prints, "audio"));
      json_object_set_string_member (fp, "video", json_object_get_string_member (prints, "video"));
      apply ("work.fingerprinted", fp);
    }
}

static ReelWorkMatch *
match (JsonObject *prints)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelTxn) txn = reel_store_begin (L.store, FALSE, &error);
  ReelWorkMatch *m;
  g_assert_no_error (error);
  m = reel_works_match (txn, prints, MIN_SECONDS, &error);
  g_assert_no_error (error);
  return m;
}

static void
test_unrelated (void)
{
  for (guint q = 0; q < QUERIES; q++)
    {
      const ReelTestPiece piece = { QUERY_SEED + q, 0, QUERY_SECONDS };
      g_autoptr (JsonObject) prints = prints_of ("unrelated", &piece, 160, 120, 250);
      g_autoptr (ReelWorkMatch) m = match (prints);
      if (m)
        {
          g_autofree char *what = reel_work_match_describe (m);
          g_error ("unrelated clip %u %s", q, what);
        }
    }
}

static void
test_copy (void)
{
  /* Work 7 from 4 s on, smaller, at a lower bitrate. */
  const ReelTestPiece piece = { WORK_SEED + COPIED_WORK, 4, QUERY_SECONDS };
  g_autofree char *want = work_id (COPIED_WORK);
  g_autoptr (JsonObject) prints = prints_of ("copy", &piece, 128, 96, 150);
  g_autoptr (ReelWorkMatch) m = match (prints);
  g_assert_nonnull (m);
  g_assert_cmpstr (m->work_id, ==, want);
}

int
main (int argc, char **argv)
{
  g_autofree char *lmdb = NULL;
  g_autoptr (GError) error = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  L.dir = reel_test_tmpdir ();
  lmdb = g_build_filename (L.dir, "lmdb", NULL);
  g_assert_cmpint (g_mkdir_with_parents (lmdb, 0700), ==, 0);
  L.store = reel_store_open (lmdb, &error);
  g_assert_no_error (error);
  build_library ();
  g_test_add_func ("/checks-library/unrelated", test_unrelated);
  g_test_add_func ("/checks-library/copy", test_copy);
  rc = g_test_run ();
  reel_store_close (L.store);
  reel_test_rmtree (L.dir);
  return rc;
}
