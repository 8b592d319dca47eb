/* Storage quotas: how many bytes of originals a user holds and has uploaded
 * in the last 24 hours, against the limits (uploads.quota_bytes and
 * uploads.daily_quota_bytes, or an admin's override for that user).
 *
 * A projection of its own, from the events alone: video.created adds the
 * announced size (what the upload may become: the check must hold before
 * the bytes arrive), video.deleted and video.upload_aborted take it back
 * from the total (not from the day's: re-uploading after a delete still
 * counts). Overrides come from user.quota_set, which only admins publish.
 *
 * Tables: QUOTA_USAGE username -> {"used", "quota_bytes"?, "daily_quota_bytes"?};
 * QUOTA_VIDEOS video id -> {"owner", "size"}; QUOTA_RECENT owner \0 time \0
 * video id -> u64 BE size (the day's uploads, read by time). */
#pragma once

#include "app/video/videos.h"
#include "bus/events.h"
#include "store/store.h"
#include "store/watermark.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 quota;      /* 0: no limit */
  guint64 daily;      /* 0: no limit */
  guint64 used;       /* originals held */
  guint64 used_today; /* uploaded in the last 24 hours */
} ReelQuota;

/* username's quota: its overrides or the defaults, and its usage at now_s
 * (Unix seconds). */
gboolean reel_quotas_get (ReelTxn *txn, const char *username, guint64 default_quota,
                          guint64 default_daily, gint64 now_s, ReelQuota *q, GError **error);

/* REEL_ERROR_QUOTA_EXCEEDED, saying what is left, when size more bytes
 * would pass either limit. */
gboolean reel_quotas_check (ReelStore *store, const char *username, guint64 default_quota,
                            guint64 default_daily, guint64 size, GError **error);

/* The creations of one node, one at a time: each is checked against the
 * quota projection once it holds every creation the node published before
 * (applied: the local projection's watermark; NULL on a node that runs
 * none, where the check reads what it finds; when the projection is stuck,
 * after a second, and then for a few seconds without waiting). So uploads started together
 * cannot pass a quota together; on several API nodes, a few may still
 * pass at once, one per node. */
typedef struct ReelQuotaGate ReelQuotaGate;

ReelQuotaGate *reel_quota_gate_new (ReelStore *store, ReelWatermark *applied, guint64 default_quota,
                                    guint64 default_daily);
void reel_quota_gate_free (ReelQuotaGate *gate);
/* Waits for the node's earlier creations, checks the draft's size against
 * its owner's quota (reel_quotas_check), then publishes its video.created
 * (reel_videos_create: *id, *seq). */
gboolean reel_quota_gate_create (ReelQuotaGate *gate, ReelBus *bus, const ReelVideoDraft *draft,
                                 guint64 max_size, char **id, guint64 *seq, GError **error);

/* {"used_bytes","quota_bytes","daily_used_bytes","daily_quota_bytes"} (a
 * limit of 0 shows as null: none). */
JsonObject *reel_quota_to_json (const ReelQuota *q);

/* Publishes user.quota_set for username (which must exist) with actor as
 * its actor; a member not given (has_*) keeps its value, a limit of -1
 * goes back to the server's default. The caller checks that actor is an
 * admin. */
gboolean reel_quotas_set (ReelBus *bus, ReelStore *store, const char *actor, const char *username,
                          gboolean has_quota, gint64 quota, gboolean has_daily, gint64 daily,
                          guint64 *seq, GError **error);

/* Projection: video.created, video.deleted, video.upload_aborted,
 * user.quota_set. */
gboolean reel_quotas_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
