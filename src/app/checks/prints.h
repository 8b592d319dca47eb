/* Fingerprints as the copyright check compares them: the prints
 * reel-media computes (media/fingerprint.h) decoded into tracks of hashes
 * at a fixed rate, and the matcher.
 *
 * A track is a run of equal-width hashes (audio: Chromaprint's 32-bit
 * items, ~8.08 a second; video: 64-bit luma hashes, 2 a second). Lookup
 * is by band: each hash is cut into 16-bit bands, and a band value is a
 * key of the index (app/checks/works.h keeps it in LMDB), so an upload is
 * compared only with the works that share some exact bands with it, never
 * with every work. A candidate work earns one vote per shared band at an
 * offset (its position minus the upload's); its best offsets are then
 * verified second by second (the mean bit error of the hashes of that
 * second under a threshold), and a match is the longest offset-consistent
 * run of matching seconds, a missed second tolerated inside it (a scene
 * cut, a glitch of the encoder). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  REEL_TRACK_AUDIO,
  REEL_TRACK_VIDEO,
} ReelTrackKind;

typedef struct
{
  ReelTrackKind kind;
  GArray *hashes; /* guint64 (audio items in the low 32 bits) */
} ReelTrack;

ReelTrack *reel_track_new (ReelTrackKind kind);
void reel_track_free (ReelTrack *track);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelTrack, reel_track_free)

/* Hashes a second of the kind's track. */
double reel_track_rate (ReelTrackKind kind);
/* Its name: "audio", "video". */
const char *reel_track_kind_name (ReelTrackKind kind);

/* The audio track of Chromaprint's compressed fingerprint (the chromaprint
 * element's output); REEL_ERROR_INVALID when it is not one. */
ReelTrack *reel_track_from_chromaprint (const char *compressed, GError **error);
/* The video track of reel-media's base64 of little-endian 64-bit hashes. */
ReelTrack *reel_track_from_video (const char *base64, GError **error);

/* The bands a hash is looked up by. */
guint reel_track_bands (ReelTrackKind kind);
guint16 reel_track_band (const ReelTrack *track, guint position, guint band);

/* Where one band value occurs in the works: calls found for each
 * (work, position) until it returns FALSE; returns FALSE when the value
 * is too common to tell anything (a stop word: silence, black). */
typedef void (*ReelTrackFound) (const char *work, guint position, gpointer data);
typedef gboolean (*ReelTrackLookup) (ReelTrackKind kind, guint band, guint16 value,
                                     ReelTrackFound found, gpointer found_data, gpointer data);
/* The works a track may match: work id -> the (position, vote) pairs, as
 * a GHashTable of char* -> GHashTable (offset as gint64 key -> votes). */
GHashTable *reel_track_vote (const ReelTrack *query, ReelTrackLookup lookup, gpointer data);

/* A matched stretch, in seconds of the upload and of the work. */
typedef struct
{
  double query_start, query_end;
  double work_start, work_end;
} ReelTrackRun;

/* The longest run of matching seconds between query and work among the
 * offsets votes (one work's table from reel_track_vote) favours; FALSE
 * when there is none of min_seconds. */
gboolean reel_track_best_run (const ReelTrack *query, const ReelTrack *work, GHashTable *votes,
                              guint min_seconds, ReelTrackRun *run);

G_END_DECLS
