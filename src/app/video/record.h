/* The video record: what the VIDEOS table holds about one video, as a C
 * struct, and the one place it is turned into JSON and back.
 *
 * Everything that reads or changes a video goes through ReelVideo: the
 * lifecycle (app/video/lifecycle.h) moves its state, HTTP renders it, lists
 * and projections read its owner, title and state. The names of its states
 * and privacy levels exist only here (reel_video_state_name,
 * reel_privacy_name); everyone else compares the enums. A unit test
 * (tests/tools/check_state_literals.py) keeps it so.
 *
 * Stored form (table VIDEOS: id -> JSON object), as every earlier version
 * wrote it:
 *   {"id","owner","title","description","filename"?,"size","state",
 *    "created_at","updated_at","original"?,
 *    the plan once probed: "duration_ns","width","height","rotation","fps_n",
 *      "fps_d","has_audio","segment_ns","first_chunk_ns","chunk_ns",
 *      "chunks_total","rungs",
 *    "chunks_done"? (once the first chunk or the sound is joined),
 *    "error"? (failed), "poster"?, "ready_at"? (video.ready applied),
 *    "cdn"? (true once pushed), "privacy"? (absent = public),
 *    "downloadable"? (true once its owner allows downloads; absent = false),
 *    "moderation"? ("held" | "blocked"; absent = none), "moderation_reason"?,
 *    "storyboard"?, "storyboard_sprite"? (video.storyboard applied), "poster_small"?,
 *    "checks"? ([{"name","state","detail"?}], once the checks were requested),
 *    "captions"? ([{"lang","file"}] by language, while it has any)}
 * A record read from the table remembers that JSON; writing it back updates
 * those members in place, so members keep the place they were first
 * written in (the order json-glib and earlier versions kept) and members
 * this version does not know survive. A rebuild therefore writes the same
 * bytes as the version that wrote the log (a test compares dumps). */
#pragma once

#include "core/ladder.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where a video is between upload and playback. Only the lifecycle
 * (app/video/lifecycle.h) moves it; its header draws the machine. */
typedef enum
{
  REEL_VIDEO_UPLOADING,  /* created; its original is arriving */
  REEL_VIDEO_PROCESSING, /* the original is complete: probed, planned, transcoding */
  REEL_VIDEO_PLAYABLE,   /* chunk 0 and the sound are done: playback can start */
  REEL_VIDEO_READY,      /* every chunk is done */
  REEL_VIDEO_FAILED,     /* it cannot be processed (reason in error) */
} ReelVideoState;

/* Who may watch it. Every video so far is public (the default, and what a
 * record without "privacy" holds); the governance work will set the
 * others. */
typedef enum
{
  REEL_PRIVACY_PUBLIC,   /* listed and watchable by anyone */
  REEL_PRIVACY_UNLISTED, /* watchable by anyone with its link, never listed */
  REEL_PRIVACY_PRIVATE,  /* its owner only */
} ReelPrivacy;

/* What moderation says about a video, apart from how far processing got:
 * a moderator's block (POST /api/v1/admin/videos/{id}/block) or a content
 * check (a copyright match, an adult-content score) may hold it for review
 * or block it. Held and blocked videos are in no listing, search, feed or
 * notification; their media are 404 to everyone but the owner, moderators
 * and admins; a blocked one's API record answers 451 with the reason. */
typedef enum
{
  REEL_MODERATION_NONE,    /* nothing said: the privacy decides */
  REEL_MODERATION_HELD,    /* waits for a moderator's decision */
  REEL_MODERATION_BLOCKED, /* taken down (reason in moderation_reason) */
} ReelModeration;

/* Where one check before publishing stands (app/checks/checks.h runs
 * them): a video is published only when every check it was given passed
 * (or was skipped, with the reason in its detail: a check that cannot run
 * here says so rather than pass silently). */
typedef enum
{
  REEL_CHECK_PENDING, /* queued or running */
  REEL_CHECK_PASSED,  /* nothing found, or a moderator cleared it */
  REEL_CHECK_HELD,    /* a moderator decides (detail says why) */
  REEL_CHECK_BLOCKED, /* it may not be published (detail says why) */
  REEL_CHECK_SKIPPED, /* it could not run here (detail says why) */
} ReelCheckState;

typedef struct
{
  char *name; /* "copyright", "adult" */
  ReelCheckState state;
  char *detail; /* NULL while pending or when it passed without remark */
} ReelCheck;

void reel_check_free (ReelCheck *check);

/* A captions track (app/video/captions.h): its language and the file of
 * its WebVTT text beside the renditions (a new name per upload, so a
 * replaced file is never served from a cache). */
typedef struct
{
  char *lang; /* BCP 47 (core/webvtt.h) */
  char *file; /* "captions-<lang>-<n>.vtt" */
} ReelCaption;

/* The names the API, the events and the stored records use. */
const char *reel_video_state_name (ReelVideoState state);
gboolean reel_video_state_from_name (const char *name, ReelVideoState *state);
const char *reel_privacy_name (ReelPrivacy privacy);
gboolean reel_privacy_from_name (const char *name, ReelPrivacy *privacy);
const char *reel_moderation_name (ReelModeration moderation);
gboolean reel_moderation_from_name (const char *name, ReelModeration *moderation);
const char *reel_check_state_name (ReelCheckState state);
gboolean reel_check_state_from_name (const char *name, ReelCheckState *state);

/* A state where processing has ended (ready or failed): nothing moves it
 * any more. */
gboolean reel_video_state_is_final (ReelVideoState state);
/* A state with playlists to serve (playable or ready). */
gboolean reel_video_state_is_playable (ReelVideoState state);

/* The media plan of a video (video.probed; media/plan.h computes it):
 * the probe's facts and how the timeline is cut. */
typedef struct
{
  guint64 duration_ns;
  guint width, height; /* display orientation */
  gint rotation;
  guint fps_n, fps_d; /* 0/0 when unknown */
  gboolean has_audio;
  char *video_codec; /* the probe's; in video.probed only, never in the record */
  guint64 segment_ns;
  guint64 first_chunk_ns; /* chunk 0 (short, so the video plays early) */
  guint64 chunk_ns;       /* every other chunk */
  guint chunks_total;
  GArray *rungs; /* of ReelRung, best first, as the video gets them */
} ReelVideoPlan;

ReelVideoPlan *reel_video_plan_copy (const ReelVideoPlan *plan);
void reel_video_plan_free (ReelVideoPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelVideoPlan, reel_video_plan_free)

/* The data of video.probed: {video_id, the plan's members}. */
JsonObject *reel_video_plan_to_event (const ReelVideoPlan *plan, const char *video_id);
/* A plan read from video.probed's data (or a record holding the same
 * members); REEL_ERROR_INVALID when it is not one. Plans made before the
 * short first chunk have equal chunks (first_chunk_ns = chunk_ns). */
ReelVideoPlan *reel_video_plan_from_json (JsonObject *o, GError **error);

typedef struct
{
  char *id;
  char *owner;
  char *title;
  char *description; /* NULL when the creation gave none */
  char *filename;    /* NULL when the upload named none */
  guint64 size;      /* bytes of the original */
  ReelVideoState state;
  ReelPrivacy privacy;
  char *created_at; /* RFC 3339, from the events */
  char *updated_at;
  char *original;            /* its blob key once uploaded (store/blob_keys.h); else NULL */
  ReelVideoPlan *plan;       /* NULL until probed */
  gboolean progress;         /* the join has counted chunks_done (the first chunk or sound is in) */
  guint chunks_done;         /* the contiguous done prefix of the chunk table */
  char *error;               /* failed: why */
  char *poster;              /* the poster's file name once made */
  char *ready_at;            /* when video.ready was applied: it is announced */
  gboolean cdn;              /* its segments are on the CDN (app/cdn.h) */
  gboolean downloadable;     /* its owner lets viewers download it as MP4 */
  ReelModeration moderation; /* NONE unless held or blocked */
  char *moderation_reason;   /* held or blocked: why, for the owner and viewers */
  GPtrArray *checks;         /* of ReelCheck, in the order requested; NULL: none were */
  GPtrArray *captions;       /* of ReelCaption, by language; NULL: none */
  char *storyboard;          /* its seek previews' WebVTT file name once made */
  char *storyboard_sprite;   /* and their sprite sheet's (media/storyboard.h) */
  char *poster_small;        /* the poster 320 wide, for lists (media/thumbnail.h) */
  guint rendition_set;       /* the set of renditions served: 0 until re-transcoded; plan is its
                                plan, its chunks rows REEL_CHUNK_SET_BASE (set) + i (chunks.h) */
  ReelVideoPlan *next_plan;  /* a re-transcode under way (media/retranscode.h): the plan of set
                                next_set, served from when its last chunk is in; NULL: none */
  guint next_set;
  ReelVideoPlan *retired_plan; /* the set served before the last switch, still served to players
                                  that loaded its master playlist before it (retired_at; see
                                  reel_video_retired_served); NULL: none */
  guint retired_set;
  char *retired_at; /* when the switch away from it was applied */
  guint failed_set; /* the last re-transcode given up (video.retranscode_failed), until
                       the next is asked for: its set and why; 0: none */
  char *failed_set_reason;

  guint64 views; /* never stored: the views projection's count (app/analytics/views.h) */
  guint64 likes; /* never stored: the ratings projection's counts (app/social/ratings.h) */
  guint64 dislikes;
  gboolean owner_banned; /* never stored: the owner's account is banned (app/users/users.h) */
  JsonObject *json;      /* the stored form it was read from, or NULL (see top) */
  gint refs;             /* references: reel_video_new gives one, reel_video_free drops one */
} ReelVideo;

ReelVideo *reel_video_new (const char *id);
/* Another reference to video, for a record shared read-only
 * (reel_videos_get_shared); reel_video_free drops it. */
ReelVideo *reel_video_ref (ReelVideo *video);
/* The captions track in lang, or NULL. */
const ReelCaption *reel_video_caption (const ReelVideo *video, const char *lang);
/* Sets the track in lang to file (NULL: removes it), keeping them by
 * language. */
void reel_video_set_caption (ReelVideo *video, const char *lang, const char *file);
/* The check named name, or NULL. */
ReelCheck *reel_video_check (const ReelVideo *video, const char *name);
/* Whether every check the video was given has passed or was skipped
 * (TRUE for a video given none, as every video before checks). */
gboolean reel_video_checks_cleared (const ReelVideo *video);
/* Whether the set served before the last switch (retired_plan) is still
 * served at now_s to players that read its playlists before the switch:
 * for keep_s after it (cleanup.grace_seconds), after which the clean-up
 * reclaims its blobs. */
gboolean reel_video_retired_served (const ReelVideo *video, gint64 now_s, guint keep_s);
/* The checks as the record and the API show them: [{name,state,detail?}]. */
JsonArray *reel_video_checks_to_json (const ReelVideo *video);
/* Drops a reference; the last frees the record. */
void reel_video_free (ReelVideo *video);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelVideo, reel_video_free)

/* The record from its stored JSON; REEL_ERROR_INVALID when it is not one
 * (no id or owner, an unknown state or privacy, a malformed plan). */
ReelVideo *reel_video_from_json (JsonObject *o, GError **error);
ReelVideo *reel_video_from_bytes (const void *data, gsize len, GError **error);
/* Its stored JSON (see top): the remembered object updated in place, or a
 * new one. The caller owns the reference. */
JsonObject *reel_video_to_json (const ReelVideo *video);

G_END_DECLS
