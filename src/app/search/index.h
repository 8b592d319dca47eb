/* The search index: the published videos as documents in LMDB, kept by the
 * search projection, and how a reader of it (app/search/search.h) reads its
 * postings.
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
 * video.deleted. */
#pragma once

#include "bus/events.h"
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

/* A posting's value: u16 BE frequency per field, u32 BE document length. */
#define REEL_SEARCH_POSTING_LEN (2 * REEL_SEARCH_FIELDS + 4)
/* The prefix index holds every prefix of 1 to this many characters of a
 * document's terms. A query ending in such a short prefix then reads one
 * posting list, in video order, like a whole word, instead of the postings
 * of every word that starts with it. */
#define REEL_SEARCH_PREFIX_CHARS 3
/* COUNTERS: documents, and tokens in all of them (for the average length). */
#define REEL_SEARCH_COUNTER_DOCS "search:docs"
#define REEL_SEARCH_COUNTER_TOKENS "search:tokens"

/* Indexes (or re-indexes) one document; fields[i] may be NULL (empty). */
gboolean reel_search_index (ReelTxn *txn, const char *video_id,
                            const char *const fields[REEL_SEARCH_FIELDS], GError **error);
/* Removes a document's postings; absent documents are fine. */
gboolean reel_search_remove (ReelTxn *txn, const char *video_id, GError **error);

/* The term of the prefix index under which prefix (len bytes) is filed. */
char *reel_search_prefix_key (const char *prefix, gsize len);
/* SEARCH_TERMS: how many documents hold term (a word, or a prefix key). */
guint32 reel_search_term_df (ReelTxn *txn, const char *term);
/* Whether a SEARCH_POSTINGS row of these sizes is one this version wrote. */
gboolean reel_search_posting_ok (gsize key_len, gsize value_len);
/* A posting's field-weighted term frequency (f_i of app/search/search.h),
 * and the document's length in *length when not NULL. */
double reel_search_posting_freq (const guint8 *value, guint32 *length);

/* Projection: video.ready, video.edited, video.deleted (before the videos
 * projection changes the record). */
gboolean reel_search_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
