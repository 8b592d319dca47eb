/* Cutting a fragmented MP4 (as mp4mux writes it with fragment-duration)
 * into CMAF pieces: the init segment (ftyp + moov) and one media segment per
 * fragment (moof + mdat), with each fragment's duration and the track's
 * RFC 6381 codecs string for the playlists.
 *
 * mp4mux starts every file's decode times at zero; a chunk that begins at
 * 6 s of the video must say so, so the splitter adds the chunk's start to
 * each fragment's base media decode time (tfdt).
 *
 * With B-frames, decoding runs ahead of presentation by the reorder
 * delay: mp4mux gives every keyframe (and so the first sample) a
 * composition offset of that delay, which would present each chunk that
 * much after its start. The splitter starts the decode times at the
 * chunk's start and adds an edit list (media_time = the first sample's
 * offset) to the init segment, as ffmpeg's MP4 muxer does, so the first
 * picture of every chunk is presented at the chunk's start and both
 * timelines run on from chunk to chunk without gap or overlap; every
 * chunk's encoder has the same settings, hence the same delay. Those are
 * the only bytes it changes: everything else is mp4mux's output as
 * written. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  GBytes *init;
  GPtrArray *segments;  /* GBytes*, moof+mdat each */
  GArray *durations_ns; /* guint64 per segment */
  guint32 timescale;
  char *codecs; /* "avc1.640028", "mp4a.40.2" */
} ReelCmaf;

void reel_cmaf_free (ReelCmaf *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelCmaf, reel_cmaf_free)

/* Splits data; offset_ns is added to every fragment's decode time.
 * REEL_ERROR_NOT_FOUND when the file holds no samples at all. */
ReelCmaf *reel_cmaf_split (GBytes *data, guint64 offset_ns, GError **error);

/* Marks the first priming samples (track timescale ticks) of the only track
 * as not to be presented, with an edit list (edts/elst: media_time =
 * priming, segment_duration 0 = the rest) in the init segment. AAC encoders
 * put priming samples in front of the sound; without the edit, players
 * start the sound that much late (the splitter uses the same edit for
 * B-frames' reorder delay). mp4mux writes no edit list in fragmented
 * files, hence this. An init that has one already is left as it is. */
gboolean reel_cmaf_set_priming (ReelCmaf *c, guint32 priming, GError **error);

/* What that edit list adds to an init segment: edts(8) { elst(8)
 * version/flags(4) entry_count(4) {segment_duration(4) media_time(4)
 * rate(4)} }. reel_cmaf_split's output is the input's bytes plus at most
 * this. */
#define REEL_CMAF_EDIT_LIST_BYTES 36
/* For reading mp4mux's output as it is written: the size of the box that
 * starts at p (avail bytes are there so far) and its type (5 bytes with
 * the NUL), or 0 while its header is incomplete. A box whose size field is
 * 0 ("to the end of the file") or too small for its header is malformed:
 * G_MAXSIZE. */
gsize reel_cmaf_box_size (const guint8 *p, gsize avail, char type[5]);

G_END_DECLS
