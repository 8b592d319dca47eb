/* Per-user secret keys for crypto-shredding, held in a JetStream KV bucket
 * outside the event log: events carry personal data sealed with the user's
 * key, and purging the key on account deletion makes every copy of that data
 * in the immutable log unreadable. */
#pragma once

#include "bus/bus.h"
#include <glib.h>

/* Bytes of a user key (libsodium crypto_secretbox key). */
#define REEL_USER_KEY_BYTES 32

/* Creates the bucket if missing (history 1: a purge leaves no old key)
 * with replicas copies (nats.replicas). */
gboolean reel_userkeys_ensure (ReelBus *bus, guint replicas, GError **error);

/* Stores a fresh random key for username, or keeps the one already
 * stored, and copies it to key. */
gboolean reel_userkeys_create (ReelBus *bus, const char *username, guint8 key[REEL_USER_KEY_BYTES],
                               GError **error);

/* Copies username's key to key. FALSE with REEL_ERROR_NOT_FOUND when the key
 * does not exist (never created, or shredded). */
gboolean reel_userkeys_get (ReelBus *bus, const char *username, guint8 key[REEL_USER_KEY_BYTES],
                            GError **error);

/* Copies the server-wide key for purpose (e.g. "media-urls") to key,
 * creating it on first use; every node of a cluster gets the same one. It
 * lives in the same bucket under "server.<purpose>", a name no username
 * can take (usernames have no dots: core/text.h). */
gboolean reel_userkeys_server (ReelBus *bus, const char *purpose, guint8 key[REEL_USER_KEY_BYTES],
                               GError **error);

/* Destroys username's key and its history. */
gboolean reel_userkeys_purge (ReelBus *bus, const char *username, GError **error);
