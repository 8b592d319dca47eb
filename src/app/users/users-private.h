/* What the parts of app/users share (users.c, sessions.c, recovery.c,
 * projection.c); nothing outside app/users includes this. It includes
 * nothing of app/users' own, so the parts depend on it, never in a circle. */
#pragma once

#include "bus/bus.h"
#include "store/store.h"

#include <json-glib/json-glib.h>
#include <sodium.h>

G_BEGIN_DECLS

/* libsodium initialized, or REEL_ERROR_INTERNAL. */
gboolean users_ensure_sodium (GError **error);
/* Puts username and the argon2id hash of password into data (a password
 * event's), the hash sealed with the user's key (event version 2) or in
 * plain text (version 1) for an account registered before keys existed.
 * Returns the version, 0 on error. */
int users_put_new_password (ReelBus *bus, const char *username, JsonObject *data,
                            const char *password, GError **error);
/* Drops username's key from the cache of keys (its account is deleted). */
void users_keyring_forget (const char *username);
/* The JSON record under key in db, or NULL (absent: error untouched). */
JsonObject *users_load_record (ReelTxn *txn, ReelDb db, const char *key, GError **error);
/* username's record in a transaction of its own, or REEL_ERROR_NOT_FOUND. */
JsonObject *users_load_user (ReelStore *store, const char *username, GError **error);
/* A session record's expiry (unix s), 0 when unreadable. */
gint64 users_session_expiry (const guint8 *value, gsize len);

G_END_DECLS
