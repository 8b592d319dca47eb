/* Users and sessions: the first aggregate, end to end through the log.
 *
 * Commands (register, login, logout) validate input, then publish an event;
 * they never write LMDB. The projection half (reel_users_apply) turns those
 * events into the USERS and SESSIONS tables. Queries read those tables.
 *
 * Usernames are claimed by publishing user.registered on the subject
 * reel.ev.user.<username> with "no message on this subject yet" as a
 * precondition, so two API nodes racing for one name cannot both win.
 * Passwords are hashed with argon2id before anything leaves this file; a
 * bearer token is 32 random bytes shown to the client once, and only its
 * BLAKE2b hash is published and stored. */
#pragma once

#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

#define REEL_USERNAME_MIN 3
#define REEL_USERNAME_MAX 32

gboolean reel_users_validate_username (const char *username, GError **error);

typedef struct
{
  const char *username;
  const char *password;
  const char *display_name; /* optional */
  const char *email;        /* optional */
} ReelRegistration;

/* Validates everything that can be checked without the log. */
gboolean reel_users_validate_registration (const ReelRegistration *reg, GError **error);

/* Publishes user.registered; REEL_ERROR_CONFLICT when the name is taken. */
gboolean reel_users_register (ReelBus *bus, const ReelRegistration *reg, guint64 *seq,
                              GError **error);

/* Verifies the password against the projection and publishes
 * session.created; returns the token (to show once) and its expiry. */
gboolean reel_users_login (ReelBus *bus, ReelStore *store, const char *username,
                           const char *password, gint64 ttl_s, char **token, gint64 *expires_at,
                           guint64 *seq, GError **error);

/* Publishes session.revoked for the session behind token. */
gboolean reel_users_logout (ReelBus *bus, ReelStore *store, const char *token, guint64 *seq,
                            GError **error);

/* Expired sessions leave the read model through the log: when the local
 * projection holds a session that expired at or before now_s, publishes
 * session.expired {before: now_s} (on reel.ev.sessions.expired), whose
 * application deletes every session expired by then, so a rebuild removes
 * exactly what the running system removed. *expired: how many there were
 * (0: nothing published). */
gboolean reel_users_expire_sessions (ReelBus *bus, ReelStore *store, gint64 now_s, guint *expired,
                                     GError **error);

/* The username behind a valid, unexpired token; REEL_ERROR_UNAUTHORIZED
 * otherwise. */
char *reel_users_authenticate (ReelStore *store, const char *token, gint64 *expires_at,
                               GError **error);

/* The stored record inside a transaction; NULL with error unset when absent. */
JsonObject *reel_users_load (ReelTxn *txn, const char *username, GError **error);

/* The public view of a user (no email, no hash); REEL_ERROR_NOT_FOUND. */
JsonObject *reel_users_get_public (ReelStore *store, const char *username, GError **error);

/* Projection: applies user.* and session.* events. Unknown types are ignored. */
gboolean reel_users_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
