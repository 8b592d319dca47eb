/* Chapters from a video's description, the way creators already write
 * them: one line per chapter starting with its time ("0:00 Intro",
 * "1:02:03 - Q&A"). A description holds chapters when such lines start at
 * 0:00, count at least MIN_CHAPTERS, and go forward in time; otherwise it
 * holds none (a stray "3:15" in a sentence is no chapter list). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint start_s; /* seconds from the start */
  char *title;
} ReelChapter;

/* The chapters of description (NULL: none), as a GArray of ReelChapter
 * whose titles the array frees; NULL when it holds none. */
GArray *reel_chapters_parse (const char *description);

/* [{"start": seconds, "title"}] for the API, or NULL when there are none. */
JsonArray *reel_chapters_to_json (const char *description);

G_END_DECLS
