/* What was derived from a stored record, kept for the next reader of the
 * very same bytes: the read paths (every list of videos, the media paths)
 * read records far more often than they change, and parsing a record's
 * JSON again for each reader was most of their time. An entry is used
 * only when the stored bytes are identical to those it was derived from,
 * so it is right whichever store or transaction read them; a changed
 * record simply misses. Bounded: past max entries the memo starts again.
 * Thread-safe; a static ReelMemo with REEL_MEMO_INIT needs no set-up. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A reference to value for whoever keeps or reads it. */
typedef gpointer (*ReelMemoRef) (gpointer value);

typedef struct
{
  GMutex lock;
  GHashTable *by_key; /* key -> entry; made on first use */
  guint max;
  ReelMemoRef ref;      /* a reference for a reader; NULL: the value itself */
  GDestroyNotify unref; /* drops the memo's own; NULL: nothing */
} ReelMemo;

#define REEL_MEMO_INIT(max_entries, ref_func, unref_func)                                          \
  {                                                                                                \
    .max = (max_entries), .ref = (ref_func), .unref = (unref_func)                                 \
  }

/* A reference (memo->ref) to the value derived from exactly stored (len
 * bytes) under key, or NULL. */
gpointer reel_memo_get (ReelMemo *memo, const char *key, const void *stored, gsize len);
/* Keeps value (a reference of its own, memo->ref) as derived from stored
 * under key, in place of what was there. */
void reel_memo_put (ReelMemo *memo, const char *key, const void *stored, gsize len, gpointer value);
/* A memo of its own (one not static), and its end with every entry. */
ReelMemo *reel_memo_new (guint max_entries, ReelMemoRef ref, GDestroyNotify unref);
void reel_memo_free (ReelMemo *memo);

G_END_DECLS
