/* The copyright matcher (app/checks/prints.h, app/checks/works.h) on
 * synthetic video prints: a copy cut from a work with some bits flipped is
 * found at the right offset with the right ranges; a stretch shorter than
 * the minimum, heavily changed hashes and unrelated prints are not; the
 * video print codec round-trips.
 *
 *   /prints/copy        20 s from 5 s of a 30 s work, 5 % of bits flipped:
 *                       matched 0:00–0:20 of the upload at 0:05–0:25
 *   /prints/short       only 3 s shared (10 s minimum): no match
 *   /prints/unrelated   other random hashes, and the work with 45 % of
 *                       bits flipped: no match
 *   /prints/flat        12 s of black (or a flat card) at the start of
 *                       both a work and an upload: no match; black
 *                       inside a real copy does not hide it
 *   /prints/codec       base64 of little-endian hashes in and out */
#include "app/checks/prints.h"
#include "app/checks/works.h"

#define RATE 2 /* video hashes a second (media/fingerprint.h) */

static GArray *
random_hashes (guint32 seed, guint n)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (seed);
  GArray *a = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; i < n; i++)
    {
      guint64 h = (guint64)g_rand_int (r) << 32 | g_rand_int (r);
      g_array_append_val (a, h);
    }
  return a;
}

/* Flips each bit with probability share. */
static void
flip (GArray *a, double share, guint32 seed)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (seed);
  for (guint i = 0; i < a->len; i++)
    for (guint b = 0; b < 64; b++)
      if (g_rand_double (r) < share)
        g_array_index (a, guint64, i) ^= (guint64)1 << b;
}

static char *
encode (GArray *a)
{
  g_autoptr (GArray) le = g_array_sized_new (FALSE, FALSE, sizeof (guint64), a->len);
  for (guint i = 0; i < a->len; i++)
    {
      guint64 h = GUINT64_TO_LE (g_array_index (a, guint64, i));
      g_array_append_val (le, h);
    }
  return g_base64_encode ((const guchar *)le->data, le->len * sizeof (guint64));
}

static JsonObject *
prints_of (GArray *a, const char *id, const char *title)
{
  JsonObject *o = json_object_new ();
  g_autofree char *b64 = encode (a);
  if (id)
    json_object_set_string_member (o, "id", id);
  if (title)
    json_object_set_string_member (o, "title", title);
  json_object_set_string_member (o, "video", b64);
  return o;
}

static GArray *
slice (GArray *a, guint from, guint n)
{
  GArray *s = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_array_append_vals (s, &g_array_index (a, guint64, from), n);
  return s;
}

static void
test_copy (void)
{
  g_autoptr (GArray) work = random_hashes (1, 30 * RATE);
  g_autoptr (GArray) copy = slice (work, 5 * RATE, 20 * RATE);
  g_autoptr (JsonObject) w = prints_of (work, "AAAAAAAAAAA", "Work");
  g_autoptr (JsonObject) q = NULL;
  g_autoptr (ReelWorkMatch) m = NULL;
  g_autofree char *text = NULL;
  flip (copy, 0.05, 2);
  q = prints_of (copy, NULL, NULL);
  m = reel_works_match_one (w, q, 10);
  g_assert_nonnull (m);
  g_assert_cmpstr (m->work_id, ==, "AAAAAAAAAAA");
  g_assert_cmpint (m->kind, ==, REEL_TRACK_VIDEO);
  g_assert_cmpfloat (m->run.query_start, ==, 0);
  g_assert_cmpfloat (m->run.query_end, ==, 20);
  g_assert_cmpfloat (m->run.work_start, ==, 5);
  g_assert_cmpfloat (m->run.work_end, ==, 25);
  text = reel_work_match_describe (m);
  g_assert_cmpstr (text, ==, "matches \"Work\" (video) at 0:00\u20130:20 (work 0:05\u20130:25)");
}

static void
test_short (void)
{
  g_autoptr (GArray) work = random_hashes (1, 30 * RATE);
  g_autoptr (GArray) clip = random_hashes (3, 8 * RATE);
  g_autoptr (GArray) quote = slice (work, 10 * RATE, 3 * RATE);
  g_autoptr (GArray) tail = random_hashes (4, 9 * RATE);
  g_autoptr (JsonObject) w = prints_of (work, "AAAAAAAAAAA", "Work");
  g_autoptr (JsonObject) q = NULL;
  g_autoptr (ReelWorkMatch) m = NULL, m3 = NULL;
  g_array_append_vals (clip, quote->data, quote->len);
  g_array_append_vals (clip, tail->data, tail->len);
  q = prints_of (clip, NULL, NULL);
  m = reel_works_match_one (w, q, 10);
  g_assert_null (m);
  /* The 3 s are found when 3 s are enough: the minimum decides. */
  m3 = reel_works_match_one (w, q, 3);
  g_assert_nonnull (m3);
  g_assert_cmpfloat (m3->run.query_start, ==, 8);
  g_assert_cmpfloat (m3->run.work_start, ==, 10);
}

static void
test_unrelated (void)
{
  g_autoptr (GArray) work = random_hashes (1, 30 * RATE);
  g_autoptr (GArray) other = random_hashes (5, 30 * RATE);
  g_autoptr (GArray) noisy = slice (work, 0, 30 * RATE);
  g_autoptr (JsonObject) w = prints_of (work, "AAAAAAAAAAA", "Work");
  g_autoptr (JsonObject) q1 = prints_of (other, NULL, NULL);
  g_autoptr (JsonObject) q2 = NULL;
  g_autoptr (ReelWorkMatch) m1 = NULL, m2 = NULL;
  flip (noisy, 0.45, 6);
  q2 = prints_of (noisy, NULL, NULL);
  m1 = reel_works_match_one (w, q1, 10);
  m2 = reel_works_match_one (w, q2, 10);
  g_assert_null (m1);
  g_assert_null (m2);
}

/* n hashes of a flat frame: black is 0, an even left-to-right fade all
 * ones. */
static void
append_flat (GArray *a, guint n, guint64 hash)
{
  for (guint i = 0; i < n; i++)
    g_array_append_val (a, hash);
}

static void
test_flat (void)
{
  g_autoptr (GArray) work = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) upload = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) work_rest = random_hashes (7, 18 * RATE);
  g_autoptr (GArray) upload_rest = random_hashes (8, 18 * RATE);
  g_autoptr (GArray) copy = NULL;
  g_autoptr (JsonObject) w = NULL, q = NULL, c = NULL;
  g_autoptr (ReelWorkMatch) m = NULL, mc = NULL, mf = NULL;

  append_flat (work, 12 * RATE, 0);
  g_array_append_vals (work, work_rest->data, work_rest->len);
  append_flat (upload, 12 * RATE, 0);
  g_array_append_vals (upload, upload_rest->data, upload_rest->len);
  w = prints_of (work, "AAAAAAAAAAA", "Work");
  q = prints_of (upload, NULL, NULL);
  m = reel_works_match_one (w, q, 10);
  g_assert_null (m);

  /* A fade card instead of black: the same. */
  {
    g_autoptr (GArray) card = g_array_new (FALSE, FALSE, sizeof (guint64));
    g_autoptr (JsonObject) qf = NULL;
    append_flat (card, 12 * RATE, ~(guint64)0 ^ 1);
    g_array_append_vals (card, upload_rest->data, upload_rest->len);
    g_autoptr (GArray) work_card = g_array_new (FALSE, FALSE, sizeof (guint64));
    g_autoptr (JsonObject) wf = NULL;
    append_flat (work_card, 12 * RATE, ~(guint64)0);
    g_array_append_vals (work_card, work_rest->data, work_rest->len);
    wf = prints_of (work_card, "AAAAAAAAAAA", "Work");
    qf = prints_of (card, NULL, NULL);
    mf = reel_works_match_one (wf, qf, 10);
    g_assert_null (mf);
  }

  /* The work itself, black opening included, is still found by the
   * 18 s of real picture after it. */
  copy = slice (work, 0, work->len);
  flip (copy, 0.03, 9);
  c = prints_of (copy, NULL, NULL);
  mc = reel_works_match_one (w, c, 10);
  g_assert_nonnull (mc);
  g_assert_cmpfloat (mc->run.query_start, ==, 12);
  g_assert_cmpfloat (mc->run.query_end, ==, 30);
}

static void
test_codec (void)
{
  g_autoptr (GArray) a = random_hashes (7, 17);
  g_autofree char *b64 = encode (a);
  g_autoptr (ReelTrack) t = reel_track_from_video (b64, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelTrack) bad = reel_track_from_video ("AAAA", &error);
  g_assert_nonnull (t);
  g_assert_cmpuint (t->hashes->len, ==, 17);
  for (guint i = 0; i < 17; i++)
    g_assert_cmpuint (g_array_index (t->hashes, guint64, i), ==, g_array_index (a, guint64, i));
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_assert_null (reel_track_from_chromaprint ("", NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prints/copy", test_copy);
  g_test_add_func ("/prints/short", test_short);
  g_test_add_func ("/prints/unrelated", test_unrelated);
  g_test_add_func ("/prints/flat", test_flat);
  g_test_add_func ("/prints/codec", test_codec);
  return g_test_run ();
}
