/* Who may see a video, and whether it may be listed: the one rule every
 * reader applies (HTTP for the API record and the media, the projections
 * for listings, search, feeds, related and notifications).
 *
 * Owners, moderators and admins see every video of theirs or in their
 * care. Everyone else sees a video only when its privacy allows it and
 * moderation has said nothing: a held video is hidden as if it did not
 * exist; a blocked one shows its reason instead (451 on the API record)
 * but none of its media. A banned owner's videos are hidden like held ones
 * until the ban is lifted. A video whose checks before publishing
 * (app/checks/checks.h) have not all passed is hidden the same way: a
 * check that holds or blocks it sets its moderation too. Listings (channel pages, the global list,
 * search, feeds, related, new-video notifications) hold only public
 * videos that moderation has said nothing about, whose checks all passed,
 * of owners not banned. */
#pragma once

#include "app/roles.h"
#include "app/video/record.h"
#include "core/urlsign.h"

G_BEGIN_DECLS

/* Who is asking. */
typedef struct
{
  const char *username; /* NULL: anonymous */
  ReelUserRole role;    /* REEL_USER_ROLE_USER when anonymous */
} ReelViewer;

/* What a viewer may have of a video. */
typedef enum
{
  REEL_SIGHT_NONE,   /* nothing: 404 on the record and the media */
  REEL_SIGHT_REASON, /* blocked: the record answers 451 with the reason; media 404 */
  REEL_SIGHT_WATCH,  /* the record and the media */
} ReelSight;

ReelSight reel_video_sight (const ReelVideo *video, const ReelViewer *viewer);

/* Whether the video may appear in listings, search, feeds, related and
 * new-video notifications (processing state aside: the lists decide that). */
gboolean reel_video_is_listed (const ReelVideo *video);

/* Whether other sites may show it in a frame (/embed/{id}, oEmbed): what an
 * anonymous viewer may watch, so public and unlisted videos (whoever has
 * the link), never private, held or blocked ones, nor a banned owner's. An
 * embed carries no session: not even the owner's private video plays. */
gboolean reel_video_is_embeddable (const ReelVideo *video);

/* Whether its media need a signed URL: anonymous requests (a <video>
 * element, a CDN) cannot fetch them by themselves. */
gboolean reel_video_needs_signature (const ReelVideo *video);

/* The path its media (playlists, manifest, segments, poster) are reached
 * under: "/videos/{id}", or, when they need a signature, the signed
 * "/s/{token}/videos/{id}" valid for ttl_s seconds beyond the video's
 * duration from now (unix seconds), its expiry rounded up so the same
 * viewer gets the same URL for a while (players and browsers cache by URL).
 * Give it only to a viewer whose sight is REEL_SIGHT_WATCH. */
char *reel_video_media_base (const ReelVideo *video, const guint8 key[REEL_URLSIGN_KEY_BYTES],
                             gint64 now, guint ttl_s);

/* Whether token opens the media of the video with this id at now. */
gboolean reel_video_media_token_valid (const char *id, const guint8 key[REEL_URLSIGN_KEY_BYTES],
                                       const char *token, gint64 now);

G_END_DECLS
