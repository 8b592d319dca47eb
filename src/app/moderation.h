/* What moderators do to accounts and content: ban and unban users (and,
 * with the typed video model, block videos). Each action is an event with
 * the moderator as its actor, kept in the audit log (app/audit.h).
 *
 * A ban (user.banned {username, reason}) ends every session of the user
 * and refuses their logins with the reason (app/users.c applies it); an
 * unban (user.unbanned) lets them log in again. Nobody can ban an account
 * with a role as high as their own, nor one auth.admins names. */
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

G_END_DECLS
