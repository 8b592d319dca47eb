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
#include "core/text.h"
#include "store/store.h"

G_BEGIN_DECLS

gboolean reel_users_validate_username (const char *username, GError **error);

typedef struct
{
  const char *username;
  const char *password;
  const char *display_name; /* optional */
  const char *email;        /* optional, unless verify */
  gboolean verify;          /* auth.verify_email: the account logs in once its email is verified */
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

/* The sessions of username, newest first: [{"id": the first 16 hex digits
 * of the token's hash, "created_at", "expires_at" (RFC 3339), "current":
 * whether its token is current_token}]. A scan of every session: the list
 * is a rare page, and a per-user index would be one more table to keep. */
JsonArray *reel_users_sessions (ReelStore *store, const char *username, const char *current_token,
                                GError **error);

/* Publishes session.revoked for username's session whose id (as listed)
 * is id; REEL_ERROR_NOT_FOUND when it has none such. */
gboolean reel_users_revoke_session (ReelBus *bus, ReelStore *store, const char *username,
                                    const char *id, guint64 *seq, GError **error);

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
/* Whether username's account is banned (app/moderation/moderation.h):
 * their videos and comments are hidden from everyone else until the ban is
 * lifted. */
gboolean reel_users_is_banned (ReelTxn *txn, const char *username);

/* The same, REEL_ERROR_NOT_FOUND when absent. */
JsonObject *reel_users_require (ReelTxn *txn, const char *username, GError **error);

/* --- Passwords --- */

/* Checks old_password, hashes new_password and publishes
 * user.password_changed; its application revokes every session of the user
 * but the one whose token is keep_token (the one asking). A wrong old
 * password is REEL_ERROR_FORBIDDEN. Hashes twice: run it on the
 * password pool. */
gboolean reel_users_change_password (ReelBus *bus, ReelStore *store, const char *username,
                                     const char *old_password, const char *new_password,
                                     const char *keep_token, guint64 *seq, GError **error);

/* A forgotten password, step 1: the user named by username or email (one
 * of them NULL). When it exists and has an email address, publishes
 * password_reset.requested {username}; the reactor then makes the token and
 * mails it (reel_users_issue_reset). Says nothing about whether the user
 * exists: *seq stays 0 when nothing was published. */
gboolean reel_users_request_reset (ReelBus *bus, ReelStore *store, const char *username,
                                   const char *email, guint64 *seq, GError **error);

/* Step 2, in the reactor: a new reset token for username, valid for ttl_s;
 * publishes password_reset.issued with its hash only (the token itself goes
 * into the email alone, never into the log). Returns the token and the
 * address to mail it to. */
char *reel_users_issue_reset (ReelBus *bus, ReelStore *store, const char *username, gint64 ttl_s,
                              char **email, GError **error);

/* Step 3: sets new_password for the user behind token, once
 * (user.password_reset, published with a precondition on the token's own
 * subject so a token works once even when two requests race); every session
 * of the user is revoked. An unknown, used or expired token is
 * REEL_ERROR_FORBIDDEN. Hashes: run it on the password pool. */
/* Email verification (auth.verify_email). An account registered with
 * verify set has "email_unverified" on its record and cannot log in until
 * a token mailed to it is confirmed. The reactor makes and mails the token
 * after user.registered, and again after email_verification.requested. */

/* Asks for a new link: publishes email_verification.requested {username}
 * when username exists and is still unverified; says nothing otherwise
 * (*seq stays 0). */
gboolean reel_users_request_verification (ReelBus *bus, ReelStore *store, const char *username,
                                          guint64 *seq, GError **error);

/* In the reactor: a new verification token for username, valid for ttl_s;
 * publishes email_verification.issued with its hash only. Returns the token
 * and the address to mail it to; REEL_ERROR_NOT_FOUND when there is nothing
 * to verify (no such user, no email, already verified). */
char *reel_users_issue_verification (ReelBus *bus, ReelStore *store, const char *username,
                                     gint64 ttl_s, char **email, GError **error);

/* Confirms a token: publishes user.email_verified (on the token's own
 * subject, so it works once). An unknown, used or expired token is
 * REEL_ERROR_FORBIDDEN. */
gboolean reel_users_verify_email (ReelBus *bus, ReelStore *store, const char *token, guint64 *seq,
                                  GError **error);

gboolean reel_users_reset_password (ReelBus *bus, ReelStore *store, const char *token,
                                    const char *new_password, guint64 *seq, GError **error);

/* The password rule (length, UTF-8), as registration applies it. */
gboolean reel_users_validate_password (const char *password, GError **error);

/* Projection: applies user.* and session.* events. Unknown types are ignored. */
/* Deletes username's account after checking password (wrong:
 * REEL_ERROR_FORBIDDEN): publishes user.deleted, then shreds the user's key so
 * the personal data sealed in the log can no longer be read. */
gboolean reel_users_delete (ReelBus *bus, ReelStore *store, const char *username,
                            const char *password, guint64 *seq, GError **error);

/* The personal fields (display_name, email, password_hash) of a
 * user.registered event's data: its "sealed" member opened with the user's
 * key, or data itself for a v1 plain event. NULL when sealed and the key is
 * gone (shredded); NULL with error when the key store cannot answer. */
JsonObject *reel_users_open_personal (JsonObject *data, GError **error);

/* Gives the projection the key store it opens sealed personal data with. */
void reel_users_set_keyring (ReelBus *bus);

gboolean reel_users_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
