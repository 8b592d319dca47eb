/* Cursor paging, the one way every list in the API pages
 * (`?limit=N&cursor=C` -> {"items":[...],"next_cursor":"..."|null}).
 *
 * A cursor is base64url of the part of an LMDB key after the list's prefix
 * (the last key returned); the next page resumes strictly after it, so
 * inserts while someone pages never repeat or skip an item that was already
 * there. Clients must treat it as opaque. limit defaults to 20 and may be
 * 1 to 100; anything else, and a cursor that does not decode, is
 * REEL_ERROR_INVALID (400). */
#pragma once

#include "store/store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define REEL_PAGE_DEFAULT_LIMIT 20
#define REEL_PAGE_MAX_LIMIT 100

typedef struct
{
  guint limit;
  GBytes *after; /* the decoded cursor; NULL on the first page */
} ReelPage;

/* Parses the text of ?limit and ?cursor (either may be NULL: absent). */
gboolean reel_page_parse (const char *limit, const char *cursor, ReelPage *page, GError **error);
void reel_page_clear (ReelPage *page);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReelPage, reel_page_clear)

/* The REEL_ERROR_INVALID of a cursor whose bytes make no sense for a list. */
gboolean reel_page_bad_cursor (GError **error);

char *reel_page_cursor (const void *key, gsize len);

/* {"items": items, "next_cursor": cursor of next (NULL: null)}; takes items. */
JsonObject *reel_page_result (JsonArray *items, GBytes *next);

/* Renders the list item of one row; NULL skips the row (error unset) or
 * fails the list (error set). */
typedef JsonObject *(*ReelPageRenderFunc) (ReelTxn *txn, const guint8 *key, gsize key_len,
                                           const guint8 *value, gsize value_len, gpointer user_data,
                                           GError **error);

/* One page of the rows of db under prefix (newest first with reverse),
 * rendered by render: the common case of a list that is one index. */
JsonObject *reel_page_scan (ReelTxn *txn, ReelDb db, const void *prefix, gsize prefix_len,
                            const ReelPage *page, gboolean reverse, ReelPageRenderFunc render,
                            gpointer user_data, GError **error);

/* The list item of one element of a list computed in memory; NULL skips
 * it (error unset) or fails the list (error set). */
typedef JsonObject *(*ReelPageItemFunc) (ReelTxn *txn, gconstpointer element, gpointer user_data,
                                         GError **error);
/* The cursor that resumes after an element. */
typedef GBytes *(*ReelPageCursorFunc) (gconstpointer element);

/* One page of a list computed in memory (merged or ranked): elements holds
 * the page's elements in order, plus one more when there is a next page. */
JsonObject *reel_page_render (ReelTxn *txn, GArray *elements, guint limit,
                              ReelPageCursorFunc cursor, ReelPageItemFunc render,
                              gpointer user_data, GError **error);

/* prefix + "\0": the start of the keys that belong to name in a table keyed
 * "name \0 ..." (the NUL keeps "al" from matching "alice"). */
GBytes *reel_page_name_prefix (const char *name);

G_END_DECLS
