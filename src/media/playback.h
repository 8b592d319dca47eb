/* A video's playlists from its typed records: the record (app/video/record.h)
 * says which rungs it has and how far it is, the chunk table
 * (app/video/chunks.h) what each chunk's segments are; media/manifest.h
 * writes the HLS and DASH text. HTTP (http/api_playback.c) only serves the
 * result, so the chunk table's layout is read in one place.
 *
 * The manifest covers the contiguous done prefix (chunks_done) while the
 * video is playable, and everything once it is ready; while the picture is
 * incomplete the sound is offered only as far as the picture. */
#pragma once

#include "app/video/record.h"
#include "media/manifest.h"
#include "store/store.h"

G_BEGIN_DECLS

/* The playlist names a video serves beside its segments. */
#define REEL_PLAYLIST_MASTER "master.m3u8"
#define REEL_PLAYLIST_MPD "manifest.mpd"
#define REEL_PLAYLIST_MEDIA_SUFFIX ".m3u8" /* <rendition>.m3u8 */

/* Fills m from the video's record and chunk table. cdn_base, when not
 * NULL, is put in front of every segment URI (a video pushed to the CDN,
 * app/cdn.h). FALSE when the table lacks a chunk the record counts as done
 * (error set when reading failed) or the video has no plan. */
gboolean reel_playback_manifest (ReelTxn *txn, const ReelVideo *video, const char *cdn_base,
                                 ReelManifest *m, GError **error);

/* The text of one playlist: REEL_PLAYLIST_MASTER, REEL_PLAYLIST_MPD or
 * "<rendition>.m3u8"; *content_type its MIME type and *final whether it can
 * still change (FALSE while processing). REEL_ERROR_NOT_FOUND for another
 * name or an unknown rendition, REEL_ERROR_INTERNAL when the chunk table is
 * incomplete. */
char *reel_playback_playlist (ReelTxn *txn, const ReelVideo *video, const char *cdn_base,
                              const char *name, const char **content_type, gboolean *final,
                              GError **error);

/* Whether name is the media playlist of a rung of the set the video
 * served before its last switch (app/video/record.h: retired_plan), and
 * of none it serves now. reel_playback_playlist answers it, from that
 * set's rows, for a player that read the master playlist before the
 * switch; HTTP serves it only while the set is kept
 * (reel_video_retired_served). */
gboolean reel_playback_retired_playlist (const ReelVideo *video, const char *name);

/* Whether the video has a rendition called name (a rung, or "audio" when
 * it has sound). */
gboolean reel_playback_rendition_known (const ReelVideo *video, const char *name);

/* Whether HTTP may serve segments of rendition name: one the video has,
 * or, once it has been re-transcoded (media/retranscode.h), a rung of an
 * earlier set: a player that read its playlists before the switch keeps
 * playing from them while the old blobs last (the set served before the
 * switch is kept cleanup.grace_seconds: reel_video_retired_served). */
gboolean reel_playback_segments_served (const ReelVideo *video, const char *name);

G_END_DECLS
