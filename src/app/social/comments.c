/* See comments.h. */
#include "app/social/comments.h"
#include "app/roles.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/id.h"
#include "core/idem.h"
#include "core/json.h"
#include "core/memo.h"
#include "core/text.h"
#include "store/counters.h"

/* Key sizes after the video id: a thread, and a reply in a thread. */
#define PART_LEN REEL_STORE_TIME_ID_LEN
#define THREAD_KEY_LEN (REEL_ID_LEN + PART_LEN)
#define REPLY_KEY_LEN (THREAD_KEY_LEN + PART_LEN)

gboolean
reel_comments_validate_text (const char *text, GError **error)
{
  return reel_text_check ("text", text, 1, REEL_COMMENT_TEXT_MAX, TRUE, error);
}

static char *
counter_name (const char *video_id)
{
  return g_strconcat ("comments:", video_id, NULL);
}

/* The COMMENTS key of a comment id; NULL when there is no such comment. */
static GBytes *
key_of (ReelTxn *txn, const char *comment_id)
{
  const void *v;
  gsize len;
  if (!reel_id_valid (comment_id)
      || !reel_txn_get (txn, REEL_DB_COMMENT_IDS, comment_id, REEL_ID_LEN, &v, &len, NULL)
      || (len != THREAD_KEY_LEN && len != REPLY_KEY_LEN))
    return NULL;
  return g_bytes_new (v, len);
}

static JsonObject *
load_at (ReelTxn *txn, GBytes *key, GError **error)
{
  return reel_txn_get_json (txn, REEL_DB_COMMENTS, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), error);
}

static gboolean
put_at (ReelTxn *txn, GBytes *key, JsonObject *rec, GError **error)
{
  return reel_txn_put_json (txn, REEL_DB_COMMENTS, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), rec, error);
}

/* The stored comment behind comment_id, checked to belong to video_id. */
static JsonObject *
find (ReelTxn *txn, const char *video_id, const char *comment_id, GError **error)
{
  g_autoptr (GBytes) key = key_of (txn, comment_id);
  g_autoptr (GError) local = NULL;
  JsonObject *rec = key ? load_at (txn, key, &local) : NULL;
  if (rec
      && g_strcmp0 (json_object_get_string_member_with_default (rec, "video_id", ""), video_id)
             != 0)
    g_clear_pointer (&rec, json_object_unref);
  if (!rec)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such comment");
    }
  return rec;
}

/* A comment as the API shows it, read from its record once: a page of
 * comments parsed every record again, most of its time. Kept per stored
 * record (core/memo.h), shared between threads, never changed. */
typedef struct
{
  gint refs;
  /* The record's members, NULL when absent (a thread's first comment has
   * no thread: it shows its own id there). */
  char *id, *video_id, *author, *text, *created_at, *edited_at, *thread, *reply_to;
  gboolean has_reply_count;
  gint64 reply_count;
} Shown;

static gpointer
shown_ref (gpointer p)
{
  g_atomic_int_inc (&((Shown *)p)->refs);
  return p;
}

static void
shown_unref (gpointer p)
{
  Shown *c = p;
  if (!g_atomic_int_dec_and_test (&c->refs))
    return;
  g_free (c->id);
  g_free (c->video_id);
  g_free (c->author);
  g_free (c->text);
  g_free (c->created_at);
  g_free (c->edited_at);
  g_free (c->thread);
  g_free (c->reply_to);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Shown, shown_unref)

static char *
member (JsonObject *rec, const char *name)
{
  return g_strdup (json_object_get_string_member_with_default (rec, name, NULL));
}

static Shown *
shown_new (JsonObject *rec)
{
  Shown *c = g_new0 (Shown, 1);
  c->refs = 1;
  c->id = member (rec, "id");
  c->video_id = member (rec, "video_id");
  c->author = member (rec, "author");
  c->text = member (rec, "text");
  c->created_at = member (rec, "created_at");
  c->edited_at = member (rec, "edited_at");
  c->thread = member (rec, "thread");
  c->reply_to = member (rec, "reply_to");
  c->has_reply_count = json_object_has_member (rec, "reply_count");
  c->reply_count = json_object_get_int_member_with_default (rec, "reply_count", 0);
  return c;
}

static void
set_string (JsonObject *out, const char *name, const char *value)
{
  if (value)
    json_object_set_string_member (out, name, value);
}

static JsonObject *
shown_json (const Shown *c)
{
  JsonObject *out = json_object_new ();
  set_string (out, "id", c->id);
  set_string (out, "video_id", c->video_id);
  set_string (out, "author", c->author);
  set_string (out, "text", c->text);
  set_string (out, "created_at", c->created_at);
  set_string (out, "edited_at", c->edited_at);
  set_string (out, "thread", c->thread);
  set_string (out, "reply_to", c->reply_to);
  if (c->has_reply_count)
    json_object_set_int_member (out, "reply_count", c->reply_count);
  if (!c->thread)
    json_object_set_string_member (out, "thread", c->id ? c->id : "");
  return out;
}

/* The record as the API shows it. */
static JsonObject *
public_comment (JsonObject *rec)
{
  g_autoptr (Shown) c = shown_new (rec);
  return shown_json (c);
}

/* Enough for the comments of the videos being watched at once. */
#define SHOWN_MAX 4096

static ReelMemo shown_memo = REEL_MEMO_INIT (SHOWN_MAX, shown_ref, shown_unref);

/* --- rate limit --- */

struct ReelCommentGate
{
  GMutex lock;
  GHashTable *pending; /* author -> GArray of gint64: reservation times, oldest first */
};

ReelCommentGate *
reel_comment_gate_new (void)
{
  ReelCommentGate *gate = g_new0 (ReelCommentGate, 1);
  g_mutex_init (&gate->lock);
  gate->pending
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  return gate;
}

void
reel_comment_gate_free (ReelCommentGate *gate)
{
  if (!gate)
    return;
  g_hash_table_destroy (gate->pending);
  g_mutex_clear (&gate->lock);
  g_free (gate);
}

typedef struct
{
  guint limit;
  gint64 since_us;
  guint n;
  gint64 oldest_us; /* of the counted ones */
} Rate;

static gboolean
count_recent (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Rate *r = data;
  gint64 t;
  if (key_len < PART_LEN)
    return FALSE;
  t = (gint64)reel_store_read_u64 (key + key_len - PART_LEN);
  if (t < r->since_us)
    return FALSE;
  r->oldest_us = t;
  return ++r->n < r->limit;
}

gboolean
reel_comments_reserve (ReelCommentGate *gate, ReelStore *store, const char *author, guint limit,
                       guint window_s, gint64 now_us, guint *retry_after_s, GError **error)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&gate->lock);
  GArray *pending = g_hash_table_lookup (gate->pending, author);
  guint n_pending = pending ? pending->len : 0;
  gint64 window_us = (gint64)window_s * G_USEC_PER_SEC;
  gint64 oldest_us;

  if (n_pending < limit)
    {
      /* The projection may count for limit - n_pending more: the pending
       * ones are newer than anything it holds. */
      g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
      g_autoptr (GBytes) prefix = reel_page_name_prefix (author);
      Rate r = { limit - n_pending, now_us - window_us, 0, 0 };
      if (!txn
          || !reel_txn_scan (txn, REEL_DB_USER_COMMENTS, g_bytes_get_data (prefix, NULL),
                             g_bytes_get_size (prefix), NULL, 0, TRUE, count_recent, &r, error))
        return FALSE;
      if (r.n < r.limit)
        {
          if (!pending)
            g_hash_table_insert (gate->pending, g_strdup (author),
                                 pending = g_array_new (FALSE, FALSE, sizeof (gint64)));
          g_array_append_val (pending, now_us);
          return TRUE;
        }
      oldest_us = r.oldest_us;
    }
  else
    oldest_us = g_array_index (pending, gint64, n_pending - limit);
  *retry_after_s
      = (guint)MAX (1, (oldest_us + window_us - now_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  g_set_error (error, REEL_ERROR, REEL_ERROR_RATE_LIMITED,
               "at most %u comments per %u seconds; try again in %u s", limit, window_s,
               *retry_after_s);
  return FALSE;
}

void
reel_comments_release (ReelCommentGate *gate, const char *author)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&gate->lock);
  GArray *pending = g_hash_table_lookup (gate->pending, author);
  if (!pending)
    return;
  g_array_remove_index (pending, 0);
  if (pending->len == 0)
    g_hash_table_remove (gate->pending, author);
}

/* --- commands --- */

static gboolean
publish (ReelBus *bus, const char *type, const char *actor, JsonObject *data, guint64 *seq,
         GError **error)
{
  g_autofree char *subject
      = reel_event_subject ("comment", json_object_get_string_member (data, "video_id"));
  return reel_events_publish (bus, subject, type, 1, actor, data, FALSE, seq, error);
}

JsonObject *
reel_comments_post (ReelBus *bus, ReelStore *store, const char *author, const char *video_id,
                    const char *text, const char *reply_to, guint64 *seq, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) parent = NULL, earlier = NULL;
  g_autoptr (ReelVideo) video = NULL;
  g_autofree char *id = NULL;

  if (!reel_comments_validate_text (text, error) || !(txn = reel_store_begin (store, FALSE, error))
      || !(video = reel_videos_require (txn, video_id, error)))
    return NULL;
  if (reply_to)
    {
      g_autoptr (GError) local = NULL;
      if (!(parent = find (txn, video_id, reply_to, &local)))
        {
          if (g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
            g_set_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE,
                         "reply_to: no such comment on this video");
          else
            g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  id = reel_id_new ();
  /* A retried request (core/idem.h) derives the id its first attempt
   * used: that comment is the answer, posted once. */
  if (reel_idem_active () && (earlier = find (txn, video_id, id, NULL)))
    {
      *seq = 0;
      return public_comment (earlier);
    }
  g_clear_pointer (&txn, reel_txn_abort);
  json_object_set_string_member (data, "comment_id", id);
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "author", author);
  json_object_set_string_member (data, "text", text);
  if (parent)
    {
      json_object_set_string_member (
          data, "thread", json_object_get_string_member_with_default (parent, "thread", reply_to));
      json_object_set_string_member (data, "reply_to", reply_to);
    }
  if (!publish (bus, "comment.posted", author, data, seq, error))
    return NULL;
  json_object_set_string_member (data, "id", id);
  json_object_remove_member (data, "comment_id");
  if (!parent)
    {
      json_object_set_string_member (data, "thread", id);
      json_object_set_int_member (data, "reply_count", 0);
    }
  return json_object_ref (data);
}

gboolean
reel_comments_edit (ReelBus *bus, ReelStore *store, const char *user, const char *video_id,
                    const char *comment_id, const char *text, guint64 *seq, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (JsonObject) data = json_object_new ();

  if (!(txn = reel_store_begin (store, FALSE, error))
      || !(rec = find (txn, video_id, comment_id, error)))
    return FALSE;
  if (g_strcmp0 (json_object_get_string_member (rec, "author"), user) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "only its author can edit a comment");
      return FALSE;
    }
  if (!reel_comments_validate_text (text, error))
    return FALSE;
  json_object_set_string_member (data, "comment_id", comment_id);
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "text", text);
  return publish (bus, "comment.edited", user, data, seq, error);
}

gboolean
reel_comments_delete (ReelBus *bus, ReelStore *store, const char *const *admins, const char *user,
                      const char *video_id, const char *comment_id, guint64 *seq, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (ReelVideo) video = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  gboolean moderated = FALSE;

  if (!(txn = reel_store_begin (store, FALSE, error))
      || !(video = reel_videos_require (txn, video_id, error))
      || !(rec = find (txn, video_id, comment_id, error)))
    return FALSE;
  if (g_strcmp0 (json_object_get_string_member (rec, "author"), user) != 0
      && g_strcmp0 (video->owner, user) != 0)
    {
      ReelUserRole role = REEL_USER_ROLE_USER;
      if (!reel_roles_of (txn, user, admins, &role, NULL) || role < REEL_USER_ROLE_MODERATOR)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                       "only its author, the video's owner or a moderator can delete a comment");
          return FALSE;
        }
      moderated = TRUE;
    }
  json_object_set_string_member (data, "comment_id", comment_id);
  json_object_set_string_member (data, "video_id", video_id);
  if (moderated)
    json_object_set_boolean_member (data, "moderated", TRUE);
  return publish (bus, "comment.deleted", user, data, seq, error);
}

gboolean
reel_comments_delete_by_author (ReelBus *bus, ReelStore *store, const char *author, GError **error)
{
  g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    g_autoptr (GBytes) prefix = reel_page_name_prefix (author);
    g_autoptr (GPtrArray) keys = NULL;
    if (!txn
        || !(keys = reel_txn_keys (txn, REEL_DB_USER_COMMENTS, g_bytes_get_data (prefix, NULL),
                                   g_bytes_get_size (prefix), error)))
      return FALSE;
    for (guint i = 0; i < keys->len; i++)
      {
        gsize len;
        const char *k = g_bytes_get_data (keys->pdata[i], &len);
        g_autofree char *id = NULL;
        g_autoptr (GBytes) at = NULL;
        if (len < REEL_ID_LEN)
          continue;
        id = g_strndup (k + len - REEL_ID_LEN, REEL_ID_LEN);
        if (!(at = key_of (txn, id)))
          continue;
        /* Stored as video id then comment id, both REEL_ID_LEN. */
        g_ptr_array_add (pairs, g_strndup (g_bytes_get_data (at, NULL), REEL_ID_LEN));
        g_ptr_array_add (pairs, g_steal_pointer (&id));
      }
  }
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      g_autoptr (GError) local = NULL;
      /* Gone already (with its video, or deleted before): nothing to do. */
      if (!reel_comments_delete (bus, store, NULL, author, pairs->pdata[i], pairs->pdata[i + 1],
                                 NULL, &local)
          && !g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  return TRUE;
}

/* --- queries --- */

JsonObject *
reel_comments_get (ReelStore *store, const char *video_id, const char *comment_id, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (JsonObject) rec = txn ? find (txn, video_id, comment_id, error) : NULL;
  return rec ? public_comment (rec) : NULL;
}

static JsonObject *
render_comment (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value,
                gsize value_len, gpointer data, GError **error)
{
  g_autofree char *id = NULL;
  g_autoptr (Shown) c = NULL;
  if (key_len < THREAD_KEY_LEN)
    return NULL; /* not a comment's */
  /* The comment's id ends its key (a thread's or a reply's). */
  id = g_strndup ((const char *)key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  c = reel_memo_get (&shown_memo, id, value, value_len);
  if (!c)
    {
      g_autoptr (JsonObject) rec = reel_json_parse_object ((const char *)value, value_len, error);
      if (!rec)
        return NULL;
      c = shown_new (rec);
      reel_memo_put (&shown_memo, id, value, value_len, c);
    }
  if (reel_users_is_banned (txn, c->author))
    return NULL; /* a banned author's words are hidden until the ban is lifted: skipped */
  return shown_json (c);
}

/* Newest first: threads backwards, each thread's replies forwards. */
typedef struct
{
  ReelTxn *txn;
  guint limit;
  JsonArray *items;
  GByteArray *last; /* key of the last item */
  gboolean more;
  GError *error;
} Newest;

static gboolean
newest_emit (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Newest *n = data;
  JsonObject *item;
  if (json_array_get_length (n->items) == n->limit)
    {
      n->more = TRUE;
      return FALSE;
    }
  if (!(item = render_comment (n->txn, key, key_len, value, value_len, NULL, &n->error)))
    return n->error == NULL; /* skipped, or failed */
  json_array_add_object_element (n->items, item);
  g_byte_array_set_size (n->last, 0);
  g_byte_array_append (n->last, key, (guint)key_len);
  return TRUE;
}

static gboolean
newest_thread (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  Newest *n = data;
  if (key_len != THREAD_KEY_LEN)
    return TRUE; /* a reply: it comes with its thread */
  if (!newest_emit (key, key_len, value, value_len, n))
    return FALSE;
  return reel_txn_scan (n->txn, REEL_DB_COMMENTS, key, key_len, key, key_len, FALSE, newest_emit, n,
                        &n->error)
         && !n->more && !n->error;
}

static JsonObject *
list_newest (ReelTxn *txn, const char *video_id, const ReelPage *page, GError **error)
{
  Newest n = { txn, page->limit, json_array_new (), g_byte_array_new (), FALSE, NULL };
  g_autoptr (GByteArray) after = g_byte_array_new ();
  g_autoptr (GBytes) next = NULL;
  gboolean ok = TRUE;

  if (page->after)
    {
      /* Finish the thread the last page ended in, then go on backwards. */
      g_byte_array_append (after, (const guint8 *)video_id, REEL_ID_LEN);
      g_byte_array_append (after, g_bytes_get_data (page->after, NULL),
                           (guint)g_bytes_get_size (page->after));
      ok = reel_txn_scan (txn, REEL_DB_COMMENTS, after->data, THREAD_KEY_LEN, after->data,
                          after->len, FALSE, newest_emit, &n, error);
      g_byte_array_set_size (after, THREAD_KEY_LEN);
    }
  if (ok && !n.more && !n.error)
    ok = reel_txn_scan (txn, REEL_DB_COMMENTS, video_id, REEL_ID_LEN,
                        page->after ? after->data : NULL, page->after ? after->len : 0, TRUE,
                        newest_thread, &n, error);
  if (!ok || n.error)
    {
      if (n.error)
        g_propagate_error (error, n.error);
      json_array_unref (n.items);
      g_byte_array_unref (n.last);
      return NULL;
    }
  if (n.more)
    next = g_bytes_new (n.last->data + REEL_ID_LEN, n.last->len - REEL_ID_LEN);
  g_byte_array_unref (n.last);
  return reel_page_result (n.items, next);
}

JsonObject *
reel_comments_list (ReelStore *store, const char *video_id, gboolean newest_first,
                    const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (ReelVideo) video = NULL;
  if (page->after && g_bytes_get_size (page->after) != PART_LEN
      && g_bytes_get_size (page->after) != 2 * PART_LEN)
    {
      reel_page_bad_cursor (error);
      return NULL;
    }
  if (!(txn = reel_store_begin (store, FALSE, error))
      || !(video = reel_videos_get_shared (txn, video_id, error)))
    return NULL;
  if (newest_first)
    return list_newest (txn, video_id, page, error);
  return reel_page_scan (txn, REEL_DB_COMMENTS, video_id, REEL_ID_LEN, page, FALSE, render_comment,
                         NULL, error);
}

/* --- projection --- */

static gboolean
apply_posted (ReelTxn *txn, const ReelEvent *ev, const char *video_id, const char *id,
              GError **error)
{
  const char *author = reel_json_get_string (ev->data, "author", TRUE, error);
  const char *text = author ? reel_json_get_string (ev->data, "text", TRUE, error) : NULL;
  const char *thread = json_object_get_string_member_with_default (ev->data, "thread", NULL);
  const char *reply_to = json_object_get_string_member_with_default (ev->data, "reply_to", NULL);
  gint64 t = reel_json_time_us (ev->at);
  g_autoptr (GByteArray) key = g_byte_array_new ();
  g_autoptr (GByteArray) by_user = g_byte_array_new ();
  g_autoptr (GBytes) key_bytes = NULL;
  g_autoptr (JsonObject) rec = json_object_new ();
  g_autofree char *counter = counter_name (video_id);

  if (!text)
    return FALSE;
  /* A repeat, or a comment on a video that is gone (or never was). */
  if (reel_txn_get (txn, REEL_DB_COMMENT_IDS, id, REEL_ID_LEN, NULL, NULL, NULL)
      || !reel_txn_get (txn, REEL_DB_COMMENT_VIDEOS, video_id, REEL_ID_LEN, NULL, NULL, NULL))
    return TRUE;
  if (thread)
    {
      g_autoptr (GBytes) thread_key = key_of (txn, thread);
      g_autoptr (JsonObject) root = NULL;
      /* The thread was deleted while the reply was on its way: the reply
       * goes with it. */
      if (!thread_key || g_bytes_get_size (thread_key) != THREAD_KEY_LEN
          || memcmp (g_bytes_get_data (thread_key, NULL), video_id, REEL_ID_LEN) != 0
          || !(root = load_at (txn, thread_key, error)))
        return error == NULL || *error == NULL;
      json_object_set_int_member (root, "reply_count",
                                  json_object_get_int_member_with_default (root, "reply_count", 0)
                                      + 1);
      if (!put_at (txn, thread_key, root, error))
        return FALSE;
      g_byte_array_append (key, g_bytes_get_data (thread_key, NULL), THREAD_KEY_LEN);
      json_object_set_string_member (rec, "thread", thread);
      json_object_set_string_member (rec, "reply_to", reply_to ? reply_to : thread);
    }
  else
    {
      g_byte_array_append (key, (const guint8 *)video_id, REEL_ID_LEN);
      json_object_set_int_member (rec, "reply_count", 0);
    }
  reel_store_key_append_time_id (key, t, id);
  json_object_set_string_member (rec, "id", id);
  json_object_set_string_member (rec, "video_id", video_id);
  json_object_set_string_member (rec, "author", author);
  json_object_set_string_member (rec, "text", text);
  json_object_set_string_member (rec, "created_at", ev->at);
  g_byte_array_append (by_user, (const guint8 *)author, (guint)strlen (author) + 1);
  reel_store_key_append_time_id (by_user, t, id);
  key_bytes = g_bytes_new (key->data, key->len);
  return put_at (txn, key_bytes, rec, error)
         && reel_txn_put (txn, REEL_DB_COMMENT_IDS, id, REEL_ID_LEN, key->data, key->len, error)
         && reel_txn_put (txn, REEL_DB_USER_COMMENTS, by_user->data, by_user->len, "", 0, error)
         && reel_counter_add (txn, counter, 1, error);
}

/* Deletes every comment under prefix (a video, or a thread and its
 * replies); returns how many in *n. */
static gboolean
delete_under (ReelTxn *txn, const void *prefix, gsize prefix_len, guint *n, GError **error)
{
  g_autoptr (GPtrArray) keys = reel_txn_keys (txn, REEL_DB_COMMENTS, prefix, prefix_len, error);
  if (!keys)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    {
      gsize len;
      const guint8 *k = g_bytes_get_data (keys->pdata[i], &len);
      if (!reel_txn_del (txn, REEL_DB_COMMENTS, k, len, error)
          || !reel_txn_del (txn, REEL_DB_COMMENT_IDS, k + len - REEL_ID_LEN, REEL_ID_LEN, error))
        return FALSE;
    }
  *n = keys->len;
  return TRUE;
}

static gboolean
apply_deleted (ReelTxn *txn, const char *video_id, const char *id, GError **error)
{
  g_autoptr (GBytes) key = key_of (txn, id);
  g_autofree char *counter = counter_name (video_id);
  const guint8 *k;
  gsize len;
  guint n = 0;

  if (!key)
    return TRUE;
  k = g_bytes_get_data (key, &len);
  if (memcmp (k, video_id, REEL_ID_LEN) != 0)
    return TRUE; /* not this video's comment: the command would have refused */
  if (len == REPLY_KEY_LEN)
    {
      g_autoptr (GBytes) thread_key = g_bytes_new (k, THREAD_KEY_LEN);
      g_autoptr (JsonObject) root = load_at (txn, thread_key, NULL);
      if (root)
        {
          json_object_set_int_member (
              root, "reply_count",
              MAX (0, json_object_get_int_member_with_default (root, "reply_count", 1) - 1));
          if (!put_at (txn, thread_key, root, error))
            return FALSE;
        }
    }
  return delete_under (txn, k, len, &n, error)
         && reel_counter_add (txn, counter, -(gint64)n, error);
}

gboolean
reel_comments_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *video_id, *id;
  /* The videos comments may be posted on: this projection reads no other's
   * tables (COMMENT_VIDEOS mirrors which video records exist). */
  if (g_str_equal (ev->type, "video.created") || g_str_equal (ev->type, "video.upload_aborted"))
    {
      if (!(video_id = reel_json_get_string (ev->data, "video_id", TRUE, error)))
        return FALSE;
      if (!reel_id_valid (video_id))
        return TRUE;
      /* As the videos projection: a video.created without an owner makes no video. */
      if (g_str_equal (ev->type, "video.created") && json_object_has_member (ev->data, "owner"))
        return reel_txn_put (txn, REEL_DB_COMMENT_VIDEOS, video_id, REEL_ID_LEN, "", 0, error);
      return g_str_equal (ev->type, "video.created")
             || reel_txn_del (txn, REEL_DB_COMMENT_VIDEOS, video_id, REEL_ID_LEN, error);
    }
  if (g_str_equal (ev->type, "video.deleted"))
    {
      g_autofree char *counter = NULL;
      guint n = 0;
      if (!(video_id = reel_json_get_string (ev->data, "video_id", TRUE, error)))
        return FALSE;
      if (!reel_id_valid (video_id))
        return TRUE;
      counter = counter_name (video_id);
      return delete_under (txn, video_id, REEL_ID_LEN, &n, error)
             && reel_counter_add (txn, counter, -(gint64)n, error)
             && reel_txn_del (txn, REEL_DB_COMMENT_VIDEOS, video_id, REEL_ID_LEN, error);
    }
  if (!g_str_has_prefix (ev->type, "comment."))
    return TRUE;
  if (!(video_id = reel_json_get_string (ev->data, "video_id", TRUE, error))
      || !(id = reel_json_get_string (ev->data, "comment_id", TRUE, error)))
    return FALSE;
  if (!reel_id_valid (video_id) || !reel_id_valid (id))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "bad video_id or comment_id");
      return FALSE;
    }
  if (g_str_equal (ev->type, "comment.posted"))
    return apply_posted (txn, ev, video_id, id, error);
  if (g_str_equal (ev->type, "comment.deleted"))
    return apply_deleted (txn, video_id, id, error);
  if (g_str_equal (ev->type, "comment.edited"))
    {
      g_autoptr (GBytes) key = key_of (txn, id);
      g_autoptr (JsonObject) rec = key ? load_at (txn, key, NULL) : NULL;
      const char *text = reel_json_get_string (ev->data, "text", TRUE, error);
      if (!text)
        return FALSE;
      if (!rec
          || g_strcmp0 (json_object_get_string_member_with_default (rec, "video_id", ""), video_id)
                 != 0)
        return TRUE;
      json_object_set_string_member (rec, "text", text);
      json_object_set_string_member (rec, "edited_at", ev->at);
      return put_at (txn, key, rec, error);
    }
  return TRUE;
}

JsonObject *
reel_comments_load (ReelTxn *txn, const char *comment_id)
{
  g_autoptr (GBytes) key = key_of (txn, comment_id);
  return key ? load_at (txn, key, NULL) : NULL;
}
