/* Captions as owners upload them: WebVTT, or SubRip (SRT) converted to
 * WebVTT. A file is checked line by line (timings, UTF-8, cue text) and
 * written back out in one plain form: the "WEBVTT" header, then each cue
 * as "HH:MM:SS.mmm --> HH:MM:SS.mmm[ settings]" and its text. Comments
 * (NOTE), STYLE and REGION blocks and cue identifiers are dropped: players
 * need none of them, and what reel serves is only what it checked. A bad
 * file is REEL_ERROR_INVALID with the line number in the message. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes a captions file may have: a two-hour film's subtitles are about
 * 100 KB, so this leaves room for long videos and verbose cues (and is
 * http.max_body_bytes's default). */
#define REEL_CAPTIONS_MAX_BYTES (1024 * 1024)
/* Cues a file may have, for the same reason. */
#define REEL_CAPTIONS_MAX_CUES 20000

typedef struct
{
  gint64 start_ms;
  gint64 end_ms;
} ReelCueTime;

/* The WebVTT text of data (WebVTT or SRT, told apart by the header), or
 * NULL with the reason and line. cues, when not NULL, gets the number of
 * cues. */
char *reel_captions_normalize (const char *data, gsize len, guint *cues, GError **error);

/* A caption language: a BCP 47 tag of the simple kind players list,
 * "en", "fr", "pt-BR", "zh-Hant" (2 or 3 letters, then up to three
 * subtags of 2 to 8 letters or digits), at most 35 characters. */
gboolean reel_captions_lang_valid (const char *lang);

G_END_DECLS
