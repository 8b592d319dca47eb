/* Comments on videos: threads one level deep (a reply to a reply joins the
 * same thread, remembering whom it answered), edits by the author, deletes
 * by the author or the video's owner.
 *
 * Events (subject reel.ev.comment.<video id>):
 *   comment.posted   {comment_id, video_id, author, text, thread?, reply_to?}
 *   comment.edited   {comment_id, video_id, text}
 *   comment.deleted  {comment_id, video_id}
 * Tables:
 *   COMMENTS       video id, u64 BE thread time, thread id
 *                  [, u64 BE reply time, reply id] -> comment (JSON)
 *                  A thread's key is a prefix of its replies' keys, so one
 *                  walk in key order gives threads oldest first, each
 *                  followed by its replies oldest first.
 *   COMMENT_IDS    comment id -> its COMMENTS key
 *   USER_COMMENTS  author \0 u64 BE time, comment id -> "": the per-user
 *                  time index the rate limit reads (kept after a delete, so
 *                  deleting does not buy new posts)
 *   COUNTERS       "comments:<video id>"
 * Deleting a thread's first comment deletes its replies; deleting a video
 * deletes its comments.
 *
 * Rate limit: at most `limit` comments per author in any `window` seconds.
 * The count is USER_COMMENTS (what the projection has applied) plus this
 * node's reservations: comments accepted here whose events the projection
 * has not applied yet. Checking and reserving are one step under the gate's
 * lock, so parallel posts on one node cannot all pass on the same stale
 * count; the caller releases the reservation once the projection has the
 * comment (or the post failed), and for that instant between the two a
 * comment counts twice, which only errs towards refusing.
 * Across nodes: every API node projects the same log, so a comment posted
 * elsewhere counts here as soon as it is replicated (milliseconds); only
 * posts racing on different nodes inside that window can pass together. An
 * exact global limit would need a compare-and-set on a shared counter per
 * author for every comment (DESIGN: nothing may assume one process). */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

#define REEL_COMMENT_TEXT_MAX 10000

gboolean reel_comments_validate_text (const char *text, GError **error);

/* This node's comments that passed the rate limit but are not yet in the
 * projection. Thread-safe. */
typedef struct ReelCommentGate ReelCommentGate;
ReelCommentGate *reel_comment_gate_new (void);
void reel_comment_gate_free (ReelCommentGate *gate);

/* Reserves one comment for author when fewer than limit are counted in the
 * window ending at now_us; REEL_ERROR_RATE_LIMITED otherwise, with
 * *retry_after_s when the next one fits. Each TRUE must be followed by one
 * reel_comments_release once the post is applied or has failed. */
gboolean reel_comments_reserve (ReelCommentGate *gate, ReelStore *store, const char *author,
                                guint limit, guint window_s, gint64 now_us, guint *retry_after_s,
                                GError **error);
void reel_comments_release (ReelCommentGate *gate, const char *author);

/* Publishes comment.posted; returns the new comment as the API shows it
 * (without created_at, which the log assigns). */
JsonObject *reel_comments_post (ReelBus *bus, ReelStore *store, const char *author,
                                const char *video_id, const char *text, const char *reply_to,
                                guint64 *seq, GError **error);
/* REEL_ERROR_FORBIDDEN unless user wrote the comment. */
gboolean reel_comments_edit (ReelBus *bus, ReelStore *store, const char *user, const char *video_id,
                             const char *comment_id, const char *text, guint64 *seq,
                             GError **error);
/* Deletes every comment author wrote (comment.deleted each), for account
 * deletion. */
gboolean reel_comments_delete_by_author (ReelBus *bus, ReelStore *store, const char *author,
                                         GError **error);

/* Publishes comment.deleted with user as its actor. REEL_ERROR_FORBIDDEN
 * unless user wrote the comment, owns the video, or is a moderator or an
 * admin (admins: auth.admins); a moderator's deletion of someone else's
 * comment is marked "moderated" and kept in the audit log. */
gboolean reel_comments_delete (ReelBus *bus, ReelStore *store, const char *const *admins,
                               const char *user, const char *video_id, const char *comment_id,
                               guint64 *seq, GError **error);

/* One comment as the API shows it; REEL_ERROR_NOT_FOUND. */
JsonObject *reel_comments_get (ReelStore *store, const char *video_id, const char *comment_id,
                               GError **error);

/* A page of a video's comments: threads oldest (or newest) first, each
 * thread's replies right after it, oldest first. */
JsonObject *reel_comments_list (ReelStore *store, const char *video_id, gboolean newest_first,
                                const ReelPage *page, GError **error);

/* Projection: comment.*, and video.deleted (before the videos projection). */
gboolean reel_comments_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

/* The stored comment (with "author", "video_id", ...), read in txn; NULL
 * when there is no such comment. */
JsonObject *reel_comments_load (ReelTxn *txn, const char *comment_id);

G_END_DECLS
