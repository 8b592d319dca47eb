/* Notifications: a read model built from events others publish, plus one
 * command (marking them read).
 *
 *   user.registered  -> the new user: "welcome"
 *   video.ready      -> its owner: "video_ready"; every subscriber of the
 *                       owner's channel: "new_video"
 *   video.failed     -> its owner: "video_failed" (once, with the reason)
 *   video.blocked, video.unblocked -> its owner: "video_blocked" (with the
 *                       moderator's reason), "video_unblocked"
 *   comment.posted   -> the video's owner: "new_comment"; the author of the
 *                       comment a reply answers: "comment_reply" (never for
 *                       one's own words, never twice for one comment)
 *   subscription.created -> the channel's owner: "new_subscriber"
 *   notification.read {username, ids | all} (subject
 *                       reel.ev.notification.<username>) marks them read
 * Table NOTIFICATIONS: user \0 u64 BE time of the causing event (µs), first
 * 16 bytes of SHA-256 of its event id -> {"type","created_at","read",
 * "video_id"?,"title"?,"channel"?,"reason"?}; newest first is a backwards
 * walk. A notification's id is base64url of the key after the user, so
 * marking one read needs no other index. Counter "unread:<user>".
 * Everything comes from the events (times are their `at`), so a rebuild
 * gives the same notifications, read or not. */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Most ids one notification.read may name. */
#define REEL_NOTIFICATIONS_READ_MAX 100

/* A page of user's notifications, newest first, plus "unread_count". */
JsonObject *reel_notifications_list (ReelStore *store, const char *user, const ReelPage *page,
                                     GError **error);
guint64 reel_notifications_unread (ReelStore *store, const char *user);

/* Publishes notification.read for ids (NULL-terminated notification ids of
 * user), or for every notification user has now when all is TRUE. */
gboolean reel_notifications_mark_read (ReelBus *bus, const char *user, const char *const *ids,
                                       gboolean all, guint64 *seq, GError **error);

/* Projection: user.registered, video.ready, video.failed, comment.posted
 * (each before the users, videos or comments projection applies it),
 * subscription.created, notification.read. */
gboolean reel_notifications_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
