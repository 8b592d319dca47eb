/* Search: BM25 ranking over the inverted index of the published videos
 * (app/search/index.h), and the pages of results the API gives.
 *
 * Ranking is SQLite FTS5's bm25() exactly, so it can be compared with it
 * (tests/bench): for each query phrase i, IDF_i = ln((N - n_i + 0.5) /
 * (n_i + 0.5)) (1e-6 when not positive), f_i = the field-weighted count of
 * its occurrences in the document, D = the document's length, and
 *   score = sum_i IDF_i * f_i * (k1 + 1) / (f_i + k1 * (1 - b + b * D / avgdl))
 * with k1 = 1.2, b = 0.75. Every query term must match (AND); the last one
 * also matches as a prefix unless the query ends in a separator (search as
 * you type). Equal scores fall back to reel_search_tie_break(), then to the
 * video id, so the order is total and cursor paging is exact. */
#pragma once

#include "app/page.h"
#include "core/id.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Query words beyond this are ignored (each costs a posting walk). */
#define REEL_SEARCH_MAX_TERMS 16
/* Longest query accepted, in bytes. */
#define REEL_SEARCH_QUERY_MAX 500

typedef struct
{
  char video_id[REEL_ID_LEN + 1];
  double score;
  guint64 tie_break;
} ReelSearchHit;

/* The ids of published videos whose titles share the most words with
 * text, most shared first (then by id), other than except_id, at most
 * limit: read from the title postings of text's words, not by a scan. */
void reel_search_similar_titles (ReelTxn *txn, const char *text, const char *except_id, guint limit,
                                 GPtrArray *ids);

/* The secondary order among equal scores, higher first. Constant until view
 * counts exist (issue 6): then it returns the video's views, so among equally
 * relevant videos the more watched comes first. */
guint64 reel_search_tie_break (ReelTxn *txn, const char *video_id);

/* The best k matches of query that rank strictly after `after` (NULL: from
 * the top), best first, as a GArray of ReelSearchHit. A query without
 * words matches nothing. */
GArray *reel_search_rank (ReelTxn *txn, const char *query, const ReelSearchHit *after, guint k,
                          GError **error);

/* One page of results for the API: each item is the public video (as GET
 * /api/v1/videos/{id}) plus "channel" {username, display_name}, "score",
 * "title_html" and "snippet_html" (the description around the first match;
 * both HTML-escaped with matches in <mark>). */
JsonObject *reel_search_query (ReelStore *store, const char *query, const ReelPage *page,
                               GError **error);

G_END_DECLS
