/* Damaged media for the hostile-media tests: small clips made with
 * GStreamer, then cut, flipped and rewritten at the byte level (MP4 boxes,
 * H.264 parameter sets, MPEG-TS packets), each damage drawn from a seeded
 * PRNG so a failure reproduces. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One damaged file of the corpus. */
typedef struct
{
  char *name;
  /* NULL: the damage leaves nothing decodable, the video must fail; else
   * why a decoder may still make a (damaged) video of it. */
  const char *maybe_decodable;
  char *path;
  char *id;
  char *state;
  char *reason;
} DamageCase;

void damage_case_free (DamageCase *c);

/* A clip of frames frames at 30 fps, 160x120 H.264 in MP4 (moov last),
 * with a tone when sound; returns its path. */
char *damage_make_clip (const char *dir, const char *name, guint frames, gboolean sound);
GByteArray *damage_load (const char *path);
char *damage_save (const char *dir, const char *name, const guint8 *data, gsize len);
/* Rewrites an MP4's mvhd, tkhd, edit list and mdhd to claim ten years. */
void damage_claim_ten_years (GByteArray *f);
/* The corpus, made in dir: DamageCase elements. */
GPtrArray *damage_corpus (const char *dir, GRand *rng);

G_END_DECLS
