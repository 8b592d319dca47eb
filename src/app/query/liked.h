/* A composed read: the videos a user liked, newest like first (LIKED,
 * app/social/ratings.h), each rendered as the video's list item (app/video/
 * videos.h) while the user may still watch it. It sits above both so that
 * ratings need not know videos (videos show the ratings' counts). */
#pragma once

#include "app/page.h"
#include "store/store.h"

G_BEGIN_DECLS

JsonObject *reel_liked_videos (ReelStore *store, const char *user, const ReelPage *page,
                               GError **error);

G_END_DECLS
