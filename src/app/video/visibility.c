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
reel_video_is_embeddable (const ReelVideo *video)
{
  const ReelViewer anonymous = { NULL, REEL_USER_ROLE_USER };
  g_return_val_if_fail (video, FALSE);
  return reel_video_sight (video, &anonymous) == REEL_SIGHT_WATCH;
}

gboolean
reel_video_needs_signature (const ReelVideo *video)
{
  g_return_val_if_fail (video, TRUE);
  return video->privacy == REEL_PRIVACY_PRIVATE || video->moderation != REEL_MODERATION_NONE
         || !reel_video_checks_cleared (video);
}

/* Signed expiries are rounded up to this many seconds. */
#define MEDIA_EXPIRY_STEP_S 600

char *
reel_video_media_base (const ReelVideo *video, const guint8 key[REEL_URLSIGN_KEY_BYTES], gint64 now,
                       guint ttl_s)
{
  g_autofree char *token = NULL;
  gint64 expires;
  g_return_val_if_fail (video, NULL);
  if (!reel_video_needs_signature (video))
    return g_strdup_printf ("/videos/%s", video->id);
  expires
      = now + ttl_s + (video->plan ? video->plan->duration_ns / G_GINT64_CONSTANT (1000000000) : 0);
  expires = (expires + MEDIA_EXPIRY_STEP_S - 1) / MEDIA_EXPIRY_STEP_S * MEDIA_EXPIRY_STEP_S;
  token = reel_urlsign_token (key, video->id, expires);
  return g_strdup_printf ("/s/%s/videos/%s", token, video->id);
}

gboolean
reel_video_media_token_valid (const char *id, const guint8 key[REEL_URLSIGN_KEY_BYTES],
                              const char *token, gint64 now)
{
  return reel_urlsign_check (key, id, token, now);
}
