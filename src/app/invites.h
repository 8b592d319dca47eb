/* Invite codes, for servers that register by invitation only
 * (auth.registration = invite).
 *
 * An admin makes a code (invite.created); the code is shown once, and only
 * its hash is published and stored, as for session tokens. Registering
 * with it spends it: invite.used is published on the code's own subject
 * with "no message on this subject yet" as a precondition, so two people
 * racing with one code cannot both get an account.
 *
 * Table INVITES: hex(code hash) -> {"created_by","created_at","expires_at"
 * (unix s), "used_by"?, "used_at"?}. */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Publishes invite.created by actor (who must be an admin: the caller
 * checks) valid for ttl_s; returns the code to show once. */
char *reel_invites_create (ReelBus *bus, const char *actor, gint64 ttl_s, gint64 *expires_at,
                           guint64 *seq, GError **error);

/* REEL_ERROR_FORBIDDEN unless code is a known, unused, unexpired invite
 * (one message for every case: a code is a secret). */
gboolean reel_invites_check (ReelStore *store, const char *code, GError **error);

/* Spends code for username (invite.used); REEL_ERROR_FORBIDDEN when it was
 * spent already, also by a racing registration. The caller checks it
 * first (reel_invites_check). */
gboolean reel_invites_redeem (ReelBus *bus, const char *code, const char *username, guint64 *seq,
                              GError **error);

/* One page of the invites, in the order of their hashes (the list is for
 * seeing what is open and who used what), each {"id": the hash's first 16
 * hex digits, "created_by", "created_at", "expires_at", "used_by"?,
 * "used_at"?}. */
JsonObject *reel_invites_list (ReelStore *store, const ReelPage *page, GError **error);

/* Projection: applies invite.* events. */
gboolean reel_invites_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
