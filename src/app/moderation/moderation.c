/* See moderation.h. */
#include "app/moderation/moderation.h"
#include "app/roles.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/text.h"

/* The reason a ban or block needs (the user or the viewers are told it):
 * REEL_ERROR_INVALID with why when absent, or when not 1 to max
 * characters of text. */
static gboolean
check_reason (const char *reason, guint max, const char *why, GError **error)
{
  if (!reason)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s", why);
      return FALSE;
    }
  return reel_text_check ("reason", reason, 1, max, TRUE, error);
}

/* actor's role in *mine; REEL_ERROR_FORBIDDEN below moderator. */
static gboolean
require_moderator (ReelTxn *txn, const char *const *admins, const char *actor, ReelUserRole *mine,
                   GError **error)
{
  if (!reel_roles_of (txn, actor, admins, mine, error))
    return FALSE;
  if (*mine >= REEL_USER_ROLE_MODERATOR)
    return TRUE;
  g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "this needs the moderator role");
  return FALSE;
}

gboolean
reel_moderation_ban (ReelBus *bus, ReelStore *store, const char *const *admins, const char *actor,
                     const char *username, gboolean ban, const char *reason, guint64 *seq,
                     GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  ReelUserRole mine, theirs;
  gboolean banned;

  if (ban
      && !check_reason (reason, REEL_BAN_REASON_MAX, "a ban needs a reason (the user is told it)",
                        error))
    return FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    g_autoptr (JsonObject) user = NULL;
    if (!txn || !require_moderator (txn, admins, actor, &mine, error))
      return FALSE;
    if (!(user = reel_users_require (txn, username, error)))
      return FALSE;
    theirs = reel_roles_of_record (user, admins);
    banned = json_object_has_member (user, "banned");
  }
  if (theirs >= mine)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                   "%s is a %s: only someone with a higher role can ban them", username,
                   reel_user_role_name (theirs));
      return FALSE;
    }
  if (banned == ban)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "%s is %s", username,
                   ban ? "banned already" : "not banned");
      return FALSE;
    }
  json_object_set_string_member (data, "username", username);
  if (ban)
    json_object_set_string_member (data, "reason", reason);
  subject = reel_event_subject ("moderation", username);
  return reel_events_publish (bus, subject, ban ? "user.banned" : "user.unbanned", 1, actor, data,
                              FALSE, seq, error);
}

gboolean
reel_moderation_block (ReelBus *bus, ReelStore *store, const char *const *admins, const char *actor,
                       const char *video_id, gboolean block, const char *reason, guint64 *seq,
                       GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL, *owner = NULL;
  ReelUserRole mine;
  gboolean blocked;

  if (block
      && !check_reason (reason, REEL_BLOCK_REASON_MAX,
                        "a block needs a reason (the owner and viewers are told it)", error))
    return FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    g_autoptr (ReelVideo) v = NULL;
    if (!txn || !require_moderator (txn, admins, actor, &mine, error))
      return FALSE;
    if (!(v = reel_videos_require (txn, video_id, error)))
      return FALSE;
    /* A video a check held is unblocked (published) or blocked by the
     * same two routes: the moderator's decision (app/checks/checks.h). */
    blocked
        = block ? v->moderation == REEL_MODERATION_BLOCKED : v->moderation != REEL_MODERATION_NONE;
    owner = g_strdup (v->owner);
  }
  if (blocked == block)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "video %s is %s", video_id,
                   block ? "blocked already" : "not blocked");
      return FALSE;
    }
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "owner", owner);
  if (block)
    json_object_set_string_member (data, "reason", reason);
  subject = reel_event_subject ("video", video_id);
  return reel_events_publish (bus, subject, block ? "video.blocked" : "video.unblocked", 1, actor,
                              data, FALSE, seq, error);
}
