/* An uploader contests a check that blocked their video (issue 16). The
 * video is held for a moderator instead (video.disputed: its blocked
 * checks become held, with the uploader's words added to their detail),
 * and the dispute opens a report in the moderators' queue
 * (app/moderation/reports.h). A moderator's block or unblock decides it,
 * and the uploader is notified of that as of any decision
 * (app/social/notifications.c). */
#pragma once

#include "bus/bus.h"
#include "store/store.h"

G_BEGIN_DECLS

/* REEL_ERROR_NOT_FOUND: no such video; REEL_ERROR_FORBIDDEN: not owner's;
 * REEL_ERROR_CONFLICT: no check blocked it; REEL_ERROR_INVALID: text empty,
 * not UTF-8 or longer than REEL_REPORT_TEXT_MAX characters. *report_id is
 * the report it opened, *seq the last event's sequence. */
gboolean reel_checks_dispute (ReelBus *bus, ReelStore *store, const char *owner,
                              const char *video_id, const char *text, char **report_id,
                              guint64 *seq, GError **error);

G_END_DECLS
