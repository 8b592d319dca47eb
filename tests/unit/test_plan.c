/* media/plan: ladder parsing, rungs for a source, chunk arithmetic, and
 * rungs read back from plans and jobs. */
#include "core/config.h"
#include "core/error.h"
#include "core/json.h"
#include "media/ingest.h"
#include "media/plan.h"
#include "media/worker.h"

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rungs = NULL;
  g_assert_true (reel_ladder_parse ("720p:720:2800, 360p:360:800", &rungs, &error));
  g_assert_cmpuint (rungs->len, ==, 2);
  g_assert_cmpstr (g_array_index (rungs, ReelRung, 1).name, ==, "360p");
  g_assert_cmpuint (g_array_index (rungs, ReelRung, 0).kbps, ==, 2800);
  const char *bad[]
      = { "", "720p", "720p:720", "720p:x:100", "720p:720:10", "a/b:720:800", "720p:99999:800" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (GArray) r = NULL;
      g_assert_false (reel_ladder_parse (bad[i], &r, &e));
      g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

static void
test_for_source (void)
{
  g_autoptr (GArray) ladder = NULL;
  g_assert_true (reel_ladder_parse ("1080p:1080:5000,720p:720:2800,480p:480:1400,360p:360:800",
                                    &ladder, NULL));
  {
    /* Never above the source; aspect kept, even sizes. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1280, 720);
    g_assert_cmpuint (r->len, ==, 3);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 1280);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 720);
    g_assert_cmpuint (g_array_index (r, ReelRung, 1).width, ==, 852);
    g_assert_cmpuint (g_array_index (r, ReelRung, 2).width, ==, 640);
  }
  {
    /* Portrait phone video. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1080, 1920);
    g_assert_cmpuint (r->len, ==, 4);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 608);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 1080);
  }
  {
    /* Smaller than every rung: one rung at its own (even) size. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 321, 241);
    g_assert_cmpuint (r->len, ==, 1);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 320);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 240);
  }
}

static void
test_chunks (void)
{
  const guint64 s = 1000000000;
  guint64 start, len;
  ReelChunking c = { 18 * s, 6 * s, 6 * s, s / 30 };
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  c.duration_ns = 18 * s + s / 30;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 4);
  /* A soundtrack 21 ms longer than the picture makes no extra chunk. */
  c.duration_ns = 18 * s + 21333333;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  reel_plan_chunk_range (&c, 2, &start, &len);
  g_assert_cmpuint (start, ==, 12 * s);
  g_assert_cmpuint (len, ==, 6 * s);
  c.duration_ns = 1 * s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  c.duration_ns = s / 60;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  c.duration_ns = 20 * s;
  reel_plan_chunk_range (&c, 3, &start, &len);
  g_assert_cmpuint (start, ==, 18 * s);
  g_assert_cmpuint (len, ==, 2 * s);
  reel_plan_chunk_range (&c, 1, &start, &len);
  g_assert_cmpuint (start, ==, 6 * s);
  g_assert_cmpuint (len, ==, 6 * s);
}

/* A short first chunk (2 s) then 6 s chunks: 0-2, 2-8, 8-14, 14-20. */
static void
test_short_first_chunk (void)
{
  const guint64 s = 1000000000;
  guint64 start, len;
  ReelChunking c = { 20 * s, 2 * s, 6 * s, s / 30 };
  const guint64 want[][2] = { { 0, 2 }, { 2, 6 }, { 8, 6 }, { 14, 6 } };
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      reel_plan_chunk_range (&c, i, &start, &len);
      g_assert_cmpuint (start, ==, want[i][0] * s);
      g_assert_cmpuint (len, ==, want[i][1] * s);
    }
  /* Shorter than the first chunk: one chunk, as long as the video. */
  c.duration_ns = s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  reel_plan_chunk_range (&c, 0, &start, &len);
  g_assert_cmpuint (len, ==, s);
  /* A tail under a frame after the first chunk is no chunk. */
  c.duration_ns = 2 * s + 21333333;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
}

/* Rungs come back from JSON as they went in; anything else is refused,
 * names that are not letters and digits above all: they become file
 * names in the worker's output directory. */
static void
test_from_json (void)
{
  const char *bad[] = { "[]",
                        "{}",
                        "[1]",
                        "[{\"name\":\"720p\",\"height\":720}]",
                        "[{\"name\":\"../x\",\"height\":720,\"kbps\":800}]",
                        "[{\"name\":\"a/b\",\"height\":720,\"kbps\":800}]",
                        "[{\"name\":\"\",\"height\":720,\"kbps\":800}]",
                        "[{\"name\":\"abcdefghijklmnop\",\"height\":720,\"kbps\":800}]",
                        "[{\"name\":\"720p\",\"height\":0,\"kbps\":800}]",
                        "[{\"name\":\"720p\",\"height\":720,\"kbps\":\"800\"}]",
                        "[{\"name\":\"720p\",\"height\":720,\"kbps\":800,\"width\":[]}]" };
  g_autoptr (GArray) ladder = NULL, back = NULL;
  g_autoptr (GArray) rungs = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr (GError) error = NULL;

  g_assert_true (reel_ladder_parse ("720p:720:2800,360p:360:800", &ladder, NULL));
  rungs = reel_ladder_for_source (ladder, 1920, 1080);
  json_node_take_array (node, reel_ladder_to_json (rungs));
  g_assert_true (reel_ladder_from_json (node, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, rungs->len);
  g_assert_cmpmem (back->data, back->len * sizeof (ReelRung), rungs->data,
                   rungs->len * sizeof (ReelRung));
  g_assert_false (reel_ladder_from_json (NULL, &back, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonNode) n = json_from_string (bad[i], NULL);
      g_autoptr (GArray) none = NULL;
      g_clear_error (&error);
      g_assert_false (reel_ladder_from_json (n, &none, &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

/* Found by tests/fuzz/fuzz_job.c: a plan without rungs, or with a rung
 * that is not an object, made reel_ingest_job emit GLib criticals (and a
 * job of garbage); a job's rung names went into the output file names
 * unchecked, so a rung "../x" wrote outside the work directory. */
static void
test_jobs (void)
{
  const char *plan_text
      = "{\"duration_ns\":12000000000,\"segment_ns\":2000000000,\"chunk_ns\":6000000000,"
        "\"chunks_total\":3,\"rungs\":%s}";
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *good = g_strdup_printf (
      plan_text, "[{\"name\":\"720p\",\"width\":1280,\"height\":720,\"kbps\":2800}]");
  g_autofree char *no_rungs = g_strdup_printf (plan_text, "null");
  g_autofree char *odd_rung = g_strdup_printf (plan_text, "[7]");
  g_autoptr (JsonObject) plan = reel_json_parse_object (good, strlen (good), NULL);
  g_autoptr (JsonObject) job = reel_ingest_job ("chunk", "AbCdEfGhIjK", plan, "o", 1, &error);
  g_autofree char *line = NULL;
  JsonObject *rung;

  g_assert_no_error (error);
  line = reel_worker_pipeline (cfg, "chunk", job, "/in.mp4", "/out", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (line, "location=/out/720p.mp4"));
  g_clear_pointer (&line, g_free);

  {
    g_autoptr (JsonObject) p = reel_json_parse_object (no_rungs, strlen (no_rungs), NULL);
    g_autoptr (JsonObject) none = reel_ingest_job ("poster", "AbCdEfGhIjK", p, "o", 0, &error);
    g_assert_null (none);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    g_clear_error (&error);
  }
  {
    g_autoptr (JsonObject) p = reel_json_parse_object (odd_rung, strlen (odd_rung), NULL);
    g_autoptr (JsonObject) none = reel_ingest_job ("chunk", "AbCdEfGhIjK", p, "o", 0, &error);
    g_assert_null (none);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    g_clear_error (&error);
  }
  rung = json_array_get_object_element (json_object_get_array_member (job, "rungs"), 0);
  json_object_set_string_member (rung, "name", "../../etc/x");
  line = reel_worker_pipeline (cfg, "chunk", job, "/in.mp4", "/out", &error);
  g_assert_null (line);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/parse", test_parse);
  g_test_add_func ("/plan/for-source", test_for_source);
  g_test_add_func ("/plan/chunks", test_chunks);
  g_test_add_func ("/plan/short-first-chunk", test_short_first_chunk);
  g_test_add_func ("/plan/from-json", test_from_json);
  g_test_add_func ("/plan/jobs", test_jobs);
  return g_test_run ();
}
