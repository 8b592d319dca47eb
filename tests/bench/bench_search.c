/* Benchmark: reel's search (app/search/search.c over LMDB) against SQLite FTS5's
 * bm25() on the same corpus and the same queries, in one run.
 *
 * Corpus: every package `apt-cache dumpavail` knows (tens of thousands on a
 * Debian machine): the package name as the title, its description, and its
 * section as the channel. FTS5 gets the same three columns with the same
 * weights (bm25(t, 3, 1, 2)), the unicode61 tokenizer with diacritics
 * removed, and ties broken by rowid, which is the order of reel's ids.
 * Queries: drawn from the corpus with a fixed seed, one to three words,
 * half of them ending in a prefix (search as you type), the same text for
 * both (FTS5 syntax: "w1" "w2"*).
 *
 * Prints, for the top 10 of every query: p50 and p99 latency of each and
 * their ratio (reel / FTS5; target <= 1.0, and p99 under 2 ms), and how
 * much the two top-10 lists overlap. Not a test: timings never fail it.
 * `bench-search QUERY...` times just those queries (50 runs each). */
#include "app/search/index.h"
#include "app/search/search.h"
#include "app/search/tokenizer.h"
#include "core/id.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>

#define N_QUERIES 2000
#define TOP_K 10
#define SEED 20261123

typedef struct
{
  char *name, *description, *section;
} Doc;

static void
doc_clear (gpointer p)
{
  Doc *d = p;
  g_free (d->name);
  g_free (d->description);
  g_free (d->section);
}

/* Package, Description and Section of each stanza of apt-cache dumpavail. */
static GArray *
load_corpus (void)
{
  const char *argv[] = { "apt-cache", "dumpavail", NULL };
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  GArray *docs = g_array_new (FALSE, TRUE, sizeof (Doc));
  Doc cur = { 0 };
  int status = 0;

  g_array_set_clear_func (docs, doc_clear);
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, &error)
      || status != 0)
    return docs;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      if (!*l)
        {
          if (cur.name && cur.description && g_utf8_validate (cur.description, -1, NULL))
            g_array_append_val (docs, cur);
          else
            doc_clear (&cur);
          cur = (Doc){ 0 };
        }
      else if (g_str_has_prefix (l, "Package: ") && !cur.name)
        cur.name = g_strdup (l + 9);
      else if (g_str_has_prefix (l, "Description: ") && !cur.description)
        cur.description = g_strdup (l + 13);
      else if (g_str_has_prefix (l, "Section: ") && !cur.section)
        cur.section = g_strdup (l + 9);
    }
  doc_clear (&cur);
  return docs;
}

static char *
doc_id (guint i)
{
  return g_strdup_printf ("%0*u", REEL_ID_LEN, i + 1);
}

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct
{
  char *reel; /* reel's query text */
  char *fts;  /* the same in FTS5 syntax */
} Query;

static void
query_clear (gpointer p)
{
  Query *q = p;
  g_free (q->reel);
  g_free (q->fts);
}

static GArray *
make_queries (GArray *docs)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  GArray *queries = g_array_new (FALSE, TRUE, sizeof (Query));
  g_array_set_clear_func (queries, query_clear);
  while (queries->len < N_QUERIES)
    {
      Doc *d = &g_array_index (docs, Doc, g_rand_int_range (rand, 0, (gint32)docs->len));
      g_autofree char *text = g_strdup_printf ("%s %s", d->name, d->description);
      g_autoptr (GArray) tokens = reel_tokenize (text);
      g_autoptr (GPtrArray) words = g_ptr_array_new ();
      guint n = (guint)g_rand_int_range (rand, 1, 4);
      gboolean prefix = g_rand_boolean (rand);
      GString *reel = g_string_new (NULL), *fts = g_string_new (NULL);
      Query q;
      for (guint i = 0; i < tokens->len && words->len < n; i++)
        {
          ReelToken *t
              = &g_array_index (tokens, ReelToken, g_rand_int_range (rand, 0, (gint32)tokens->len));
          gboolean dup = FALSE;
          for (guint j = 0; j < words->len && !dup; j++)
            dup = g_str_equal (words->pdata[j], t->term);
          if (strlen (t->term) >= 3 && g_str_is_ascii (t->term) && !dup)
            g_ptr_array_add (words, t->term);
        }
      if (words->len == 0)
        {
          g_string_free (reel, TRUE);
          g_string_free (fts, TRUE);
          continue;
        }
      for (guint i = 0; i < words->len; i++)
        {
          g_autofree char *w = g_strdup (words->pdata[i]);
          gboolean last = i + 1 == words->len;
          /* Someone typing: the last word cut after 3 or more letters. */
          if (last && prefix && strlen (w) > 3)
            w[g_rand_int_range (rand, 3, (gint32)strlen (w))] = '\0';
          g_string_append_printf (reel, "%s%s", i ? " " : "", w);
          g_string_append_printf (fts, "%s\"%s\"%s", i ? " " : "", w, last && prefix ? "*" : "");
        }
      if (!prefix)
        g_string_append_c (reel, ' ');
      q.reel = g_string_free (reel, FALSE);
      q.fts = g_string_free (fts, FALSE);
      g_array_append_val (queries, q);
    }
  return queries;
}

static int
compare_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *ns, double p)
{
  g_array_sort (ns, compare_i64);
  return (double)g_array_index (ns, gint64, (guint)(p * (ns->len - 1))) / 1000.0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GArray) docs = load_corpus ();
  g_autoptr (GArray) queries = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("reel-bench-XXXXXX", NULL);
  g_autoptr (GArray) reel_ns = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) fts_ns = g_array_new (FALSE, FALSE, sizeof (gint64));
  ReelStore *store;
  sqlite3 *db;
  sqlite3_stmt *insert, *search;
  gint64 t0, reel_build, fts_build;
  double overlap = 0;
  gint64 slowest_ns = 0;
  const char *slowest = NULL;
  guint identical = 0, both_empty = 0, hits = 0;

  if (docs->len < 1000)
    {
      printf ("bench-search: skipped: `apt-cache dumpavail` gave %u documents; run it on a "
              "Debian machine with apt lists (apt-get update)\n",
              docs->len);
      return 0;
    }
  queries = make_queries (docs);
  if (argc > 1)
    {
      /* `bench-search QUERY...`: time these queries alone (reel syntax). */
      g_array_set_size (queries, 0);
      for (int i = 1; i < argc; i++)
        {
          Query q = { g_strdup (argv[i]), NULL };
          g_autoptr (GArray) tokens = reel_tokenize (argv[i]);
          GString *fts = g_string_new (NULL);
          for (guint t = 0; t < tokens->len; t++)
            g_string_append_printf (
                fts, "%s\"%s\"%s", t ? " " : "", g_array_index (tokens, ReelToken, t).term,
                t + 1 == tokens->len && !g_str_has_suffix (argv[i], " ") ? "*" : "");
          q.fts = g_string_free (fts, FALSE);
          for (int r = 0; r < 50; r++)
            {
              Query copy = { g_strdup (q.reel), g_strdup (q.fts) };
              g_array_append_val (queries, copy);
            }
          query_clear (&q);
        }
    }

  /* reel: the projection's index function, in batches like the projector's. */
  store = reel_store_open (dir, &error);
  g_assert_no_error (error);
  t0 = now_ns ();
  for (guint i = 0; i < docs->len;)
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
      for (guint end = MIN (docs->len, i + 512); i < end; i++)
        {
          Doc *d = &g_array_index (docs, Doc, i);
          g_autofree char *id = doc_id (i);
          const char *fields[REEL_SEARCH_FIELDS] = { d->name, d->description, d->section };
          g_assert_true (reel_search_index (txn, id, fields, &error));
        }
      g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
    }
  reel_build = now_ns () - t0;

  /* FTS5: the same documents, fields, weights and tokenizer rules. */
  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE VIRTUAL TABLE t USING fts5(title, description, channel, "
                                 "tokenize = 'unicode61 remove_diacritics 2')",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  t0 = now_ns ();
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO t(rowid, title, description, channel) VALUES (?,?,?,?)", -1,
                      &insert, NULL);
  for (guint i = 0; i < docs->len; i++)
    {
      Doc *d = &g_array_index (docs, Doc, i);
      sqlite3_bind_int64 (insert, 1, i + 1);
      sqlite3_bind_text (insert, 2, d->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, d->description, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 4, d->section ? d->section : "", -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
      sqlite3_reset (insert);
    }
  sqlite3_finalize (insert);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_exec (db, "INSERT INTO t(t) VALUES('optimize')", NULL, NULL, NULL);
  fts_build = now_ns () - t0;
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT rowid FROM t WHERE t MATCH ? "
                                       "ORDER BY bm25(t, 3.0, 1.0, 2.0), rowid LIMIT 10",
                                       -1, &search, NULL),
                   ==, SQLITE_OK);

  /* Two rounds: the first warms caches, the second is measured. */
  for (int round = 0; round < 2; round++)
    for (guint i = 0; i < queries->len; i++)
      {
        Query *q = &g_array_index (queries, Query, i);
        g_autoptr (GHashTable) mine = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        guint theirs = 0, common = 0;
        gint64 a, b;

        a = now_ns ();
        {
          g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, NULL);
          g_autoptr (GArray) top = reel_search_rank (txn, q->reel, NULL, TOP_K, NULL);
          for (guint k = 0; k < top->len; k++)
            g_hash_table_add (mine, g_strdup (g_array_index (top, ReelSearchHit, k).video_id));
        }
        b = now_ns ();
        if (round)
          {
            g_array_append_val (reel_ns, (gint64){ b - a });
            if (g_getenv ("BENCH_SLOW") && b - a > 2000000)
              fprintf (stderr, "slow: %.0f us [%s]\n", (b - a) / 1e3, q->reel);
            if (b - a > slowest_ns)
              {
                slowest_ns = b - a;
                slowest = q->reel;
              }
          }

        a = now_ns ();
        sqlite3_bind_text (search, 1, q->fts, -1, SQLITE_STATIC);
        while (sqlite3_step (search) == SQLITE_ROW)
          {
            g_autofree char *id = doc_id ((guint)sqlite3_column_int64 (search, 0) - 1);
            theirs++;
            common += g_hash_table_contains (mine, id);
          }
        sqlite3_reset (search);
        b = now_ns ();
        if (!round)
          continue;
        g_array_append_val (fts_ns, (gint64){ b - a });
        if (theirs == 0 && g_hash_table_size (mine) == 0)
          {
            both_empty++;
            continue;
          }
        hits++;
        overlap += (double)common / (double)MAX (theirs, g_hash_table_size (mine));
        identical += common == theirs && common == g_hash_table_size (mine);
      }

  {
    double rp50 = percentile (reel_ns, 0.5), rp99 = percentile (reel_ns, 0.99);
    double fp50 = percentile (fts_ns, 0.5), fp99 = percentile (fts_ns, 0.99);
    printf ("bench-search: %u documents (apt-cache dumpavail: name, description, section), "
            "%u queries (top %d)\n",
            docs->len, queries->len, TOP_K);
    printf ("  index build: reel %.2f s, FTS5 %.2f s\n", reel_build / 1e9, fts_build / 1e9);
    printf ("  latency p50: reel %.1f us, FTS5 %.1f us, ratio %.2f\n", rp50, fp50, rp50 / fp50);
    printf ("  latency p99: reel %.1f us, FTS5 %.1f us, ratio %.2f (target: ratio <= 1.0, "
            "p99 < 2000 us)\n",
            rp99, fp99, rp99 / fp99);
    printf ("  slowest reel query: \"%s\" (%.1f us)\n", slowest, slowest_ns / 1e3);
    printf ("  top-10 overlap with FTS5: %.1f%% on average over %u queries with results "
            "(%u identical sets; %u queries matched nothing in either)\n",
            100.0 * overlap / MAX (hits, 1), hits, identical, both_empty);
  }
  sqlite3_finalize (search);
  sqlite3_close (db);
  reel_store_close (store);
  {
    g_autofree char *data = g_build_filename (dir, "data.mdb", NULL);
    g_autofree char *lock = g_build_filename (dir, "lock.mdb", NULL);
    g_unlink (data);
    g_unlink (lock);
    g_rmdir (dir);
  }
  return 0;
}
