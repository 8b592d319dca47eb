/* Live channels: a creator's stream key and the sessions streamed with it.
 *
 * Events (subject reel.ev.live.<channel>, the channel being a username):
 *   live.key_created  the owner made a new stream key (replacing any other):
 *                     {channel, key_hash}; only the hash leaves the request
 *   live.started      the live role accepted a stream and publishes it:
 *                     {channel, session, stream, subject_prefix, segment_ns, rungs}
 *   live.ended        the stream stopped: {channel, session, video_id?}, the
 *                     id of the ordinary video the recording became
 * Table LIVE: channel -> {"channel","key_hash","slot","key_created_at",
 *   "state" ("idle"|"live"),"session"?,"started_at"?,"ended_at"?,"stream"?,
 *   "subject_prefix"?,"segment_ns"?,"rungs"?,"video_id"?}.
 *
 * Every channel with a key owns an SRT listener slot: channel number n (in
 * the order the log first gave each channel a key) listens on
 * live.srt_port + n. The projection assigns slots from a counter in META,
 * so every node and every rebuild computes the same ports. An account holds
 * at most one slot: the slot belongs to the channel, which is the account,
 * and a new key replaces the old one in the same slot (integration test
 * hardening/live-slot); how often keys may be made is a rate limit's job.
 *
 * The media of a session lives in the JetStream stream REEL_LIVE_<channel>
 * on reel.live.<channel>.<rendition> (one subject per rung, plus "audio");
 * the stream's window (live.window_seconds / live.window_bytes) is what a
 * viewer can rewind through. */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

#define REEL_LIVE_STATE_LIVE "live"
#define REEL_LIVE_STATE_IDLE "idle"

/* The JetStream stream and subject prefix of a channel's live media. */
char *reel_live_stream_name (const char *channel);
char *reel_live_subject_prefix (const char *channel);

/* Publishes live.key_created for channel with a new key, returned once in
 * *key. REEL_ERROR_CONFLICT when the channel has no slot yet and all
 * max_channels slots are taken. */
gboolean reel_live_create_key (ReelBus *bus, ReelStore *store, const char *channel,
                               guint max_channels, char **key, guint64 *seq, GError **error);

/* Whether key is the channel's current stream key (constant time). */
gboolean reel_live_key_matches (ReelStore *store, const char *channel, const char *key);

gboolean reel_live_publish_started (ReelBus *bus, const char *channel, const char *session,
                                    guint64 segment_ns, JsonArray *rungs, GError **error);
/* video_id may be NULL (nothing was recorded). */
gboolean reel_live_publish_ended (ReelBus *bus, const char *channel, const char *session,
                                  const char *video_id, GError **error);

/* The stored record; REEL_ERROR_NOT_FOUND when the channel never had a key. */
JsonObject *reel_live_get (ReelStore *store, const char *channel, GError **error);

/* Every channel with a stream key, in key order. */
GPtrArray *reel_live_channels (ReelStore *store, GError **error);

/* The list item of a channel's record (which it must not keep). */
typedef JsonObject *(*ReelLiveViewFunc) (JsonObject *record, gpointer user_data);

/* One page (app/page.h) of the channels live now, in channel order, each
 * item made by view. */
JsonObject *reel_live_list_live (ReelStore *store, const ReelPage *page, ReelLiveViewFunc view,
                                 gpointer user_data, GError **error);

/* The record as the API shows it to anyone. */
JsonObject *reel_live_public (JsonObject *record);

gboolean reel_live_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
