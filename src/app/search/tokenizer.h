/* Words for search: the one tokenizer the search index, the search query
 * and anything else that matches text (e.g. recommendations) share, so a
 * word is folded the same way wherever it is compared.
 *
 * A word is a run of letters and digits (Unicode: GLib's alnum classes, with
 * combining marks kept inside a word); everything else separates words. A
 * word's term is its folded form: compatibility-decomposed (NFKD), combining
 * marks dropped (accents: "Café" and "cafe" match), case-folded (so "Straße"
 * matches "STRASSE"), then recomposed (NFC). Terms are capped at
 * REEL_TERM_MAX_BYTES; longer words are cut at a character boundary. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REEL_TERM_MAX_BYTES 64

typedef struct
{
  char *term;  /* folded, NUL-terminated */
  gsize start; /* byte offsets of the word in the original text */
  gsize end;
} ReelToken;

/* The words of text (valid UTF-8) in order; a GArray of ReelToken whose
 * terms are freed with the array. */
GArray *reel_tokenize (const char *text);

/* The term of one word (len bytes, or -1 for NUL-terminated). */
char *reel_term_fold (const char *word, gssize len);

G_END_DECLS
