/* See projection.h. The core descriptors live here rather than beside each
 * module's apply function: this is the one list of who owns which table
 * (the action projections' descriptors are in their modules, listed here
 * too, so no projection module includes the list). */
#include "app/projection.h"
#include "app/analytics/analytics.h"
#include "app/analytics/related.h"
#include "app/analytics/views.h"
#include "app/social/channels.h"
#include "app/checks/works.h"
#include "app/social/comments.h"
#include "app/feeds/feed_tokens.h"
#include "app/social/notifications.h"
#include "app/search/index.h"
#include "app/social/subscriptions.h"
#include "app/analytics/history.h"
#include "app/moderation/audit.h"
#include "app/invites.h"
#include "app/live/live.h"
#include "app/quotas.h"
#include "app/playlists/playlists.h"
#include "app/social/ratings.h"
#include "app/moderation/reports.h"
#include "app/roles.h"
#include "app/users/users.h"
#include "app/video/lifecycle.h"
#include "app/video/videos.h"

/* Prefixes of the rows each projection owns in COUNTERS and META; they
 * match the counter and key names the modules format. */
#define COUNTERS_SUBSCRIBERS "subscribers:"
#define COUNTERS_CHANNEL_VIDEOS "videos:"
#define COUNTERS_UNREAD "unread:"
#define COUNTERS_COMMENTS "comments:"
#define COUNTERS_SEARCH "search:"
#define META_LIVE "live:"
#define COUNTERS_LIKES "likes:"
#define COUNTERS_DISLIKES "dislikes:"

static const ReelDb subscriptions_dbs[]
    = { REEL_DB_SUBSCRIPTIONS, REEL_DB_SUBSCRIBERS, REEL_DB_SUBSCRIPTION_USERS };
static const ReelProjectionRows subscriptions_rows[]
    = { { REEL_DB_COUNTERS, COUNTERS_SUBSCRIBERS } };
static const ReelDb channels_dbs[] = { REEL_DB_CHANNEL_VIDEOS, REEL_DB_CHANNEL_LISTED };
static const ReelProjectionRows channels_rows[] = { { REEL_DB_COUNTERS, COUNTERS_CHANNEL_VIDEOS } };
static const ReelDb notifications_dbs[] = { REEL_DB_NOTIFICATIONS, REEL_DB_NOTIFY_MEMORY };
static const ReelProjectionRows notifications_rows[] = { { REEL_DB_COUNTERS, COUNTERS_UNREAD } };
static const ReelDb comments_dbs[]
    = { REEL_DB_COMMENTS, REEL_DB_COMMENT_IDS, REEL_DB_USER_COMMENTS, REEL_DB_COMMENT_VIDEOS };
static const ReelProjectionRows comments_rows[] = { { REEL_DB_COUNTERS, COUNTERS_COMMENTS } };
static const ReelDb search_dbs[]
    = { REEL_DB_SEARCH_POSTINGS, REEL_DB_SEARCH_TERMS, REEL_DB_SEARCH_DOCS };
static const ReelProjectionRows search_rows[] = { { REEL_DB_COUNTERS, COUNTERS_SEARCH } };
static const ReelDb audit_dbs[] = { REEL_DB_AUDIT };
static const ReelDb quotas_dbs[]
    = { REEL_DB_QUOTA_USAGE, REEL_DB_QUOTA_VIDEOS, REEL_DB_QUOTA_RECENT };
static const ReelDb reports_dbs[] = { REEL_DB_REPORTS, REEL_DB_REPORTS_OPEN };
static const ReelDb invites_dbs[] = { REEL_DB_INVITES };
static const ReelDb users_dbs[]
    = { REEL_DB_USERS, REEL_DB_SESSIONS, REEL_DB_PASSWORD_RESETS, REEL_DB_EMAIL_VERIFICATIONS };
static const ReelDb videos_dbs[] = { REEL_DB_VIDEOS, REEL_DB_CHUNKS, REEL_DB_VIDEOS_UNANNOUNCED };
static const ReelDb live_dbs[] = { REEL_DB_LIVE };
static const ReelDb feed_tokens_dbs[] = { REEL_DB_FEED_TOKENS };
static const ReelProjectionRows live_rows[] = { { REEL_DB_META, META_LIVE } };
static const ReelDb works_dbs[] = { REEL_DB_WORKS, REEL_DB_WORK_INDEX, REEL_DB_VIDEO_PRINTS };
static const ReelDb ratings_dbs[] = { REEL_DB_RATINGS, REEL_DB_LIKED };
static const ReelDb playlists_dbs[] = { REEL_DB_PLAYLISTS, REEL_DB_PLAYLIST_OWNERS };
static const ReelProjectionRows ratings_rows[]
    = { { REEL_DB_COUNTERS, COUNTERS_LIKES }, { REEL_DB_COUNTERS, COUNTERS_DISLIKES } };

/* The users projection: accounts, sessions, password resets, email
 * verifications, and the
 * role on the account record (roles.c writes the user record). */
static gboolean
users_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  if (g_str_equal (ev->type, "user.role_set"))
    return reel_roles_apply_set (txn, ev, error);
  if (g_str_has_prefix (ev->type, "user.") || g_str_has_prefix (ev->type, "session.")
      || g_str_has_prefix (ev->type, "password_reset.")
      || g_str_has_prefix (ev->type, "email_verification."))
    return reel_users_apply (txn, ev, error);
  return TRUE;
}

static gboolean
invites_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  return !g_str_has_prefix (ev->type, "invite.") || reel_invites_apply (txn, ev, error);
}

static gboolean
videos_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  /* The lifecycle's events move the state machine (app/video/lifecycle.h). */
  if (reel_lifecycle_handles (ev->type))
    return reel_lifecycle_apply_event (txn, ev, error);
  if (g_str_has_prefix (ev->type, "video.") || g_str_equal (ev->type, "chunk.transcoded")
      || g_str_equal (ev->type, "audio.transcoded"))
    return reel_videos_apply (txn, ev, error);
  return TRUE;
}

static gboolean
live_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  return !g_str_has_prefix (ev->type, "live.") || reel_live_apply (txn, ev, error);
}

#define PROJECTION(n, dbs, rows, apply, layout)                                                    \
  static const ReelProjection n##_projection                                                       \
      = { #n, dbs, G_N_ELEMENTS (dbs), rows, G_N_ELEMENTS (rows), apply, layout }
#define PROJECTION_NO_ROWS(n, dbs, apply, layout)                                                  \
  static const ReelProjection n##_projection                                                       \
      = { #n, dbs, G_N_ELEMENTS (dbs), NULL, 0, apply, layout }

/* Layout 2: subscriptions, channels, notifications and comments keep what
 * they used to read from the users, videos and subscriptions tables
 * (SUBSCRIPTION_USERS, CHANNEL_LISTED, NOTIFY_MEMORY, COMMENT_VIDEOS). */

PROJECTION (subscriptions, subscriptions_dbs, subscriptions_rows, reel_subscriptions_apply, 2);
PROJECTION (channels, channels_dbs, channels_rows, reel_channels_apply, 2);
PROJECTION (notifications, notifications_dbs, notifications_rows, reel_notifications_apply, 2);
PROJECTION (comments, comments_dbs, comments_rows, reel_comments_apply, 2);
PROJECTION (search, search_dbs, search_rows, reel_search_apply, 1);
PROJECTION_NO_ROWS (audit, audit_dbs, reel_audit_apply, 1);
PROJECTION_NO_ROWS (quotas, quotas_dbs, reel_quotas_apply, 1);
PROJECTION_NO_ROWS (reports, reports_dbs, reel_reports_apply, 1);
PROJECTION_NO_ROWS (invites, invites_dbs, invites_apply, 1);
PROJECTION_NO_ROWS (users, users_dbs, users_apply, 1);
PROJECTION_NO_ROWS (videos, videos_dbs, videos_apply, 1);
PROJECTION (live, live_dbs, live_rows, live_apply, 1);
PROJECTION_NO_ROWS (works, works_dbs, reel_works_apply, 1);
PROJECTION (ratings, ratings_dbs, ratings_rows, reel_ratings_apply, 1);
PROJECTION_NO_ROWS (playlists, playlists_dbs, reel_playlists_apply, 1);
PROJECTION_NO_ROWS (feed_tokens, feed_tokens_dbs, reel_feed_tokens_apply, 1);

const ReelProjection *const *
reel_projections (void)
{
  /* The order of the single projection of earlier versions, so a log
   * projects exactly as it did while some projections still read others'
   * tables. */
  static const ReelProjection *const all[] = { &subscriptions_projection, &channels_projection,
                                               &notifications_projection, &comments_projection,
                                               &search_projection,        &audit_projection,
                                               &quotas_projection,        &reports_projection,
                                               &users_projection,         &invites_projection,
                                               &videos_projection,        &live_projection,
                                               &works_projection, /* app/checks/works.h */
                                               &ratings_projection,       &playlists_projection,
                                               &feed_tokens_projection,   NULL };
  return all;
}

const ReelProjection *
reel_projection_find (const char *name)
{
  for (const ReelProjection *const *p = reel_projections (); *p; p++)
    if (g_str_equal ((*p)->name, name))
      return *p;
  return NULL;
}

const ReelActionProjection *const *
reel_action_projections (void)
{
  static const ReelActionProjection *const all[]
      = { &reel_views_projection, &reel_analytics_projection, &reel_related_projection,
          &reel_history_projection, NULL };
  return all;
}

const ReelActionProjection *
reel_action_projection_find (const char *name)
{
  for (const ReelActionProjection *const *p = reel_action_projections (); *p; p++)
    if (g_str_equal ((*p)->name, name))
      return *p;
  return NULL;
}

gboolean
reel_projection_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  for (const ReelProjection *const *p = reel_projections (); *p; p++)
    if (!(*p)->apply (txn, ev, error))
      return FALSE;
  return TRUE;
}
