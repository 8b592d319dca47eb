/* See visibility.h. */
#include "app/video/visibility.h"

ReelSight
reel_video_sight (const ReelVideo *video, const ReelViewer *viewer)
{
  g_return_val_if_fail (video && viewer, REEL_SIGHT_NONE);
  if ((viewer->username && g_strcmp0 (viewer->username, video->owner) == 0)
      || viewer->role >= REEL_USER_ROLE_MODERATOR)
    return REEL_SIGHT_WATCH;
  if (video->owner_banned)
    return REEL_SIGHT_NONE;
  switch (video->moderation)
    {
    case REEL_MODERATION_BLOCKED:
      return REEL_SIGHT_REASON;
    case REEL_MODERATION_HELD:
      return REEL_SIGHT_NONE;
    case REEL_MODERATION_NONE:
      break;
    }
  /* Checks still running: not published yet (app/checks/checks.h). */
  if (!reel_video_checks_cleared (video))
    return REEL_SIGHT_NONE;
  switch (video->privacy)
    {
    case REEL_PRIVACY_PRIVATE:
      return REEL_SIGHT_NONE;
    case REEL_PRIVACY_PUBLIC:
    case REEL_PRIVACY_UNLISTED:
      break;
    }
  return REEL_SIGHT_WATCH;
}

gboolean
reel_video_is_listed (const ReelVideo *video)
{
  g_return_val_if_fail (video, FALSE);
  return video->privacy == REEL_PRIVACY_PUBLIC && video->moderation == REEL_MODERATION_NONE
         && !video->owner_banned && reel_video_checks_cleared (video);
}

gboolean
reel_video_needs_signature (const ReelVideo *video)
{
  g_return_val_if_fail (video, TRUE);
  return video->privacy == REEL_PRIVACY_PRIVATE || video->moderation != REEL_MODERATION_NONE
         || !reel_video_checks_cleared (video);
}
