/* Playlists: a user's ordered lists of videos, and each user's built-in
 * "Watch later".
 *
 * Events (subject reel.ev.playlist.<id>; data always has "id"):
 *   playlist.created       {id, owner, title, privacy, kind: "custom"|"watch_later"}
 *   playlist.updated       {id, title?, privacy?}      rename, change privacy
 *   playlist.deleted       {id}
 *   playlist.item_added    {id, video_id}              appended at the end
 *   playlist.item_removed  {id, video_id}
 *   playlist.item_moved    {id, video_id, position}    0-based, clamped
 * Each names the state it leads to, so the projection is a pure function
 * of the log: an add of a video already there, a removal of one absent, an
 * event for a deleted playlist all change nothing, in any redelivery.
 *
 * "Watch later" has an id derived from the username, so every API node
 * names the same one; it is created by claiming its empty subject on first
 * use (bus.h: expect_subject_empty), so two first saves racing create it
 * once. It is always private and cannot be renamed or deleted.
 *
 * The projection keeps:
 *   PLAYLISTS        id -> {id, owner, title, privacy, kind, created_at,
 *                           updated_at, items: [video id, ...]}
 *   PLAYLIST_OWNERS  owner \0 id -> ""   (a user's playlists)
 * The items are one array in the record: a playlist is short (at most
 * REEL_PLAYLIST_MAX_ITEMS) and a reorder rewrites one row.
 *
 * Privacy: public and unlisted playlists are seen by anyone with the id
 * (public ones are meant to be linked from the owner's channel); a private
 * one only by its owner, and is as absent as a missing one (404) to anyone
 * else. Items are shown only while the viewer may watch the video
 * (app/video/visibility.h). */
#pragma once

#include "app/page.h"
#include "app/video/visibility.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Enough for any list a person curates by hand, small enough that the
 * record (about 14 bytes a video) stays one LMDB page run. */
#define REEL_PLAYLIST_MAX_ITEMS 5000
#define REEL_PLAYLIST_MAX_TITLE 150

/* Validates a title (1..REEL_PLAYLIST_MAX_TITLE characters, UTF-8) and a
 * privacy ("public", "unlisted", "private"); REEL_ERROR_INVALID if not. */
gboolean reel_playlists_check_title (const char *title, GError **error);
gboolean reel_playlists_check_privacy (const char *privacy, GError **error);

/* The id of user's "Watch later" (newly allocated). */
char *reel_playlists_watch_later_id (const char *user);

/* Commands: each checks what it may against the projection and publishes
 * one event (seq is its sequence). REEL_ERROR_NOT_FOUND for a playlist the
 * user may not see, REEL_ERROR_FORBIDDEN for one they may see but do not
 * own. */
char *reel_playlists_create (ReelBus *bus, const char *user, const char *title, const char *privacy,
                             guint64 *seq, GError **error);
gboolean reel_playlists_update (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                                const char *title, const char *privacy, guint64 *seq,
                                GError **error);
gboolean reel_playlists_delete (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                                guint64 *seq, GError **error);
/* Adds video_id (which user must be able to watch) at the end; id NULL
 * means user's Watch later, created on first use. */
gboolean reel_playlists_add (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                             const char *video_id, guint64 *seq, GError **error);
gboolean reel_playlists_remove (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                                const char *video_id, guint64 *seq, GError **error);
gboolean reel_playlists_move (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                              const char *video_id, gint64 position, guint64 *seq, GError **error);

/* The playlist as viewer sees it, with one page of its items (the video
 * list items viewer may watch, in playlist order; the cursor is the last
 * item's video id):
 *   {id, owner, title, privacy, kind, count, created_at, updated_at,
 *    items: [...], next_cursor}
 * REEL_ERROR_NOT_FOUND when absent or private to someone else. */
JsonObject *reel_playlists_get (ReelStore *store, const char *id, const ReelViewer *viewer,
                                const ReelPage *page, GError **error);
/* One page of user's own playlists (all privacies), each without items. */
JsonObject *reel_playlists_mine (ReelStore *store, const char *user, const ReelPage *page,
                                 GError **error);

gboolean reel_playlists_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
