/* What moderators do to accounts and content: ban and unban users, block
 * and unblock videos. Each action is an event with the moderator as its
 * actor, kept in the audit log (app/moderation/audit.h).
 *
 * A ban (user.banned {username, reason}) ends every session of the user
 * and refuses their logins with the reason (app/users/projection.c applies
 * it), and hides their videos and comments from everyone else (read time:
 * app/video/visibility.h, app/social/comments.c); an unban (user.unbanned)
 * lets them log in again and shows their content as before. Nobody can ban
 * an account with a role as high as their own, nor one auth.admins names. */
#pragma once

#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

#define REEL_BAN_REASON_MAX 500

/* Publishes user.banned (ban) or user.unbanned by actor, after checking
 * that actor is a moderator who outranks username (REEL_ERROR_FORBIDDEN),
 * that username exists (REEL_ERROR_NOT_FOUND), that the reason is given
 * for a ban (REEL_ERROR_INVALID) and that the state changes
 * (REEL_ERROR_CONFLICT: banned already, or not banned). */
gboolean reel_moderation_ban (ReelBus *bus, ReelStore *store, const char *const *admins,
                              const char *actor, const char *username, gboolean ban,
                              const char *reason, guint64 *seq, GError **error);

#define REEL_BLOCK_REASON_MAX 500

/* Publishes video.blocked {video_id, owner, reason} (block) or
 * video.unblocked {video_id, owner} by actor, after checking that actor is
 * a moderator (REEL_ERROR_FORBIDDEN), that the video exists
 * (REEL_ERROR_NOT_FOUND), that a block gives its reason (REEL_ERROR_INVALID:
 * the owner and the viewers are told it) and that the state changes
 * (REEL_ERROR_CONFLICT). The video record (app/video/videos.c) keeps the
 * block; app/video/visibility.h says what it hides. */
gboolean reel_moderation_block (ReelBus *bus, ReelStore *store, const char *const *admins,
                                const char *actor, const char *video_id, gboolean block,
                                const char *reason, guint64 *seq, GError **error);

G_END_DECLS
