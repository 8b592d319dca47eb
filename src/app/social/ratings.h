/* Ratings: a like or a dislike per user per video, changeable and
 * removable.
 *
 * Event (subject reel.ev.rating.<user>):
 *   rating.set  {user, video_id, rating: "like"|"dislike"|"none"}
 * The event names the state the user chose, never a change ("+1"): the
 * projection derives the change from the state it holds, so two requests
 * racing on two API nodes (both read "none", both publish "like") still
 * count once, and the counts always equal the rows, in any order the log
 * holds them.
 *
 * The projection keeps:
 *   RATINGS  user \0 video id -> {"rating","at"}   (what each user chose)
 *   LIKED    user \0 u64 BE time (us) + video id -> ""   (their likes,
 *            newest first: the "liked videos" list)
 * plus the counters "likes:<video id>" and "dislikes:<video id>". A deleted
 * account takes its ratings (and their counts) with it.
 *
 * Who may rate is decided by the caller: only a video the user may watch
 * (app/video/visibility.h). */
#pragma once

#include "app/page.h"
#include "core/id.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef enum
{
  REEL_RATING_NONE,
  REEL_RATING_LIKE,
  REEL_RATING_DISLIKE,
} ReelRating;

const char *reel_rating_name (ReelRating rating);
/* REEL_ERROR_INVALID unless name is "like", "dislike" or "none". */
gboolean reel_rating_from_name (const char *name, ReelRating *rating, GError **error);

/* Sets user's rating of video_id (publishes rating.set, always: see
 * ratings.c for why no read of the projection decides it). */
gboolean reel_ratings_set (ReelBus *bus, const char *user, const char *video_id, ReelRating rating,
                           guint64 *seq, GError **error);

/* What user chose (NONE when user is NULL or never rated it). */
ReelRating reel_ratings_get (ReelTxn *txn, const char *user, const char *video_id);
void reel_ratings_count (ReelTxn *txn, const char *video_id, guint64 *likes, guint64 *dislikes);

/* The 8-byte time and the video id after "user \0" in LIKED (the list
 * itself is a composed read: app/query/liked.h). */
#define REEL_RATINGS_LIKED_SUFFIX_LEN REEL_STORE_TIME_ID_LEN

gboolean reel_ratings_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
