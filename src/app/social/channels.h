/* Channels: a user's public page, the videos it has published, and the
 * feed (the published videos of the channels someone follows).
 *
 * A video is published when it becomes ready (video.ready) and unpublished
 * when deleted (video.deleted). The projection keeps
 *   CHANNEL_VIDEOS  owner \0 u64 BE published time (µs), video id -> ""
 * so a channel's videos walk newest first, plus the counter
 * "videos:<owner>". The feed merges the CHANNEL_VIDEOS ranges of every
 * followed channel at read time (newest first by the same key), so
 * following a channel shows its earlier videos at once, unfollowing hides
 * them, and a deleted video leaves every feed with its one row. */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* The channel as GET /api/v1/users/{username} shows it: username,
 * display_name, created_at, subscriber_count, video_count;
 * REEL_ERROR_NOT_FOUND when there is no such user. */
JsonObject *reel_channels_public (ReelTxn *txn, const char *username, GError **error);

/* A published video as lists show it: the public video plus "published_at".
 * NULL (error unset) when it is gone or may not be listed. */
JsonObject *reel_channels_video_item (ReelTxn *txn, const char *video_id, GError **error);

/* The channel's published videos, newest first. */
JsonObject *reel_channels_videos (ReelStore *store, const char *username, const ReelPage *page,
                                  GError **error);
/* The published videos of the channels username follows, newest first. */
JsonObject *reel_channels_feed (ReelStore *store, const char *username, const ReelPage *page,
                                GError **error);
/* The published videos of every channel, newest first (the home page's
 * "latest"): the feed's merge over all users, one bounded range scan per
 * channel, which suits a self-hosted instance's number of channels. */
JsonObject *reel_channels_latest (ReelStore *store, const ReelPage *page, GError **error);

/* The ids of the channel's latest published videos, newest first, at most
 * limit (for "up next" suggestions). */
void reel_channels_recent (ReelTxn *txn, const char *username, guint limit, GPtrArray *ids);

/* Projection: video.ready, video.deleted (before the videos projection). */
gboolean reel_channels_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
