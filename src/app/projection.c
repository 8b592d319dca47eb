/* See projection.h. */
#include "app/projection.h"
#include "app/channels.h"
#include "app/comments.h"
#include "app/notifications.h"
#include "app/search.h"
#include "app/subscriptions.h"
#include "app/audit.h"
#include "app/invites.h"
#include "app/live.h"
#include "app/quotas.h"
#include "app/reports.h"
#include "app/roles.h"
#include "app/users.h"
#include "app/video/videos.h"

gboolean
reel_projection_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  /* The social read models go first: they see the user or video record as
   * it was before this event (e.g. "not yet ready", "not yet failed"), which
   * is how each acts once on an event that may repeat. */
  if (!reel_subscriptions_apply (txn, ev, error) || !reel_channels_apply (txn, ev, error)
      || !reel_notifications_apply (txn, ev, error) || !reel_comments_apply (txn, ev, error)
      || !reel_search_apply (txn, ev, error) || !reel_audit_apply (txn, ev, error)
      || !reel_quotas_apply (txn, ev, error) || !reel_reports_apply (txn, ev, error))
    return FALSE;
  if (g_str_equal (ev->type, "user.role_set"))
    return reel_roles_apply_set (txn, ev, error);
  if (g_str_has_prefix (ev->type, "invite."))
    return reel_invites_apply (txn, ev, error);
  if (g_str_has_prefix (ev->type, "user.") || g_str_has_prefix (ev->type, "session.")
      || g_str_has_prefix (ev->type, "password_reset."))
    return reel_users_apply (txn, ev, error);
  if (g_str_has_prefix (ev->type, "video.") || g_str_equal (ev->type, "chunk.transcoded")
      || g_str_equal (ev->type, "audio.transcoded"))
    return reel_videos_apply (txn, ev, error);
  if (g_str_has_prefix (ev->type, "live."))
    return reel_live_apply (txn, ev, error);
  /* A type this version does not know (written by a newer node) is skipped,
   * not an error: the newer node's projection handles it. */
  return TRUE;
}
