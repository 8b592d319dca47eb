/* A video's chunk table: what the workers made of each chunk (and of the
 * soundtrack), as C structs, and the one place they are turned into JSON
 * and back.
 *
 * A worker describes a finished chunk with ReelChunk (one ReelChunkRendition per
 * rung: its init segment and media segments with their durations and
 * sizes) and publishes it as chunk.transcoded; the soundtrack is one
 * rendition, published as audio.transcoded. The lifecycle's join
 * (app/video/lifecycle.h) stores that event's data as the chunk's row, and
 * the manifests (media/playback.h), the blob clean-up and the CDN push read
 * the rows back as ReelChunk.
 *
 * Table CHUNKS: key "<video>/" + chunk index (4 bytes big-endian, so a
 * video's chunks sort in order) or "<video>/audio"; value: the event's
 * data,
 *   chunk: {"renditions":[ReelChunkRendition...],"chunk":N,"video_id"}
 *   sound: {"rendition":ReelChunkRendition,"video_id","partial"?: true}
 * where a ReelChunkRendition is {"name","codecs"?,"init"?,"first_segment",
 * "durations_ns":[...],"sizes":[...], "width"?,"height"?,"kbps"? (a rung),
 * "bitrate"? (the sound)}. */
#pragma once

#include "store/store.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The chunk index of the soundtrack's row. */
#define REEL_CHUNK_AUDIO G_MAXUINT32

/* A re-transcoded video (reel retranscode) has rendition sets 0, 1, ...:
 * chunk i of set s is row REEL_CHUNK_SET_BASE (s) + i, so a new set's
 * chunks are stored beside the set being served until the switch. The
 * soundtrack stays one row, shared. */
#define REEL_CHUNK_SET_SHIFT 24
#define REEL_CHUNK_SET_MAX 254
#define REEL_CHUNK_SET_BASE(set) ((guint32)(set) << REEL_CHUNK_SET_SHIFT)
#define REEL_CHUNK_SET_OF(index) ((guint)((index) >> REEL_CHUNK_SET_SHIFT))

/* The rendition set of the row a chunk job or chunk.transcoded names in
 * its "chunk" member (0 when it names none, as a soundtrack's). */
guint reel_chunk_set_named (JsonObject *data);

/* One rendition's segments from one job. */
typedef struct
{
  char *name;           /* "720p", "audio" */
  char *codecs;         /* RFC 6381; NULL when the job produced no samples */
  char *init;           /* the init segment's file name; NULL as codecs */
  guint first_segment;  /* the index of its first media segment, <index>.m4s */
  GArray *durations_ns; /* of guint64, one per media segment */
  GArray *sizes;        /* of guint64 bytes, one per media segment */
  guint width, height;  /* a rung's picture; 0 for the sound */
  guint kbps;           /* a rung's target bitrate; 0 for the sound */
  guint bitrate;        /* the sound's bits per second; 0 when not given */
} ReelChunkRendition;

ReelChunkRendition *reel_chunk_rendition_new (const char *name, guint first_segment);
void reel_chunk_rendition_add_segment (ReelChunkRendition *r, guint64 duration_ns, guint64 size);
void reel_chunk_rendition_free (ReelChunkRendition *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelChunkRendition, reel_chunk_rendition_free)

typedef struct
{
  char *video_id;
  guint32 index;         /* REEL_CHUNK_AUDIO for the soundtrack */
  GPtrArray *renditions; /* of ReelChunkRendition*; the soundtrack has one */
  /* The soundtrack's head: its first segments, published while the rest
   * is encoded so the video can play before the whole soundtrack is done
   * (media/worker.c); the whole soundtrack's row replaces it. */
  gboolean partial;
} ReelChunk;

ReelChunk *reel_chunk_new (const char *video_id, guint32 index);
void reel_chunk_free (ReelChunk *chunk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelChunk, reel_chunk_free)

/* The chunk's rendition called name, or NULL. */
const ReelChunkRendition *reel_chunk_find_rendition (const ReelChunk *chunk, const char *name);

/* The data of chunk.transcoded (or audio.transcoded for the soundtrack). */
JsonObject *reel_chunk_to_json (const ReelChunk *chunk);
/* A chunk from that data; REEL_ERROR_INVALID when it is not one. */
ReelChunk *reel_chunk_from_json (JsonObject *data, GError **error);

/* Whether the table has chunk index of the video. */
gboolean reel_chunks_has (ReelTxn *txn, const char *video_id, guint32 index);
/* Chunk index of the video; NULL with error unset when absent. */
ReelChunk *reel_chunks_get (ReelTxn *txn, const char *video_id, guint32 index, GError **error);
/* Stores data (a chunk.transcoded or audio.transcoded event's) as the row
 * of chunk index, as it came, once reel_chunk_from_json accepts it. */
gboolean reel_chunks_put (ReelTxn *txn, const char *video_id, guint32 index, JsonObject *data,
                          GError **error);
/* How many chunks from 0 on are in the table without a gap (at most total). */
guint reel_chunks_done_prefix (ReelTxn *txn, const char *video_id, guint total);
/* The same from row base on (a rendition set's first chunk). */
guint reel_chunks_done_from (ReelTxn *txn, const char *video_id, guint32 base, guint total);
/* Removes the rows of rendition set set (not the soundtrack's). */
gboolean reel_chunks_delete_set (ReelTxn *txn, const char *video_id, guint set, GError **error);
/* Removes every row of the video. */
gboolean reel_chunks_delete_all (ReelTxn *txn, const char *video_id, GError **error);
/* Adds to keys (a set of strings) the blob key of every segment the
 * video's rows name (store/blob_keys.h), but those of rendition set
 * skip_set (negative: none). */
gboolean reel_chunks_blob_keys (ReelTxn *txn, const char *video_id, gint64 skip_set,
                                GHashTable *keys, GError **error);

G_END_DECLS
