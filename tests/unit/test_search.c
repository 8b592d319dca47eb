/* app/tokenizer and app/search: folding (case, accents, compatibility
 * forms), word offsets, the index's exact bookkeeping on re-index and
 * removal, prefix matching, AND semantics and the BM25 score itself. */
#include "app/search/index.h"
#include "app/search/search.h"
#include "app/search/tokenizer.h"
#include "core/error.h"
#include "store/counters.h"

#include "store-fixture.h"
#include <math.h>

static void
test_tokenize (void)
{
  const char *text = "Café au LAIT, naïve—Straße! ﬁne 42x";
  const char *terms[] = { "cafe", "au", "lait", "naive", "strasse", "fine", "42x" };
  g_autoptr (GArray) tokens = reel_tokenize (text);
  g_assert_cmpuint (tokens->len, ==, G_N_ELEMENTS (terms));
  for (guint i = 0; i < tokens->len; i++)
    g_assert_cmpstr (g_array_index (tokens, ReelToken, i).term, ==, terms[i]);
  /* Offsets point at the original words. */
  ReelToken *t = &g_array_index (tokens, ReelToken, 0);
  g_assert_cmpmem (text + t->start, t->end - t->start, "Café", strlen ("Café"));
  t = &g_array_index (tokens, ReelToken, 4);
  g_assert_cmpmem (text + t->start, t->end - t->start, "Straße", strlen ("Straße"));
}

static void
test_fold (void)
{
  g_autofree char *a = reel_term_fold ("ÉCOLE", -1);
  g_autofree char *b = reel_term_fold ("e\xcc\x81"
                                       "cole",
                                       -1); /* e + combining acute */
  g_autofree char *c = reel_term_fold ("東京", -1);
  g_autoptr (GString) long_word = g_string_new (NULL);
  g_autofree char *capped = NULL;
  g_assert_cmpstr (a, ==, "ecole");
  g_assert_cmpstr (b, ==, "ecole");
  g_assert_cmpstr (c, ==, "東京");
  /* A decomposed accent stays inside its word. */
  {
    g_autoptr (GArray) tokens = reel_tokenize ("cre\xcc\x80"
                                               "me brule\xcc\x81"
                                               "e");
    g_assert_cmpuint (tokens->len, ==, 2);
    g_assert_cmpstr (g_array_index (tokens, ReelToken, 0).term, ==, "creme");
    g_assert_cmpstr (g_array_index (tokens, ReelToken, 1).term, ==, "brulee");
  }
  /* Cut at REEL_TERM_MAX_BYTES without splitting a 3-byte character. */
  for (int i = 0; i < 30; i++)
    g_string_append (long_word, "東");
  capped = reel_term_fold (long_word->str, -1);
  g_assert_cmpuint (strlen (capped), <=, REEL_TERM_MAX_BYTES);
  g_assert_cmpuint (strlen (capped) % 3, ==, 0);
  g_assert_true (g_utf8_validate (capped, -1, NULL));
}

typedef StoreFixture Fixture;

static void
index_doc (Fixture *f, const char *id, const char *title, const char *description,
           const char *channel)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, &error);
  const char *fields[REEL_SEARCH_FIELDS] = { title, description, channel };
  g_assert_true (reel_search_index (txn, id, fields, &error));
  g_assert_no_error (error);
  g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
}

/* The ids query matches, best first, comma-separated. */
static char *
ranked (Fixture *f, const char *query)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, &error);
  g_autoptr (GArray) hits = reel_search_rank (txn, query, NULL, 100, &error);
  GString *out = g_string_new (NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < hits->len; i++)
    g_string_append_printf (out, "%s%s", i ? "," : "",
                            g_array_index (hits, ReelSearchHit, i).video_id);
  return g_string_free (out, FALSE);
}

static gboolean
count_row (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  (*(guint *)data)++;
  return TRUE;
}

static guint
rows (Fixture *f, ReelDb db, const char *prefix)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, NULL);
  guint n = 0;
  g_assert_true (
      reel_txn_scan (txn, db, prefix, strlen (prefix), NULL, 0, FALSE, count_row, &n, NULL));
  return n;
}

#define A "AAAAAAAAAAA"
#define B "BBBBBBBBBBB"
#define C "CCCCCCCCCCC"

static void
test_match (Fixture *f, gconstpointer data)
{
  index_doc (f, A, "Café tour of Paris", "Croissants and coffee", "amy Amy");
  index_doc (f, B, "Cats", "A long video about cats, cafés and CATS", "bob Bobby");
  /* (C's channel starts with a "c" too.) */
  index_doc (f, C, "Straße", "Cobblestones", "carol");
#define EXPECT(q, ids)                                                                             \
  do                                                                                               \
    {                                                                                              \
      g_autofree char *got = ranked (f, q);                                                        \
      g_assert_cmpstr (got, ==, ids);                                                              \
    }                                                                                              \
  while (0)
  /* Accents and case fold both ways. */
  EXPECT ("CAFE ", A);
  EXPECT ("cafés ", B);
  /* As a prefix, "cafe" also finds "cafés"; the title match ranks first. */
  EXPECT ("café", A "," B);
  EXPECT ("strasse", C);
  EXPECT ("STRASSE", C);
  /* The last word is a prefix unless the query ends in a separator. */
  EXPECT ("par", A);
  EXPECT ("par ", "");
  /* Short prefixes read the prefix index, longer ones the words' union: the
   * same documents and scores either way. */
  EXPECT ("pa", A);
  EXPECT ("pari", A);
  EXPECT ("coffe", A);
  EXPECT ("cof", A);
  EXPECT ("c", C "," B "," A); /* all three; the shortest document first */
  EXPECT ("cat", B);
  /* AND: every word must match. */
  EXPECT ("cafe paris", A);
  EXPECT ("cats coffee", "");
  /* Channel names are searchable. */
  EXPECT ("bobby", B);
  EXPECT ("amy", A);
  /* Nothing to search for. */
  EXPECT ("", "");
  EXPECT ("--- !!", "");
#undef EXPECT
}

static void
test_reindex_and_remove (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  index_doc (f, A, "red apple", "fresh fruit", "amy");
  index_doc (f, B, "green apple", "fruit", "bob");
  g_assert_cmpuint (rows (f, REEL_DB_SEARCH_POSTINGS, "apple"), ==, 2);
  /* The edit: exactly the old postings go, the new ones come. */
  index_doc (f, A, "yellow pear", "fresh fruit", "amy");
  {
    g_autofree char *apple = ranked (f, "apple ");
    g_autofree char *red = ranked (f, "red ");
    g_autofree char *pear = ranked (f, "pear ");
    g_assert_cmpstr (apple, ==, B);
    g_assert_cmpstr (red, ==, "");
    g_assert_cmpstr (pear, ==, A);
  }
  g_assert_cmpuint (rows (f, REEL_DB_SEARCH_POSTINGS, "apple"), ==, 1);
  g_assert_cmpuint (rows (f, REEL_DB_SEARCH_POSTINGS, "red"), ==, 0);
  g_assert_cmpuint (rows (f, REEL_DB_SEARCH_TERMS, "red"), ==, 0);
  /* Removing both leaves nothing behind: no postings, terms or counters. */
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, &error);
    g_assert_true (reel_search_remove (txn, A, &error));
    g_assert_true (reel_search_remove (txn, B, &error));
    g_assert_true (reel_search_remove (txn, C, &error)); /* never indexed: fine */
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  g_assert_cmpuint (rows (f, REEL_DB_SEARCH_POSTINGS, ""), ==, 0);
  g_assert_cmpuint (rows (f, REEL_DB_SEARCH_TERMS, ""), ==, 0);
  g_assert_cmpuint (rows (f, REEL_DB_SEARCH_DOCS, ""), ==, 0);
  g_assert_cmpuint (rows (f, REEL_DB_COUNTERS, ""), ==, 0);
}

/* The score is FTS5's bm25() (see search.h), computed here by hand. */
static void
test_bm25 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  double n = 4, k1 = 1.2, b = 0.75;
  index_doc (f, A, "dog", "a dog and a cat", NULL);
  index_doc (f, B, "bird", "a bird", NULL);
  index_doc (f, C, "fish", "fish fish", NULL);
  index_doc (f, "DDDDDDDDDDD", "cow", "big cow", NULL);
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, &error);
  g_autoptr (GArray) hits = reel_search_rank (txn, "dog ", NULL, 10, &error);
  g_assert_cmpuint (hits->len, ==, 1);
  /* The same score through the prefix index ("do") and through the union
   * of the words starting with a longer prefix ("dog" as a prefix). */
  {
    g_autoptr (GArray) short_prefix = reel_search_rank (txn, "do", NULL, 10, &error);
    g_autoptr (GArray) long_prefix = reel_search_rank (txn, "dog", NULL, 10, &error);
    g_assert_cmpuint (short_prefix->len, ==, 1);
    g_assert_cmpuint (long_prefix->len, ==, 1);
    g_assert_cmpfloat_with_epsilon (g_array_index (short_prefix, ReelSearchHit, 0).score,
                                    g_array_index (long_prefix, ReelSearchHit, 0).score, 1e-12);
    g_assert_cmpfloat_with_epsilon (g_array_index (long_prefix, ReelSearchHit, 0).score,
                                    g_array_index (hits, ReelSearchHit, 0).score, 1e-12);
  }
  /* A: 6 tokens; avgdl = (6 + 3 + 3 + 3) / 4; "dog" once in the title
   * (weight 3) and once in the description (weight 1). */
  double avgdl = 15.0 / 4, freq = 3.0 + 1.0, dl = 6;
  double idf = log ((n - 1 + 0.5) / (1 + 0.5));
  double expect = idf * freq * (k1 + 1) / (freq + k1 * (1 - b + b * dl / avgdl));
  g_assert_cmpfloat_with_epsilon (g_array_index (hits, ReelSearchHit, 0).score, expect, 1e-9);
  /* "a" is in half the documents: its IDF is not positive, so FTS5's floor. */
  g_autoptr (GArray) common = reel_search_rank (txn, "a ", NULL, 10, &error);
  g_assert_cmpuint (common->len, ==, 2);
  g_assert_cmpfloat (g_array_index (common, ReelSearchHit, 0).score, <, 1e-5);
  /* Paging: strictly after a hit. */
  g_autoptr (GArray) rest
      = reel_search_rank (txn, "a ", &g_array_index (common, ReelSearchHit, 0), 10, &error);
  g_assert_cmpuint (rest->len, ==, 1);
  g_assert_cmpstr (g_array_index (rest, ReelSearchHit, 0).video_id, ==,
                   g_array_index (common, ReelSearchHit, 1).video_id);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/search/tokenize", test_tokenize);
  g_test_add_func ("/search/fold", test_fold);
  g_test_add ("/search/match", Fixture, NULL, store_fixture_set_up, test_match,
              store_fixture_tear_down);
  g_test_add ("/search/reindex-and-remove", Fixture, NULL, store_fixture_set_up,
              test_reindex_and_remove, store_fixture_tear_down);
  g_test_add ("/search/bm25", Fixture, NULL, store_fixture_set_up, test_bm25,
              store_fixture_tear_down);
  return g_test_run ();
}
