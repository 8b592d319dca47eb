/* core/ladder and media/plan: ladder parsing and the rungs' JSON, rungs for a source, the
 * rungs the first chunk leaves out, chunk arithmetic, the limits on what a probed upload may ask
 * for, the probe's trip from the media child to reeld, and rungs read back from plans and jobs. */
#include "core/config.h"
#include "core/error.h"
#include "core/json.h"
#include "app/video/record.h"
#include "media/ingest.h"
#include "media/plan.h"
#include "media/job_line.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>
#include <unistd.h>

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

/* Rungs go to JSON (plans, jobs, records) and come back the same; a rung
 * that is not one is refused with its index. */
static void
test_rungs_json (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ladder = NULL, source = NULL, back = NULL;
  g_autoptr (JsonArray) json = NULL;
  g_autofree char *text = NULL;
  g_assert_true (reel_ladder_parse ("720p:720:2800,360p:360:800", &ladder, &error));
  g_assert_no_error (error);
  source = reel_ladder_for_source (ladder, 1280, 720, REEL_CODEC_BIT (REEL_CODEC_H264));
  json = reel_ladder_to_json (source);
  {
    g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), json);
    text = reel_json_to_string (node);
  }
  g_assert_cmpstr (text, ==,
                   "[{\"name\":\"720p\",\"width\":1280,\"height\":720,\"kbps\":2800},"
                   "{\"name\":\"360p\",\"width\":640,\"height\":360,\"kbps\":800}]");
  {
    g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), json);
    g_assert_true (reel_ladder_from_json (node, &back, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (back->len, ==, 2);
  g_assert_cmpmem (back->data, back->len * sizeof (ReelRung), source->data,
                   source->len * sizeof (ReelRung));
  {
    const char *bad[] = { "[{\"name\":\"a/b\",\"height\":2,\"kbps\":3}]",
                          "[{\"height\":2,\"kbps\":3}]",
                          "[{\"name\":\"a\",\"height\":-2,\"kbps\":3}]",
                          "[{\"name\":\"a\",\"height\":2}]",
                          "[{\"name\":\"a\",\"height\":2,\"kbps\":\"3\"}]",
                          "[7]",
                          "[]",
                          "{}" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (GError) e = NULL;
        g_autoptr (JsonNode) node = json_from_string (bad[i], NULL);
        g_autoptr (GArray) r = NULL;
        g_assert_false (reel_ladder_from_json (node, &r, &e));
        g_assert_null (r);
        g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
      }
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
    g_autoptr (GArray) r
        = reel_ladder_for_source (ladder, 1280, 720, REEL_CODEC_BIT (REEL_CODEC_H264));
    g_assert_cmpuint (r->len, ==, 3);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 1280);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 720);
    g_assert_cmpuint (g_array_index (r, ReelRung, 1).width, ==, 852);
    g_assert_cmpuint (g_array_index (r, ReelRung, 2).width, ==, 640);
  }
  {
    /* Portrait phone video. */
    g_autoptr (GArray) r
        = reel_ladder_for_source (ladder, 1080, 1920, REEL_CODEC_BIT (REEL_CODEC_H264));
    g_assert_cmpuint (r->len, ==, 4);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 608);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 1080);
  }
  {
    /* Smaller than every rung: one rung at its own (even) size. */
    g_autoptr (GArray) r
        = reel_ladder_for_source (ladder, 321, 241, REEL_CODEC_BIT (REEL_CODEC_H264));
    g_assert_cmpuint (r->len, ==, 1);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 320);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 240);
  }
}

/* media.codecs: h264 always, each codec once; with vp9, every H.264 rung
 * has a VP9 twin after them all, which goes to JSON with its codec and
 * comes back the same. */
static void
test_codecs (void)
{
  g_autoptr (GArray) ladder = NULL, r = NULL, back = NULL;
  g_autoptr (JsonArray) json = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  guint set = 0;
  g_assert_true (reel_codecs_parse ("h264", &set, NULL));
  g_assert_cmpuint (set, ==, REEL_CODEC_BIT (REEL_CODEC_H264));
  g_assert_true (reel_codecs_parse (" h264 , vp9", &set, NULL));
  g_assert_cmpuint (set, ==, REEL_CODEC_BIT (REEL_CODEC_H264) | REEL_CODEC_BIT (REEL_CODEC_VP9));
  {
    const char *bad[] = { "vp9", "", "h264,h264", "h264,av2", "h264,,vp9" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (GError) e = NULL;
        set = 77;
        g_assert_false (reel_codecs_parse (bad[i], &set, &e));
        g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
        g_assert_cmpuint (set, ==, 77);
      }
  }

  g_assert_true (reel_ladder_parse ("720p:720:2800,abcdefghijklmno:360:800", &ladder, NULL));
  r = reel_ladder_for_source (ladder, 1280, 720,
                              REEL_CODEC_BIT (REEL_CODEC_H264) | REEL_CODEC_BIT (REEL_CODEC_VP9));
  g_assert_cmpuint (r->len, ==, 4);
  g_assert_cmpstr (g_array_index (r, ReelRung, 0).name, ==, "720p");
  g_assert_cmpint (g_array_index (r, ReelRung, 0).codec, ==, REEL_CODEC_H264);
  g_assert_cmpint (g_array_index (r, ReelRung, 1).codec, ==, REEL_CODEC_H264);
  g_assert_cmpstr (g_array_index (r, ReelRung, 2).name, ==, "720pvp9");
  g_assert_cmpint (g_array_index (r, ReelRung, 2).codec, ==, REEL_CODEC_VP9);
  g_assert_cmpuint (g_array_index (r, ReelRung, 2).width, ==, 1280);
  g_assert_cmpuint (g_array_index (r, ReelRung, 2).height, ==, 720);
  g_assert_cmpuint (g_array_index (r, ReelRung, 2).kbps, ==, 2800 * 2 / 3);
  /* A long name still fits, and stays unique. */
  g_assert_cmpstr (g_array_index (r, ReelRung, 3).name, ==, "abcdefghijklvp9");
  g_assert_cmpint (g_array_index (r, ReelRung, 3).codec, ==, REEL_CODEC_VP9);

  json = reel_ladder_to_json (r);
  {
    g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), json);
    text = reel_json_to_string (node);
    g_assert_true (reel_ladder_from_json (node, &back, &error));
    g_assert_no_error (error);
  }
  g_assert_nonnull (strstr (text, "{\"name\":\"720p\",\"width\":1280,\"height\":720,"
                                  "\"kbps\":2800},"));
  g_assert_nonnull (strstr (text, "\"name\":\"720pvp9\",\"width\":1280,\"height\":720,"
                                  "\"kbps\":1866,\"codec\":\"vp9\"}"));
  g_assert_cmpmem (back->data, back->len * sizeof (ReelRung), r->data, r->len * sizeof (ReelRung));
  {
    const char *bad[] = { "[{\"name\":\"a\",\"height\":2,\"kbps\":300,\"codec\":\"av2\"}]",
                          "[{\"name\":\"a\",\"height\":2,\"kbps\":300,\"codec\":1}]" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (GError) e = NULL;
        g_autoptr (JsonNode) node = json_from_string (bad[i], NULL);
        g_autoptr (GArray) none = NULL;
        g_assert_false (reel_ladder_from_json (node, &none, &e));
        g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
      }
  }
}

/* The rung a source is copied into: only the H.264 rung of its exact size,
 * keyframes every segment, bitrate within the rung's peak, and never the
 * only rung. */
static void
test_copy (void)
{
  const guint64 seg = 2000000000;
  const guint h264_vp9 = REEL_CODEC_BIT (REEL_CODEC_H264) | REEL_CODEC_BIT (REEL_CODEC_VP9);
  g_autoptr (GArray) ladder = NULL;
  ReelProbe p = { 0 };
  g_assert_true (reel_ladder_parse ("720p:720:2800,360p:360:800", &ladder, NULL));
  p.width = 1280, p.height = 720, p.copy_gop_ns = seg, p.copy_kbps = 4000;
  {
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1280, 720, h264_vp9);
    g_assert_true (reel_plan_copy (r, &p, seg));
    g_assert_true (g_array_index (r, ReelRung, 0).copy);
    for (guint i = 1; i < r->len; i++)
      g_assert_false (g_array_index (r, ReelRung, i).copy);
  }
  {
    /* Over the peak (1.5 x 2800), another segment length, no grid, a
     * size no rung has, a turned picture, a single rung: encoded. */
    struct
    {
      guint kbps, width, rotation;
      guint64 gop, seg;
      const char *ladder;
    } no[] = {
      { 4201, 1280, 0, seg, seg, NULL },  { 2000, 1280, 0, seg, 2 * seg, NULL },
      { 2000, 1280, 0, 0, seg, NULL },    { 2000, 1278, 0, seg, seg, NULL },
      { 2000, 1280, 90, seg, seg, NULL }, { 2000, 1280, 0, seg, seg, "720p:720:2800" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (no); i++)
      {
        g_autoptr (GArray) l = NULL;
        g_autoptr (GArray) r = NULL;
        ReelProbe q = p;
        g_assert_true (reel_ladder_parse (
            no[i].ladder ? no[i].ladder : "720p:720:2800,360p:360:800", &l, NULL));
        r = reel_ladder_for_source (l, 1280, 720, REEL_CODEC_BIT (REEL_CODEC_H264));
        q.copy_kbps = no[i].kbps, q.width = no[i].width, q.rotation = no[i].rotation;
        q.copy_gop_ns = no[i].gop;
        g_assert_false (reel_plan_copy (r, &q, no[i].seg));
        for (guint k = 0; k < r->len; k++)
          g_assert_false (g_array_index (r, ReelRung, k).copy);
      }
  }
  {
    /* The mark goes to JSON and back, and only on H.264. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1280, 720, 1);
    g_autoptr (GArray) back = NULL;
    g_autoptr (JsonArray) json = NULL;
    g_assert_true (reel_plan_copy (r, &p, seg));
    json = reel_ladder_to_json (r);
    {
      g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), json);
      g_assert_true (reel_ladder_from_json (node, &back, NULL));
    }
    g_assert_true (g_array_index (back, ReelRung, 0).copy);
    g_assert_false (g_array_index (back, ReelRung, 1).copy);
  }
  {
    const char *bad = "[{\"name\":\"a\",\"height\":2,\"kbps\":300,\"codec\":\"vp9\","
                      "\"copy\":true}]";
    g_autoptr (JsonNode) node = json_from_string (bad, NULL);
    g_autoptr (GArray) none = NULL;
    g_assert_false (reel_ladder_from_json (node, &none, NULL));
  }
}

/* The names of a job's rungs, with a '*' after each late one. */
static char *
job_rungs (JsonObject *job)
{
  g_autoptr (GArray) r = NULL;
  GString *out = g_string_new (NULL);
  g_assert_true (reel_ladder_from_json (json_object_get_member (job, "rungs"), &r, NULL));
  for (guint i = 0; i < r->len; i++)
    g_string_append_printf (out, "%s%s%s", i ? "," : "", g_array_index (r, ReelRung, i).name,
                            g_array_index (r, ReelRung, i).late ? "*" : "");
  return g_string_free (out, FALSE);
}

/* Late rungs (media.first_chunk_max_height): the first chunk encodes the
 * rungs up to the height, the second every rung and the late ones from the
 * first chunk's start, later chunks every rung as before; never all rungs
 * late, never a copied one, and none in a video of one chunk. */
static void
test_late (void)
{
  const guint64 seg = 2000000000;
  g_autoptr (GArray) ladder = NULL;
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_assert_true (reel_ladder_parse ("1080p:1080:5000,720p:720:2800,480p:480:1400,240p:240:400",
                                    &ladder, NULL));
  {
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1920, 1080, 1);
    const gboolean want[] = { TRUE, TRUE, FALSE, FALSE };
    g_assert_true (reel_plan_late (r, 480, 3));
    for (guint i = 0; i < r->len; i++)
      g_assert_cmpint (g_array_index (r, ReelRung, i).late, ==, want[i]);
    /* One chunk, or the setting at 0: nothing is late. */
    g_assert_false (reel_plan_late (r, 480, 1));
    g_assert_false (reel_plan_late (r, 0, 3));
    for (guint i = 0; i < r->len; i++)
      g_assert_false (g_array_index (r, ReelRung, i).late);
    /* Every rung taller: the lowest stays in the first chunk. */
    g_assert_true (reel_plan_late (r, 100, 3));
    for (guint i = 0; i < r->len; i++)
      g_assert_cmpint (g_array_index (r, ReelRung, i).late, ==, i < 3);
    /* A copied rung costs nothing: never late. */
    g_array_index (r, ReelRung, 0).copy = TRUE;
    g_assert_true (reel_plan_late (r, 480, 3));
    g_assert_false (g_array_index (r, ReelRung, 0).late);
    g_assert_true (g_array_index (r, ReelRung, 1).late);
  }
  {
    /* The mark goes to JSON and back; anything but true is refused. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1920, 1080, 1);
    g_autoptr (GArray) back = NULL;
    g_autoptr (JsonArray) json = NULL;
    g_autofree char *text = NULL;
    g_assert_true (reel_plan_late (r, 480, 3));
    json = reel_ladder_to_json (r);
    {
      g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), json);
      text = reel_json_to_string (node);
      g_assert_true (reel_ladder_from_json (node, &back, NULL));
    }
    g_assert_nonnull (strstr (text, "\"kbps\":2800,\"late\":true}"));
    g_assert_nonnull (strstr (text, "\"kbps\":1400}"));
    g_assert_cmpmem (back->data, back->len * sizeof (ReelRung), r->data,
                     r->len * sizeof (ReelRung));
    {
      g_autoptr (JsonNode) node
          = json_from_string ("[{\"name\":\"a\",\"height\":2,\"kbps\":300,\"late\":1}]", NULL);
      g_autoptr (GArray) none = NULL;
      g_assert_false (reel_ladder_from_json (node, &none, NULL));
    }
  }
  {
    /* The jobs of a 14 s 1080p video: chunks 0-2, 2-8, 8-14. */
    g_autoptr (ReelVideoPlan) plan = g_new0 (ReelVideoPlan, 1);
    const char *want[] = { "480p,240p", "1080p*,720p*,480p,240p", "1080p,720p,480p,240p" };
    const char *starts[] = { "output-start=0 ", "output-start=0 ", "output-start=8000000000 " };
    const char *froms[]
        = { "reelrange start=0 ", "reelrange start=0 ", "reelrange start=6000000000 " };
    plan->rungs = reel_ladder_for_source (ladder, 1920, 1080, 1);
    plan->duration_ns = 14 * seg / 2;
    plan->segment_ns = seg;
    plan->first_chunk_ns = seg;
    plan->chunk_ns = 3 * seg;
    plan->chunks_total = 3;
    g_assert_true (reel_plan_late (plan->rungs, 480, plan->chunks_total));
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (JsonObject) job = reel_ingest_job ("chunk", "AbCdEfGhIjK", plan, "o", i, &error);
        g_autofree char *names = NULL, *line = NULL;
        g_assert_no_error (error);
        names = job_rungs (job);
        g_assert_cmpstr (names, ==, want[i]);
        /* Only the second chunk's late rungs begin before it. */
        g_assert_cmpint (json_object_has_member (job, "late_start_ns"), ==, i == 1);
        line = reel_job_line (cfg, "chunk", job, "/in.mp4", "/out", &error);
        g_assert_no_error (error);
        g_assert_nonnull (strstr (line, starts[i]));
        g_assert_nonnull (strstr (line, froms[i]));
        g_assert_cmpint (strstr (line, "location=/out/1080p.mp4") != NULL, ==, i > 0);
      }
  }
}

static void
test_chunks (void)
{
  const guint64 s = 1000000000;
  guint64 start, len;
  ReelChunking c = { 18 * s, 6 * s, 6 * s, s / 30 };
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  /* A frame more joins the last chunk. */
  c.duration_ns = 18 * s + s / 30;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  reel_plan_chunk_range (&c, 3, 2, &start, &len);
  g_assert_cmpuint (start, ==, 12 * s);
  g_assert_cmpuint (len, ==, 6 * s + s / 30);
  /* A soundtrack 21 ms longer than the picture makes no extra chunk. */
  c.duration_ns = 18 * s + 21333333;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  reel_plan_chunk_range (&c, 3, 2, &start, &len);
  g_assert_cmpuint (start, ==, 12 * s);
  g_assert_cmpuint (len, ==, 6 * s + 21333333);
  c.duration_ns = 1 * s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  c.duration_ns = s / 60;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  /* 2 s left after three chunks: under half a chunk, so the third chunk's. */
  c.duration_ns = 20 * s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  reel_plan_chunk_range (&c, 3, 2, &start, &len);
  g_assert_cmpuint (start, ==, 12 * s);
  g_assert_cmpuint (len, ==, 8 * s);
  reel_plan_chunk_range (&c, 3, 1, &start, &len);
  g_assert_cmpuint (start, ==, 6 * s);
  g_assert_cmpuint (len, ==, 6 * s);
  /* 3 s left: half a chunk, a chunk of its own. */
  c.duration_ns = 21 * s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 4);
  reel_plan_chunk_range (&c, 4, 3, &start, &len);
  g_assert_cmpuint (start, ==, 18 * s);
  g_assert_cmpuint (len, ==, 3 * s);
  reel_plan_chunk_range (&c, 4, 2, &start, &len);
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
      reel_plan_chunk_range (&c, 4, i, &start, &len);
      g_assert_cmpuint (start, ==, want[i][0] * s);
      g_assert_cmpuint (len, ==, want[i][1] * s);
    }
  /* 2 s more: the last chunk's (0-2, 2-8, 8-14, 14-22). */
  c.duration_ns = 22 * s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 4);
  reel_plan_chunk_range (&c, 4, 3, &start, &len);
  g_assert_cmpuint (start, ==, 14 * s);
  g_assert_cmpuint (len, ==, 8 * s);
  /* A tail never joins the short first chunk: 0-2, 2-4. */
  c.duration_ns = 4 * s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 2);
  reel_plan_chunk_range (&c, 2, 0, &start, &len);
  g_assert_cmpuint (len, ==, 2 * s);
  reel_plan_chunk_range (&c, 2, 1, &start, &len);
  g_assert_cmpuint (start, ==, 2 * s);
  g_assert_cmpuint (len, ==, 2 * s);
  /* Shorter than the first chunk: one chunk, as long as the video. */
  c.duration_ns = s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  reel_plan_chunk_range (&c, 1, 0, &start, &len);
  g_assert_cmpuint (len, ==, s);
  /* A tail under a frame after the first chunk is no chunk. */
  c.duration_ns = 2 * s + 21333333;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
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
  g_autoptr (JsonObject) plan_json = reel_json_parse_object (good, strlen (good), NULL);
  g_autoptr (ReelVideoPlan) plan = reel_video_plan_from_json (plan_json, &error);
  g_autoptr (JsonObject) job = reel_ingest_job ("chunk", "AbCdEfGhIjK", plan, "o", 1, &error);
  g_autofree char *line = NULL;
  JsonObject *rung;

  g_assert_no_error (error);
  line = reel_job_line (cfg, "chunk", job, "/in.mp4", "/out", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (line, "location=/out/720p.mp4"));
  g_clear_pointer (&line, g_free);

  {
    /* Refused where a plan is read, before any job is made of it. */
    g_autoptr (JsonObject) p = reel_json_parse_object (no_rungs, strlen (no_rungs), NULL);
    g_autoptr (ReelVideoPlan) none = reel_video_plan_from_json (p, &error);
    g_assert_null (none);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    g_clear_error (&error);
  }
  {
    /* Refused where a plan is read, before any job is made of it. */
    g_autoptr (JsonObject) p = reel_json_parse_object (odd_rung, strlen (odd_rung), NULL);
    g_autoptr (ReelVideoPlan) none = reel_video_plan_from_json (p, &error);
    g_assert_null (none);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    g_clear_error (&error);
  }
  rung = json_array_get_object_element (json_object_get_array_member (job, "rungs"), 0);
  json_object_set_string_member (rung, "name", "../../etc/x");
  line = reel_job_line (cfg, "chunk", job, "/in.mp4", "/out", &error);
  g_assert_null (line);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
}

#define SEC G_GUINT64_CONSTANT (1000000000)

static void
expect_refused (const ReelMediaCaps *caps, const ReelProbe *p, guint chunks, const char *words)
{
  g_autoptr (GError) e = NULL;
  g_assert_false (reel_plan_check (caps, p, chunks, &e));
  g_assert_error (e, REEL_ERROR, REEL_ERROR_UNSUPPORTED);
  if (!strstr (e->message, words))
    g_printerr ("reason: %s\n", e->message);
  g_assert_nonnull (strstr (e->message, words));
}

static void
test_check (void)
{
  const ReelMediaCaps caps = { 12 * 3600 * SEC, 12 * 3600 * 60, 7680, 4320, 10000 };
  ReelProbe p = { 3600 * SEC, 1920, 1080, 1920, 1080, 0, 30, 1 };
  ReelProbe q;

  g_assert_true (reel_plan_check (&caps, &p, 600, NULL));
  /* An 8K picture either way round; a ten-year header; a frame rate that
   * makes an hour a decoding marathon; too many chunks. */
  q = p, q.coded_width = 4320, q.coded_height = 7680;
  g_assert_true (reel_plan_check (&caps, &q, 600, NULL));
  q = p, q.coded_width = 7744, q.coded_height = 64;
  expect_refused (&caps, &q, 600, "the largest accepted is 7680x4320");
  q = p, q.coded_width = 5000, q.coded_height = 5000;
  expect_refused (&caps, &q, 600, "5000x5000");
  q = p, q.duration_ns = 10 * 365 * 24 * 3600 * SEC;
  expect_refused (&caps, &q, G_MAXUINT, "lasts 87600 h; the longest accepted is 12 h");
  q = p, q.fps_n = 1000;
  expect_refused (&caps, &q, 600, "3600000 frames");
  /* An unknown rate (0/1) cannot be multiplied: the duration bounds it. */
  q = p, q.fps_n = 0;
  g_assert_true (reel_plan_check (&caps, &q, 600, NULL));
  /* The product of two hostile numbers must not wrap around. */
  q = p, q.duration_ns = 12 * 3600 * SEC, q.fps_n = G_MAXINT32;
  expect_refused (&caps, &q, 600, "frames");
  expect_refused (&caps, &p, 10001, "10001 transcode chunks");
  q = p, q.ends_early = TRUE;
  expect_refused (&caps, &q, 600, "lasts 1 h, but it holds no media near that end");
}

static void
test_probe_json (void)
{
  ReelProbe p
      = { 2500000000, 360, 640, 640, 360, 90, 30000, 1001, TRUE, "H.264", TRUE, 2000000000, 700 };
  g_autoptr (JsonObject) o = reel_probe_to_json (&p);
  g_autoptr (ReelProbe) back = reel_probe_from_json (o, NULL);
  const char *bad[] = {
    "{}",
    "{\"duration_ns\":\"2\",\"width\":1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":0,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,\"video_codec\":\"x\","
    "\"ends_early\":false}",
    "{\"duration_ns\":2,\"width\":-1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":0,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,\"video_codec\":\"x\","
    "\"ends_early\":false}",
    "{\"duration_ns\":2,\"width\":1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":45,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,\"video_codec\":\"x\","
    "\"ends_early\":false}",
    "{\"duration_ns\":2,\"width\":1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":0,\"fps_n\":0,\"fps_d\":0,\"has_audio\":false,\"video_codec\":\"x\","
    "\"ends_early\":false}",
    "{\"duration_ns\":2,\"width\":1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":0,\"fps_n\":0,\"fps_d\":1,\"has_audio\":{},\"video_codec\":\"x\","
    "\"ends_early\":false}",
    "{\"duration_ns\":2,\"width\":1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":0,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,\"video_codec\":[],"
    "\"ends_early\":false}",
    /* A displayed size that is not the coded one turned: the caps read
     * the coded size, the ladder the displayed one (found by
     * tests/fuzz/fuzz_probe.c). */
    "{\"duration_ns\":2,\"width\":766767,\"height\":219,\"coded_width\":1280,"
    "\"coded_height\":720,\"rotation\":0,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,"
    "\"video_codec\":\"x\",\"ends_early\":false}",
    "{\"duration_ns\":2,\"width\":1280,\"height\":720,\"coded_width\":1280,"
    "\"coded_height\":720,\"rotation\":90,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,"
    "\"video_codec\":\"x\",\"ends_early\":false}",
    /* The copy facts: both or neither, numbers in range. */
    "{\"duration_ns\":2,\"width\":1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":0,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,\"video_codec\":\"x\","
    "\"ends_early\":false,\"copy_gop_ns\":2000000000}",
    "{\"duration_ns\":2,\"width\":1,\"height\":1,\"coded_width\":1,\"coded_height\":1,"
    "\"rotation\":0,\"fps_n\":0,\"fps_d\":1,\"has_audio\":false,\"video_codec\":\"x\","
    "\"ends_early\":false,\"copy_gop_ns\":-1,\"copy_kbps\":5}",
  };

  g_assert_nonnull (back);
  g_assert_cmpuint (back->duration_ns, ==, p.duration_ns);
  g_assert_cmpuint (back->width, ==, 360);
  g_assert_cmpuint (back->coded_height, ==, 360);
  g_assert_cmpuint (back->rotation, ==, 90);
  g_assert_cmpint (back->fps_n, ==, 30000);
  g_assert_cmpint (back->fps_d, ==, 1001);
  g_assert_true (back->has_audio);
  g_assert_true (back->ends_early);
  g_assert_cmpstr (back->video_codec, ==, "H.264");
  g_assert_cmpuint (back->copy_gop_ns, ==, 2000000000);
  g_assert_cmpuint (back->copy_kbps, ==, 700);
  /* What a compromised child might send is refused, never trusted. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (JsonObject) b = reel_json_parse_object (bad[i], strlen (bad[i]), NULL);
      g_autoptr (ReelProbe) r = NULL;
      g_assert_nonnull (b);
      r = reel_probe_from_json (b, &e);
      g_assert_null (r);
      g_assert_error (e, REEL_ERROR, REEL_ERROR_INTERNAL);
    }
}

/* Writes nothing into the FIFO data for a while, then closes it: the
 * probe's reader waits for bytes until then. */
static gpointer
silent_writer (gpointer data)
{
  int fd = open (data, O_WRONLY);
  g_usleep (5 * G_USEC_PER_SEC);
  if (fd >= 0)
    close (fd);
  return NULL;
}

/* A file that cannot be read in time is not surely the file's fault: the
 * probe's error is one its job retries (not REEL_ERROR_UNSUPPORTED). */
static void
test_probe_timeout (void)
{
  g_autofree char *dir = g_dir_make_tmp ("reel-probe-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "slow.mp4", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelProbe) p = NULL;
  GThread *writer;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  writer = g_thread_new ("silent-writer", silent_writer, fifo);
  p = reel_probe_file (fifo, 1, NULL, NULL, NULL, &error);
  g_thread_join (writer);
  g_assert_null (p);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INTERNAL);
  g_assert_nonnull (strstr (error->message, "could not be read in time"));
  g_unlink (fifo);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/parse", test_parse);
  g_test_add_func ("/plan/for-source", test_for_source);
  g_test_add_func ("/plan/rungs-json", test_rungs_json);
  g_test_add_func ("/plan/codecs", test_codecs);
  g_test_add_func ("/plan/copy", test_copy);
  g_test_add_func ("/plan/late", test_late);
  g_test_add_func ("/plan/chunks", test_chunks);
  g_test_add_func ("/plan/short-first-chunk", test_short_first_chunk);
  g_test_add_func ("/plan/jobs", test_jobs);
  g_test_add_func ("/plan/check", test_check);
  g_test_add_func ("/plan/probe-json", test_probe_json);
  g_test_add_func ("/plan/probe-timeout", test_probe_timeout);
  return g_test_run ();
}
