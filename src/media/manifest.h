/* Playlists from the chunk table: the HLS multivariant and media playlists
 * (RFC 8216, fMP4 segments with EXT-X-MAP) and the DASH MPD (ISO/IEC
 * 23009-1, SegmentList), all naming the same CMAF segments.
 *
 * While chunks are still being transcoded, the media playlists are EVENT
 * playlists of the contiguous done prefix (players start at once and keep
 * polling); once all chunks are done they are VOD with EXT-X-ENDLIST. The
 * MPD is static, describing the done prefix until it is complete. The timeline is continuous: no
 * EXT-X-DISCONTINUITY, because every chunk's segments continue the previous
 * chunk's timestamps. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 duration_ns;
  char *uri; /* relative to the playlist */
  /* live: wall-clock time of the first frame (unix µs); 0 = none */
  gint64 program_date_us;
} ReelSegment;

typedef struct
{
  char *name;  /* "720p", "audio" */
  guint width; /* 0 for audio */
  guint height;
  guint bandwidth; /* peak bits per second, for BANDWIDTH */
  char *codecs;    /* RFC 6381, e.g. "avc1.64001f" or "mp4a.40.2" */
  char *init_uri;
  GArray *segments; /* of ReelSegment */
  /* live: media sequence number of the first segment */
  guint first_sequence;
} ReelRendition;

typedef struct
{
  GPtrArray *video;     /* of ReelRendition*, best first */
  ReelRendition *audio; /* NULL when the video has no sound */
  gboolean final;       /* every chunk is done */
  guint64 duration_ns;  /* of the whole video */
  guint frame_rate_n;   /* for the MPD; 0 when unknown */
  guint frame_rate_d;
  gboolean live;              /* a live window (see above) */
  guint64 start_offset_ns;    /* live: begin this far before the live edge */
  const char *playlist_query; /* appended to media playlist URIs, e.g. "?rewind=20"; NULL = none */
  GPtrArray *captions;        /* languages (char*) with captions, or NULL: see below */
} ReelManifest;

ReelRendition *reel_rendition_new (const char *name);
void reel_rendition_add_segment (ReelRendition *r, guint64 duration_ns, const char *uri);
/* The same with the wall-clock time of its first frame (live). */
void reel_rendition_add_live_segment (ReelRendition *r, guint64 duration_ns, const char *uri,
                                      gint64 program_date_us);
void reel_rendition_free (ReelRendition *r);
void reel_manifest_clear (ReelManifest *m);

/* media playlist URIs are "<name>.m3u8" beside the multivariant playlist;
 * captions are "captions/<lang>.m3u8" in an HLS SUBTITLES group "subs",
 * and "captions/<lang>.vtt" in a DASH text AdaptationSet each. */
char *reel_hls_multivariant (const ReelManifest *m);
char *reel_hls_media (const ReelManifest *m, const ReelRendition *r);
char *reel_dash_mpd (const ReelManifest *m);
/* The HLS media playlist of a captions track: its whole WebVTT file as
 * one segment of duration_ns ("<lang>.vtt" beside it). */
char *reel_hls_captions (const char *lang, guint64 duration_ns);

G_END_DECLS
