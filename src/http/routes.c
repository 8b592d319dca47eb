/* See routes.h. */
#include "http/routes.h"
#include "http/pages.h"

/* Defined in api_*.c: each adds its routes. */
void reel_api_users_register (ReelRouter *router);
void reel_api_admin_register (ReelRouter *router);
void reel_api_works_register (ReelRouter *router, ReelRouter *early);
void reel_api_health_register (ReelRouter *router);
void reel_api_videos_register (ReelRouter *router, ReelRouter *early);
void reel_api_multipart_register (ReelRouter *router, ReelRouter *early);
void reel_api_playback_register (ReelRouter *router);
void reel_api_thumbnails_register (ReelRouter *router, ReelRouter *early);
void reel_api_web_register (ReelRouter *router);
void reel_api_channels_register (ReelRouter *router);
void reel_api_ratings_register (ReelRouter *router);
void reel_api_playlists_register (ReelRouter *router);
void reel_api_comments_register (ReelRouter *router);
void reel_api_notifications_register (ReelRouter *router);
void reel_api_search_register (ReelRouter *router);
void reel_api_events_register (ReelRouter *router);
void reel_api_analytics_register (ReelRouter *router);
void reel_api_live_register (ReelRouter *router);
void reel_api_embed_register (ReelRouter *router);
void reel_api_feeds_register (ReelRouter *router);
void reel_api_downloads_register (ReelRouter *router);
void reel_api_captions_register (ReelRouter *router);

void
reel_http_add_routes (ReelRouter *router, ReelRouter *early)
{
  reel_api_users_register (router);
  reel_api_admin_register (router);
  reel_api_works_register (router, early);
  reel_api_videos_register (router, early);
  reel_api_multipart_register (router, early);
  reel_api_playback_register (router);
  reel_api_thumbnails_register (router, early);
  reel_api_health_register (router);
  reel_api_web_register (router);
  reel_router_set_not_found (router, reel_pages_not_found);
  reel_api_channels_register (router);
  reel_api_ratings_register (router);
  reel_api_playlists_register (router);
  reel_api_comments_register (router);
  reel_api_notifications_register (router);
  reel_api_search_register (router);
  reel_api_events_register (router);
  reel_api_analytics_register (router);
  reel_api_live_register (router);
  reel_api_embed_register (router);
  reel_api_feeds_register (router);
  reel_api_downloads_register (router);
  reel_api_captions_register (router);
}
