/* Who is in charge: the roles user, moderator and admin.
 *
 * A user's role is in their USERS record ("role"; absent means user), set
 * by user.role_set events that only an admin may publish. The operator's
 * auth.admins names accounts that are admins whatever the log says: that
 * is how a new server gets its first admin, and why such an account's role
 * cannot be taken away through the API. Moderators act on content
 * (reports, blocks, bans: the next part of this work); admins also grant
 * roles and make invites. Each role includes the powers of the ones below
 * it, so checks compare with reel_roles_at_least. */
#pragma once

#include "bus/events.h"
#include "store/store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  REEL_USER_ROLE_USER,
  REEL_USER_ROLE_MODERATOR,
  REEL_USER_ROLE_ADMIN,
} ReelUserRole;

/* The names the API and the events use. */
const char *reel_user_role_name (ReelUserRole role);
gboolean reel_user_role_from_name (const char *name, ReelUserRole *role);

/* The role of a USERS record, with auth.admins (admins) applied. */
ReelUserRole reel_roles_of_record (JsonObject *user, const char *const *admins);

/* The role of username; REEL_ERROR_NOT_FOUND when there is no such user. */
gboolean reel_roles_of (ReelTxn *txn, const char *username, const char *const *admins,
                        ReelUserRole *role, GError **error);

/* REEL_ERROR_FORBIDDEN unless username holds at least role. */
gboolean reel_roles_require (ReelStore *store, const char *username, const char *const *admins,
                             ReelUserRole role, GError **error);

/* Publishes user.role_set {username, role} with actor as its actor, after
 * checking that actor is an admin (REEL_ERROR_FORBIDDEN), that username
 * exists (REEL_ERROR_NOT_FOUND) and is not one of auth.admins when the new
 * role is lower (REEL_ERROR_CONFLICT: the configuration decides theirs). */
gboolean reel_roles_set (ReelBus *bus, ReelStore *store, const char *const *admins,
                         const char *actor, const char *username, ReelUserRole role, guint64 *seq,
                         GError **error);

/* Projection half, called by reel_users_apply for user.role_set. */
gboolean reel_roles_apply_set (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
