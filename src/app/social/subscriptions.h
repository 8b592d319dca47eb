/* Subscriptions: who follows which channel.
 *
 * Events (subject reel.ev.subscription.<subscriber>):
 *   subscription.created  {subscriber, channel}
 *   subscription.deleted  {subscriber, channel}
 * The projection keeps the same fact twice, in the order of each query:
 *   SUBSCRIPTIONS  subscriber \0 channel -> {"at"}   (mine)
 *   SUBSCRIBERS    channel \0 subscriber -> {"at"}   (a channel's followers)
 * written together from the same event in one transaction (the change-data-
 * capture step of the source design: the mirror is derived, never written by
 * a command), plus the counter "subscribers:<channel>".
 *
 * Subscribing to yourself or to a channel that does not exist is refused;
 * subscribing again, or unsubscribing when not subscribed, publishes nothing
 * and answers as if it had (idempotent). Should two API nodes race and both
 * publish, the projection applies the first and ignores the second. */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* *created is FALSE (and nothing is published) when already subscribed. */
gboolean reel_subscriptions_subscribe (ReelBus *bus, ReelStore *store, const char *subscriber,
                                       const char *channel, gboolean *created, guint64 *seq,
                                       GError **error);
gboolean reel_subscriptions_unsubscribe (ReelBus *bus, ReelStore *store, const char *subscriber,
                                         const char *channel, guint64 *seq, GError **error);

/* The RFC 3339 time subscriber followed channel, or NULL. */
char *reel_subscriptions_since (ReelTxn *txn, const char *subscriber, const char *channel);
guint64 reel_subscriptions_count (ReelTxn *txn, const char *channel);

/* Calls func for every follower of channel (notification fan-out) and for
 * every channel a user follows (the feed); stops when func returns FALSE. */
typedef gboolean (*ReelNameFunc) (const char *name, gpointer user_data);
gboolean reel_subscriptions_foreach_subscriber (ReelTxn *txn, const char *channel,
                                                ReelNameFunc func, gpointer user_data,
                                                GError **error);
gboolean reel_subscriptions_foreach_channel (ReelTxn *txn, const char *subscriber,
                                             ReelNameFunc func, gpointer user_data, GError **error);

gboolean reel_subscriptions_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
