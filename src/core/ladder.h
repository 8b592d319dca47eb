/* The encoding ladder: the renditions ("rungs") a video may get, as the
 * operator configures them (media.ladder, live.ladder) and as a video's
 * plan records them.
 *
 * Parsed once, by the configuration (core/config.c): what uses a ladder
 * (ingest's plans, the live role) reads the parsed rungs and never the
 * text again. The JSON form of rungs (in plans, jobs and video records) is
 * written and read here too, so it has one shape everywhere. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A rung name is letters and digits, short enough for a blob key part. */
#define REEL_RUNG_NAME_MAX 15

typedef struct
{
  char name[REEL_RUNG_NAME_MAX + 1]; /* "720p" */
  guint width;                       /* even, aspect of the source; 0 in a configured ladder */
  guint height;                      /* even */
  guint kbps;                        /* video bitrate */
} ReelRung;

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
 * height, kbps}, ...]. */
JsonArray *reel_ladder_to_json (GArray *rungs);

/* Reads them back (node: the "rungs" member, or NULL when missing): the one
 * place rungs come from JSON, so a plan, job or record that is not well
 * formed is REEL_ERROR_INVALID here, with names that are safe file names
 * (letters and digits, as reel_ladder_parse requires) and sizes and rates
 * in the ranges a ladder can have. */
gboolean reel_ladder_from_json (JsonNode *node, GArray **rungs, GError **error);

G_END_DECLS
