/* See retranscode.h. */
#include "media/retranscode.h"
#include "app/video/chunks.h"
#include "bus/events.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "media/ingest.h"
#include "media/plan.h"

gboolean
reel_retranscode (const ReelConfig *cfg, ReelBus *bus, const ReelVideo *video, const char *actor,
                  guint *set_out, GError **error)
{
  g_autoptr (ReelVideoPlan) plan = NULL;
  g_autoptr (GArray) rungs = NULL;
  g_autoptr (JsonObject) data = NULL;
  g_autofree char *subject = NULL, *key = NULL;
  guint set;

  if (video->state != REEL_VIDEO_READY || !video->plan || !video->original)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                           "only a ready video can be transcoded again");
      return FALSE;
    }
  /* A failed set's number is not used again: its blobs may still be
   * waiting for the clean-up. */
  set = MAX (MAX (video->rendition_set, video->failed_set), video->next_plan ? video->next_set : 0)
        + 1;
  if (set > REEL_CHUNK_SET_MAX)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                   "the video has been transcoded %d times, the most there can be",
                   REEL_CHUNK_SET_MAX);
      return FALSE;
    }
  /* The picture's size after rotation, as at ingest; names of this set. */
  rungs = reel_ladder_for_source (cfg->ladder.rungs, video->plan->width, video->plan->height,
                                  cfg->codecs);
  for (guint i = 0; i < rungs->len; i++)
    {
      ReelRung *r = &g_array_index (rungs, ReelRung, i);
      g_autofree char *suffix = g_strdup_printf ("_%u", set);
      reel_rung_add_suffix (r, suffix);
    }
  plan = reel_video_plan_copy (video->plan);
  g_array_unref (plan->rungs);
  plan->rungs = g_steal_pointer (&rungs);

  /* A set still being made is dropped (app/video/lifecycle.c): its chunk
   * jobs still queued need not run. */
  if (video->next_plan)
    {
      g_autofree char *old = reel_retranscode_jobs_key (video->id, video->next_set);
      if (!reel_jobs_cancel (bus, old, error))
        return FALSE;
    }
  data = reel_video_plan_to_event (plan, video->id);
  json_object_set_int_member (data, "set", set);
  subject = reel_event_subject ("video", video->id);
  if (!reel_events_publish (bus, subject, "video.retranscoding", 1, actor, data, FALSE, NULL,
                            error))
    return FALSE;
  key = reel_retranscode_jobs_key (video->id, set);
  for (guint i = 0; i < plan->chunks_total; i++)
    {
      guint32 row = REEL_CHUNK_SET_BASE (set) + i;
      g_autoptr (JsonObject) job
          = reel_ingest_job ("chunk", video->id, plan, video->original, i, error);
      g_autofree char *job_id = g_strdup_printf ("%s-%u", video->id, row);
      if (!job)
        return FALSE;
      /* The row the chunk goes to: its set's (the job's range is chunk i's). */
      json_object_set_int_member (job, "chunk", row);
      if (!reel_jobs_publish (bus, "chunk", key, job_id, job, error))
        return FALSE;
    }
  *set_out = set;
  return TRUE;
}

char *
reel_retranscode_jobs_key (const char *video_id, guint set)
{
  return g_strdup_printf ("%s.s%u", video_id, set);
}
