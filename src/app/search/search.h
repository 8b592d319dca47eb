/* Search: an inverted index of the published videos in LMDB, maintained by
 * the projector, and BM25 ranking over it.
 *
 * Each video is one document with three fields: its title (boosted), its
 * description and its channel (owner's username and display name, so
 * channel names are searchable). Words are terms of app/search/tokenizer.h.
 * Tables:
 *   SEARCH_POSTINGS  term \0 video id -> u16 BE term frequency per field,
 *                    u32 BE document length (tokens in all fields); also
 *                    the prefix index: \x01 + a prefix of 1 to 3 characters
 *                    \0 video id, the frequencies of all the document's
 *                    words with that prefix added up (so search as you type
 *                    reads one list, not every word's)
 *   SEARCH_TERMS     term (or \x01 prefix) -> u32 BE documents holding it
 *   SEARCH_DOCS      video id -> {"length","terms":[sorted]}: exactly the
 *                    postings a re-index or delete must remove
 *   COUNTERS         "search:docs", "search:tokens" (for the average length)
 * A video enters the index when it is published (video.ready), is
 * re-indexed on video.edited (old postings out, new in) and leaves it on
 * video.deleted.
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
#include "bus/events.h"
#include "core/id.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef enum
{
  REEL_SEARCH_TITLE,
  REEL_SEARCH_DESCRIPTION,
  REEL_SEARCH_CHANNEL,
  REEL_SEARCH_FIELDS
} ReelSearchField;

/* The weight of each field in f_i (title boosted). */
extern const double reel_search_weights[REEL_SEARCH_FIELDS];

/* Query words beyond this are ignored (each costs a posting walk). */
#define REEL_SEARCH_MAX_TERMS 16
/* Longest query accepted, in bytes. */
#define REEL_SEARCH_QUERY_MAX 500

/* Indexes (or re-indexes) one document; fields[i] may be NULL (empty). */
gboolean reel_search_index (ReelTxn *txn, const char *video_id,
                            const char *const fields[REEL_SEARCH_FIELDS], GError **error);
/* Removes a document's postings; absent documents are fine. */
gboolean reel_search_remove (ReelTxn *txn, const char *video_id, GError **error);

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

/* Projection: video.ready, video.edited, video.deleted (before the videos
 * projection changes the record). */
gboolean reel_search_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
