/* See tokenizer.h. Folding is the slow part (two normalisations per word),
 * so pure-ASCII words take a shortcut with the same result: lower-casing is
 * their whole fold. */
#include "app/search/tokenizer.h"

static void
token_clear (gpointer p)
{
  g_free (((ReelToken *)p)->term);
}

/* Cuts a term to REEL_TERM_MAX_BYTES without splitting a character. */
static char *
cap (char *term)
{
  if (strlen (term) > REEL_TERM_MAX_BYTES)
    {
      char *end = term + REEL_TERM_MAX_BYTES;
      while (end > term && (*end & 0xc0) == 0x80) /* a continuation byte */
        end--;
      *end = '\0';
    }
  return term;
}

char *
reel_term_fold (const char *word, gssize len)
{
  gsize n = len < 0 ? strlen (word) : (gsize)len;
  gboolean ascii = TRUE;
  g_autofree char *decomposed = NULL, *bare = NULL, *folded = NULL;
  GString *kept;

  for (gsize i = 0; i < n && ascii; i++)
    ascii = !(word[i] & 0x80);
  if (ascii)
    return cap (g_ascii_strdown (word, (gssize)n));
  decomposed = g_utf8_normalize (word, (gssize)n, G_NORMALIZE_NFKD);
  if (!decomposed)
    return g_strdup ("");
  kept = g_string_sized_new (n);
  for (const char *p = decomposed; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (!g_unichar_ismark (c))
        g_string_append_unichar (kept, c);
    }
  bare = g_string_free (kept, FALSE);
  folded = g_utf8_casefold (bare, -1);
  return cap (g_utf8_normalize (folded, -1, G_NORMALIZE_NFC));
}

GArray *
reel_tokenize (const char *text)
{
  GArray *tokens = g_array_new (FALSE, FALSE, sizeof (ReelToken));
  const char *p = text, *start = NULL;
  g_array_set_clear_func (tokens, token_clear);
  for (;;)
    {
      gunichar c = *p ? g_utf8_get_char (p) : 0;
      /* A mark continues a word but never starts one. */
      gboolean in_word = c && (g_unichar_isalnum (c) || (start && g_unichar_ismark (c)));
      if (in_word && !start)
        start = p;
      else if (!in_word && start)
        {
          ReelToken t
              = { reel_term_fold (start, p - start), (gsize)(start - text), (gsize)(p - text) };
          if (*t.term)
            g_array_append_val (tokens, t);
          else
            g_free (t.term);
          start = NULL;
        }
      if (!c)
        break;
      p = g_utf8_next_char (p);
    }
  return tokens;
}
