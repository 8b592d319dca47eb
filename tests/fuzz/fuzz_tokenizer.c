/* Fuzzes the search tokenizer (app/search/tokenizer.h) as a search query, a
 * title and a description reach it: valid UTF-8 text. Properties: tokens
 * lie within the text, in order, without overlap; every term is non-empty
 * UTF-8 of at most REEL_TERM_MAX_BYTES; folding a word gives its term. */
#include "app/search/tokenizer.h"
#include "fuzz.h"

static void
run (const uint8_t *data, size_t size)
{
  g_autofree char *raw = reel_fuzz_string (data, size);
  g_autofree char *text = NULL;
  g_autoptr (GArray) tokens = NULL;
  gsize len, last_end = 0;

  if (!g_utf8_validate (raw, -1, NULL))
    return; /* every caller validates first (search.c, the API's JSON) */
  text = g_steal_pointer (&raw);
  len = strlen (text);
  tokens = reel_tokenize (text);
  for (guint i = 0; i < tokens->len; i++)
    {
      ReelToken *t = &g_array_index (tokens, ReelToken, i);
      g_autofree char *again = NULL;
      REEL_FUZZ_CHECK (t->start >= last_end && t->start < t->end && t->end <= len);
      REEL_FUZZ_CHECK (*t->term && strlen (t->term) <= REEL_TERM_MAX_BYTES);
      REEL_FUZZ_CHECK (g_utf8_validate (t->term, -1, NULL));
      again = reel_term_fold (text + t->start, (gssize)(t->end - t->start));
      REEL_FUZZ_CHECK (g_str_equal (again, t->term));
      last_end = t->end;
    }
}

REEL_FUZZ_HARNESS (run)
