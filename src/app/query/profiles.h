/* Composed reads about accounts: a user's public profile (the account,
 * its subscriber and video counts: app/social/channels.h), and who follows whom
 * as lists of such profiles. They sit above the projections they combine
 * (users, subscriptions, channels), so those need not know each other;
 * HTTP renders what these return. */
#pragma once

#include "app/page.h"
#include "store/store.h"

G_BEGIN_DECLS

/* The public view of a user (no email, no hash); REEL_ERROR_NOT_FOUND. */
JsonObject *reel_profiles_get (ReelStore *store, const char *username, GError **error);

/* Channels subscriber follows, by name: each item is the channel (as GET
 * /api/v1/users/{username}) plus "subscribed_at". */
JsonObject *reel_profiles_subscriptions (ReelStore *store, const char *subscriber,
                                         const ReelPage *page, GError **error);
/* Followers of channel, by name, the same shape; REEL_ERROR_NOT_FOUND when
 * the channel does not exist. */
JsonObject *reel_profiles_subscribers (ReelStore *store, const char *channel, const ReelPage *page,
                                       GError **error);

G_END_DECLS
