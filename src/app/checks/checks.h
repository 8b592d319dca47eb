/* Checks before publishing: what runs on every upload between "uploaded"
 * and "published", and how their results reach the video record.
 *
 * When an original is complete, the ingest job asks for the checks
 * (video.checks_requested: their names, each "pending" in the record) and
 * queues one check job per video on the work queue ("check", beside the
 * chunk jobs, so checks run while the video transcodes; media/checker.h
 * runs them). With no protected work registered, the ingest reports the
 * copyright check passed at once instead of asking for it (the job then
 * only records the prints). Each check reports once (video.checked: passed, held,
 * blocked or skipped, with a detail for the owner). A job that used up its
 * attempts reports its checks held with "gave_up" (reel_checks_give_up):
 * such a report never replaces an outcome the check already has, as when
 * the job's last attempt failed after it had reported the check. A held
 * check holds the video (moderation "held": a moderator decides), a blocked one blocks
 * it (moderation "blocked", the detail as reason); a moderator's unblock
 * clears held and blocked checks (they pass), a moderator's block turns a
 * held check into a blocked one. A video is published (listed, in search
 * and feeds, its subscribers told) once it is ready and its checks are
 * all passed or skipped: app/video/visibility.h is the one rule.
 *
 * Checks today: "copyright" (app/checks/works.h: the protected works'
 * fingerprints) and "adult" (checks.classifier_command run on frames
 * sampled every 2 s; a frame scoring checks.adult_threshold holds the
 * video; with no classifier the check is skipped, with that reason). A new protected work is
 * matched against the published videos in the background (a backfill job); a match holds the video
 * for review (video.checked, held), never takes it down silently. */
#pragma once

#include "app/video/record.h"
#include "bus/bus.h"
#include "bus/events.h"

G_BEGIN_DECLS

#define REEL_CHECK_COPYRIGHT "copyright"
#define REEL_CHECK_ADULT "adult"

/* Asks for the checks names (NULL-terminated) of a video. */
gboolean reel_checks_request (ReelBus *bus, const char *video_id, const char *const *names,
                              GError **error);
/* Reports one check's outcome; the members of extra (may be NULL: e.g.
 * "match" of the copyright check, "scores" of the adult one) are kept in
 * the event as the record of what was found. */
gboolean reel_checks_report (ReelBus *bus, const char *video_id, const char *name,
                             ReelCheckState state, const char *detail, JsonObject *extra,
                             GError **error);

/* The job that was to decide check name of a video used up its attempts
 * (why: detail): the check is held, unless it was decided already. */
gboolean reel_checks_give_up (ReelBus *bus, const char *video_id, const char *name,
                              const char *detail, GError **error);
/* Whether video.checked ev came from a job that gave up (see top). */
gboolean reel_checks_gave_up (const ReelEvent *ev);

/* Applies video.checks_requested or video.checked to the record (the
 * videos projection stores it); FALSE when ev is neither. */
gboolean reel_checks_apply_record (ReelVideo *video, const ReelEvent *ev);
/* A moderator blocked (block) or unblocked the video: its held and blocked
 * checks follow (see top). */
void reel_checks_on_moderation (ReelVideo *video, gboolean block);

G_END_DECLS
