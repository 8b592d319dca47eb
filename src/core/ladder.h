/* The encoding ladder: the renditions ("rungs") a video may get, as the
 * operator configures them (media.ladder, live.ladder) and as a video's
 * plan records them.
 *
 * Parsed once, by the configuration (core/settings.c): what uses a ladder
 * (ingest's plans, the live role) reads the parsed rungs and never the
 * text again. The JSON form of rungs (in plans, jobs and video records) is
 * written and read here too, so it has one shape everywhere. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A rung name is letters and digits, short enough for a blob key part. */
#define REEL_RUNG_NAME_MAX 15

/* The video encodings a ladder may have (media.codecs): H.264 always, for
 * every player; VP9 beside it for the players that can decode it, at less
 * bandwidth for the same picture. */
typedef enum
{
  REEL_CODEC_H264 = 0,
  REEL_CODEC_VP9 = 1,
} ReelCodec;

#define REEL_CODEC_COUNT 2
/* A set of codecs: bit (1 << ReelCodec). */
#define REEL_CODEC_BIT(c) (1u << (c))

typedef struct
{
  char name[REEL_RUNG_NAME_MAX + 1]; /* "720p", "720pvp9" */
  guint width;                       /* even, aspect of the source; 0 in a configured ladder */
  guint height;                      /* even */
  guint kbps;                        /* video bitrate */
  ReelCodec codec;                   /* H.264 in a configured ladder */
  gboolean copy; /* the source's own video stream, copied, not encoded (media/plan.h) */
  gboolean late; /* left out of the first chunk, whose range the second encodes (media/plan.h) */
} ReelRung;

/* Whether name may name a rung in a plan (letters, digits and '_', at
 * most REEL_RUNG_NAME_MAX): a safe blob key part. */
gboolean reel_rung_name_valid (const char *name);

/* Appends suffix to the rung's name, shortening the name first when both
 * would not fit ("720p" + "vp9" = "720pvp9"). */
void reel_rung_add_suffix (ReelRung *rung, const char *suffix);

/* "h264", "vp9": the name in media.codecs, in JSON and in reelladder's
 * rungs. */
const char *reel_codec_name (ReelCodec codec);

/* Parses media.codecs: a comma-separated list of codec names that holds
 * h264 (every player needs it), each at most once; *set gets their bits. */
gboolean reel_codecs_parse (const char *text, guint *set, GError **error);

/* A configured ladder: its text and its rungs, in the order given. */
typedef struct
{
  char *text;    /* "NAME:HEIGHT:KBPS,..." as configured */
  GArray *rungs; /* of ReelRung */
} ReelLadder;

/* Parses "NAME:HEIGHT:KBPS,..." (e.g. "720p:720:2800,360p:360:800"). */
gboolean reel_ladder_parse (const char *text, GArray **rungs, GError **error);

/* Parses text into ladder, replacing what it held; unchanged on error. */
gboolean reel_ladder_set (ReelLadder *ladder, const char *text, GError **error);
void reel_ladder_clear (ReelLadder *ladder);

/* Rungs as JSON for plans, jobs and records: [{name, width (when known),
 * height, kbps, codec (only when not h264: the records of H.264-only
 * ladders keep the shape they always had), copy and late (only when
 * true)}, ...]. */
JsonArray *reel_ladder_to_json (GArray *rungs);

/* Reads them back (node: the "rungs" member, or NULL when missing): the one
 * place rungs come from JSON, so a plan, job or record that is not well
 * formed is REEL_ERROR_INVALID here, with names that are safe file names
 * (letters, digits and '_') and sizes and rates
 * in the ranges a ladder can have. */
gboolean reel_ladder_from_json (JsonNode *node, GArray **rungs, GError **error);

G_END_DECLS
