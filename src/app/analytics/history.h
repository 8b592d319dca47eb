/* Watch history: per logged-in viewer, the videos they watched, newest
 * first, each with the last position they reached, for "continue
 * watching" and the watch page's resume offer. Built from the viewer-action
 * stream like views (an action projection: app/analytics/action_projection.h).
 *
 * The viewer controls it: pausing (user.history_paused) marks the actions
 * that arrive meanwhile in their record (history: false), which this
 * projection skips; clearing (user.history_cleared) hides, at read time,
 * everything watched up to that moment. Both are events of the log kept on
 * the user's record (app/users/users.h), so either side rebuilds alone.
 *
 * Tables: HISTORY (viewer \0 video id -> u64 BE position ns + received_at),
 * HISTORY_ORDER (viewer \0 received_at \0 video id -> ""). */
#pragma once

#include "app/analytics/action_projection.h"
#include "app/page.h"
#include "core/urlsign.h"
#include "bus/bus.h"

G_BEGIN_DECLS

#define REEL_PROJECTION_HISTORY "history"

extern const ReelActionProjection reel_history_projection;

/* Whether username has paused their history (read in txn). */
gboolean reel_history_paused (ReelTxn *txn, const char *username);

/* One page of username's history, newest first: {"video": list item,
 * "position": seconds, "watched_at"}; videos gone or no longer watchable
 * by them are skipped. A video whose media need a signature (their own
 * private one) names them signed with media_key for ttl_s, as the video's
 * own record would (app/video/visibility.h). */
JsonObject *reel_history_list (ReelStore *store, const char *username, const char *const *admins,
                               const guint8 media_key[REEL_URLSIGN_KEY_BYTES], guint ttl_s,
                               const ReelPage *page, GError **error);

/* Where username left video_id: {"position", "watched_at"}, both null
 * when it is not in their (visible) history: a page asks this of every
 * video it opens, and not having watched one is no error. */
JsonObject *reel_history_position (ReelStore *store, const char *username, const char *video_id,
                                   GError **error);

/* Publishes user.history_cleared for username. */
gboolean reel_history_clear (ReelBus *bus, const char *username, guint64 *seq, GError **error);

/* Publishes user.history_paused {paused} for username. */
gboolean reel_history_pause (ReelBus *bus, const char *username, gboolean paused, guint64 *seq,
                             GError **error);

G_END_DECLS
