/* See prints.h. */
#include "app/checks/prints.h"
#include "core/error.h"

#include <string.h>

/* Chromaprint's item rate: 11025 Hz sampled in hops of 4096/3 samples. */
#define CHROMAPRINT_RATE (11025.0 / 1365.0)
/* A second matches when the mean share of differing bits of its hashes is
 * at most this: the same sound re-encoded stays under ~0.15, the same
 * picture rescaled and brightened under ~0.1, unrelated ones sit near 0.5
 * (audio) and 0.3 (video: neighbouring blocks of natural pictures agree
 * more often than chance). */
#define AUDIO_MAX_BIT_ERROR 0.30
#define VIDEO_MAX_BIT_ERROR 0.15
/* Offsets with fewer votes are chance collisions of 16-bit bands. */
#define MIN_VOTES 3
/* Offsets per work verified second by second: the best few, as a copy
 * cut in the middle of a hop splits its votes between neighbours. */
#define OFFSETS_VERIFIED 4
/* Missed seconds a run bridges. */
#define RUN_GAP_SECONDS 1
/* A video hash with at most this many bits set (or unset) is a flat or
 * evenly graded frame: black, a white title card, a fade. Such frames are
 * alike in every video, so they never count as a matching second (two
 * uploads opening on 10 s of black are not copies of each other). */
#define FLAT_HASH_BITS 4

ReelTrack *
reel_track_new (ReelTrackKind kind)
{
  ReelTrack *t = g_new0 (ReelTrack, 1);
  t->kind = kind;
  t->hashes = g_array_new (FALSE, FALSE, sizeof (guint64));
  return t;
}

void
reel_track_free (ReelTrack *track)
{
  if (!track)
    return;
  g_array_unref (track->hashes);
  g_free (track);
}

double
reel_track_rate (ReelTrackKind kind)
{
  return kind == REEL_TRACK_AUDIO ? CHROMAPRINT_RATE : 2.0;
}

const char *
reel_track_kind_name (ReelTrackKind kind)
{
  return kind == REEL_TRACK_AUDIO ? "audio" : "video";
}

static guint
track_bits (ReelTrackKind kind)
{
  return kind == REEL_TRACK_AUDIO ? 32 : 64;
}

guint
reel_track_bands (ReelTrackKind kind)
{
  return track_bits (kind) / 16;
}

guint16
reel_track_band (const ReelTrack *track, guint position, guint band)
{
  return (guint16)(g_array_index (track->hashes, guint64, position) >> (16 * band));
}

/* --- decoding --- */

/* Base64 as Chromaprint writes it (URL alphabet, no padding). */
static guchar *
base64url_decode (const char *text, gsize *len)
{
  gsize n = strlen (text);
  g_autofree char *std = g_malloc (n + 4);
  for (gsize i = 0; i < n; i++)
    std[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
  while (n % 4)
    std[n++] = '=';
  std[n] = '\0';
  return g_base64_decode (std, len);
}

/* The value of width bits at bit offset bit of data, least significant
 * bit first (Chromaprint's packing). */
static guint
unpack (const guchar *data, gsize len, gsize bit, guint width)
{
  guint v = 0;
  for (guint i = 0; i < width; i++, bit++)
    if (bit / 8 < len && (data[bit / 8] >> (bit % 8)) & 1)
      v |= 1u << i;
  return v;
}

/* Chromaprint's compressed form: an algorithm byte, the item count (24
 * bits, big-endian), then per item the positions of the bits that differ
 * from the previous item, as 3-bit deltas ending in 0 (7 continues in a
 * 5-bit exception stream that follows). */
ReelTrack *
reel_track_from_chromaprint (const char *compressed, GError **error)
{
  gsize len = 0;
  g_autofree guchar *raw = base64url_decode (compressed, &len);
  g_autoptr (ReelTrack) t = reel_track_new (REEL_TRACK_AUDIO);
  g_autoptr (GArray) deltas = g_array_new (FALSE, FALSE, sizeof (guint));
  gsize count, found = 0, bits, exception_bit;
  guint item = 0, value = 0, last_bit = 0;

  if (!raw || len < 4)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "not a Chromaprint fingerprint");
      return NULL;
    }
  count = (gsize)raw[1] << 16 | (gsize)raw[2] << 8 | raw[3];
  bits = (len - 4) * 8;
  for (gsize b = 0; found < count && b + 3 <= bits; b += 3)
    {
      guint d = unpack (raw + 4, len - 4, b, 3);
      g_array_append_val (deltas, d);
      found += d == 0;
    }
  if (found < count)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "a truncated Chromaprint fingerprint");
      return NULL;
    }
  exception_bit = ((deltas->len * 3 + 7) / 8) * 8;
  for (guint i = 0; i < deltas->len; i++)
    {
      guint d = g_array_index (deltas, guint, i);
      if (d == 7)
        {
          d += unpack (raw + 4, len - 4, exception_bit, 5);
          exception_bit += 5;
        }
      if (d == 0)
        {
          guint64 h;
          item = t->hashes->len
                     ? (guint)g_array_index (t->hashes, guint64, t->hashes->len - 1) ^ value
                     : value;
          h = item;
          g_array_append_val (t->hashes, h);
          value = last_bit = 0;
          continue;
        }
      last_bit += d;
      if (last_bit > 32)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "a malformed Chromaprint fingerprint");
          return NULL;
        }
      value |= 1u << (last_bit - 1);
    }
  return g_steal_pointer (&t);
}

ReelTrack *
reel_track_from_video (const char *base64, GError **error)
{
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode (base64, &len);
  g_autoptr (ReelTrack) t = reel_track_new (REEL_TRACK_VIDEO);
  if (len % sizeof (guint64))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "not a video fingerprint");
      return NULL;
    }
  for (gsize i = 0; i < len; i += sizeof (guint64))
    {
      guint64 h;
      memcpy (&h, raw + i, sizeof h);
      h = GUINT64_FROM_LE (h);
      g_array_append_val (t->hashes, h);
    }
  return g_steal_pointer (&t);
}

/* --- voting --- */

typedef struct
{
  GHashTable *works;
  gint64 position;
} Vote;

static void
count_vote (const char *work, guint position, gpointer data)
{
  Vote *v = data;
  GHashTable *offsets = g_hash_table_lookup (v->works, work);
  gint64 *key;
  guint votes;
  if (!offsets)
    {
      offsets = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      g_hash_table_insert (v->works, g_strdup (work), offsets);
    }
  key = g_new (gint64, 1);
  *key = (gint64)position - v->position;
  votes = GPOINTER_TO_UINT (g_hash_table_lookup (offsets, key));
  g_hash_table_replace (offsets, key, GUINT_TO_POINTER (votes + 1));
}

GHashTable *
reel_track_vote (const ReelTrack *query, ReelTrackLookup lookup, gpointer data)
{
  Vote v = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref), 0
  };
  for (guint i = 0; i < query->hashes->len; i++)
    for (guint b = 0; b < reel_track_bands (query->kind); b++)
      {
        v.position = i;
        lookup (query->kind, b, reel_track_band (query, i, b), count_vote, &v, data);
      }
  return v.works;
}

/* --- verification --- */

static gboolean
informative (ReelTrackKind kind, guint64 hash)
{
  guint set = (guint)__builtin_popcountll (hash);
  return kind == REEL_TRACK_AUDIO || (set > FLAT_HASH_BITS && set < 64 - FLAT_HASH_BITS);
}

/* The run at one offset (work position = query position + offset). */
static guint
run_at (const ReelTrack *q, const ReelTrack *w, gint64 offset, ReelTrackRun *run)
{
  double rate = reel_track_rate (q->kind);
  double max_error = q->kind == REEL_TRACK_AUDIO ? AUDIO_MAX_BIT_ERROR : VIDEO_MAX_BIT_ERROR;
  guint seconds = (guint)(q->hashes->len / rate);
  guint best = 0, start = 0, last = 0;
  gboolean in_run = FALSE;

  for (guint s = 0; s <= seconds; s++)
    {
      guint from = (guint)(s * rate), to = MIN ((guint)((s + 1) * rate), q->hashes->len);
      guint compared = 0, differing = 0;
      gboolean match;
      for (guint i = from; i < to; i++)
        {
          gint64 j = (gint64)i + offset;
          if (j < 0 || j >= (gint64)w->hashes->len
              || !informative (q->kind, g_array_index (w->hashes, guint64, j)))
            continue;
          compared++;
          differing += (guint)__builtin_popcountll (g_array_index (q->hashes, guint64, i)
                                                    ^ g_array_index (w->hashes, guint64, j));
        }
      match
          = compared * 2 > (to - from) && differing <= max_error * compared * track_bits (q->kind);
      if (match && in_run && s - last <= RUN_GAP_SECONDS + 1)
        last = s;
      else if (match)
        {
          in_run = TRUE;
          start = last = s;
        }
      else if (in_run && s - last > RUN_GAP_SECONDS)
        in_run = FALSE;
      if (in_run && last + 1 - start > best)
        {
          best = last + 1 - start;
          run->query_start = start;
          run->query_end = last + 1;
          run->work_start = start + offset / rate;
          run->work_end = last + 1 + offset / rate;
        }
    }
  return best;
}

static int
by_votes (gconstpointer a, gconstpointer b, gpointer votes)
{
  guint va = GPOINTER_TO_UINT (g_hash_table_lookup (votes, a));
  guint vb = GPOINTER_TO_UINT (g_hash_table_lookup (votes, b));
  if (va != vb)
    return va > vb ? -1 : 1;
  /* Equal votes: the smaller offset, so the result does not depend on the
   * hash table's order. */
  return *(const gint64 *)a < *(const gint64 *)b ? -1 : 1;
}

gboolean
reel_track_best_run (const ReelTrack *query, const ReelTrack *work, GHashTable *votes,
                     guint min_seconds, ReelTrackRun *run)
{
  g_autoptr (GList) offsets
      = g_list_sort_with_data (g_hash_table_get_keys (votes), by_votes, votes);
  guint best = 0, i = 0;
  for (GList *l = offsets; l && i < OFFSETS_VERIFIED; l = l->next, i++)
    {
      gint64 offset = *(gint64 *)l->data;
      ReelTrackRun r;
      guint len;
      if (GPOINTER_TO_UINT (g_hash_table_lookup (votes, l->data)) < MIN_VOTES)
        break;
      len = run_at (query, work, offset, &r);
      if (len > best)
        {
          best = len;
          *run = r;
        }
    }
  return best >= min_seconds && best > 0;
}
