/* Private feed tokens: the secret in the URL of a user's subscriptions
 * feed (GET /feeds/subscriptions/{username}/rss?token=...), which a feed
 * reader fetches without a session. One per user; making a new one
 * replaces the old, so a leaked URL is cut off by rotating.
 *
 * Like session tokens (core/secret.h) the token is shown to its owner once
 * and known to reel only by its hash: feed_token.created on
 * reel.ev.feed_token.<username> carries the hash, and the projection keeps
 * it in FEED_TOKENS (username -> {"token_hash","created_at"}). The
 * username in the URL finds the row; the presented token's hash is
 * compared in constant time. user.deleted drops the row. */
#pragma once

#include "bus/bus.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Publishes feed_token.created for username; returns the new token (shown
 * once). */
char *reel_feed_tokens_rotate (ReelBus *bus, const char *username, guint64 *seq, GError **error);

/* Whether token is username's current feed token. */
gboolean reel_feed_tokens_check (ReelStore *store, const char *username, const char *token);

/* Projection (the feed_tokens descriptor is in app/projection.c):
 * feed_token.created, user.deleted. */
gboolean reel_feed_tokens_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
