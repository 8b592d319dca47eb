/* The check worker: runs the checks before publishing
 * (app/checks/checks.h) as jobs of the work queue, on any node with the
 * projector role (matching reads the works index, app/checks/works.h).
 *
 *   check     {video_id, original, report}: fingerprints the upload in reel-media
 *             (media/fingerprint.h), records the prints
 *             (video.fingerprinted) and reports the copyright check
 *             (video.checked: passed, or blocked naming the work and the
 *             matched ranges)
 *   work      {work_id, original}: fingerprints a protected work
 *             (work.fingerprinted) and queues its backfill
 *   backfill  {work_id}: matches the work against every published video's
 *             prints; a match holds the video for review
 *   adult     {video_id, original}: samples a frame every 2 s in reel-media
 *             (media/frames.h), runs checks.classifier_command on them and
 *             reports the adult check (held at checks.adult_threshold),
 *             the scores kept in the event */
#pragma once

#include "bus/bus.h"
#include "core/config.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct ReelChecker ReelChecker;

ReelChecker *reel_checker_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store,
                                 ReelBlobs *blobs);
void reel_checker_stop (ReelChecker *checker);

/* Queues the check job of a video whose original is complete; without
 * report, the job only records the prints (the check was decided). With
 * adult (checks.classifier_command set), the same job, in the same decode,
 * samples the frames of the adult-content check and runs it too. */
gboolean reel_checker_queue_video (ReelBus *bus, const char *video_id, const char *original,
                                   gboolean report, gboolean adult, GError **error);
/* Queues the adult-content check of a video as a job of its own: what a
 * check job falls back to when its classifier or its decode failed. */
gboolean reel_checker_queue_adult (ReelBus *bus, const char *video_id, const char *original,
                                   GError **error);
/* Queues the fingerprinting of a newly registered work. */
gboolean reel_checker_queue_work (ReelBus *bus, const char *work_id, const char *original,
                                  GError **error);

G_END_DECLS
