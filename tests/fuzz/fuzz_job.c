/* Fuzzes what a worker does with a job message from the REEL_JOBS stream:
 * the parse of bus/jobs.c (reel_json_parse_object on the message) and the
 * gst-launch line built from the job (reel_job_line) for every job
 * kind, and the way jobs are made from a media plan (reel_ingest_job, with
 * the input as the plan). Properties: a job that is refused is refused
 * with a REEL_ERROR; a pipeline line that is built reads the source and
 * writes only plain file names in the output directory (job values are
 * quoted into the line, and none may lead a file elsewhere). */
#include "core/config.h"
#include "core/json.h"
#include "app/video/record.h"
#include "fuzz.h"
#include "media/ingest.h"
#include "media/job_line.h"

#define SOURCE "/fuzz/source.mp4"
#define OUT_DIR "/fuzz/out"

static const char *const kinds[] = { "chunk", "audio", "poster" };

static void
check_pipeline (const ReelConfig *cfg, const char *kind, JsonObject *job)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = reel_job_line (cfg, kind, job, SOURCE, OUT_DIR, &error);
  g_auto (GStrv) argv = NULL;
  guint sources = 0;
  if (!line)
    {
      reel_fuzz_check_error (error);
      return;
    }
  /* gst-launch quotes values as a shell's double quotes do. */
  REEL_FUZZ_CHECK (g_shell_parse_argv (line, NULL, &argv, NULL));
  for (guint i = 0; argv[i]; i++)
    {
      const char *name;
      if (!g_str_has_prefix (argv[i], "location="))
        continue;
      name = argv[i] + strlen ("location=");
      if (g_str_equal (name, SOURCE))
        {
          sources++;
          continue;
        }
      /* Every other file is a plain name in the output directory. */
      REEL_FUZZ_CHECK (g_str_has_prefix (name, OUT_DIR "/"));
      name += strlen (OUT_DIR "/");
      REEL_FUZZ_CHECK (*name && !strchr (name, '/') && !g_str_equal (name, ".."));
    }
  REEL_FUZZ_CHECK (sources == 1);
}

static void
run (const uint8_t *data, size_t size)
{
  static ReelConfig *cfg;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) job = reel_json_parse_object ((const char *)data, size, &error);

  if (!cfg)
    cfg = reel_config_new (); /* kept: the defaults, as a worker has them */
  if (!job)
    {
      reel_fuzz_check_error (error);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GError) plan_error = NULL;
      /* The input as a plan: the chunk index from its own "chunk" member. */
      guint chunk = (guint)reel_json_get_int (job, "chunk", 0);
      g_autoptr (ReelVideoPlan) plan = reel_video_plan_from_json (job, &plan_error);
      g_autoptr (JsonObject) made = plan ? reel_ingest_job (kinds[i], "AAAAAAAAAAA", plan,
                                                            "originals/x", chunk, &plan_error)
                                         : NULL;
      check_pipeline (cfg, kinds[i], job);
      if (made)
        check_pipeline (cfg, kinds[i], made);
      else
        reel_fuzz_check_error (plan_error);
    }
}

REEL_FUZZ_HARNESS (run)
