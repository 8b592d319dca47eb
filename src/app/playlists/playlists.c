/* See playlists.h. */
#include "app/playlists/playlists.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"

#include <sodium.h>
#include <string.h>

#define KIND_CUSTOM "custom"
#define KIND_WATCH_LATER "watch_later"
#define WATCH_LATER_TITLE "Watch later"

gboolean
reel_playlists_check_title (const char *title, GError **error)
{
  glong chars;
  if (!title || !g_utf8_validate (title, -1, NULL) || (chars = g_utf8_strlen (title, -1)) < 1
      || chars > REEL_PLAYLIST_MAX_TITLE)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "title must be 1 to %d characters of text", REEL_PLAYLIST_MAX_TITLE);
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_playlists_check_privacy (const char *privacy, GError **error)
{
  ReelPrivacy p;
  /* The same three words as a video's privacy (app/video/record.h). */
  if (privacy && reel_privacy_from_name (privacy, &p))
    return TRUE;
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "privacy must be \"%s\", \"%s\" or \"%s\"",
               reel_privacy_name (REEL_PRIVACY_PUBLIC), reel_privacy_name (REEL_PRIVACY_UNLISTED),
               reel_privacy_name (REEL_PRIVACY_PRIVATE));
  return FALSE;
}

/* base64url of the first 8 bytes of a keyed hash of the name: the shape of
 * every other id (core/id.h), fixed per user, and not guessable from the
 * name alone without the constant (which only keeps it from looking like a
 * pattern; privacy does not rest on it, the playlist is private). */
char *
reel_playlists_watch_later_id (const char *user)
{
  static const guint8 context[crypto_generichash_KEYBYTES] = "reel watch later playlist id...";
  guint8 hash[crypto_generichash_BYTES_MIN];
  char b64[sodium_base64_ENCODED_LEN (8, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  crypto_generichash (hash, sizeof hash, (const guint8 *)user, strlen (user), context,
                      sizeof context);
  return g_strdup (
      sodium_bin2base64 (b64, sizeof b64, hash, 8, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
}

static GBytes *
owner_key (const char *owner, const char *id)
{
  GByteArray *k = g_byte_array_new ();
  g_byte_array_append (k, (const guint8 *)owner, (guint)strlen (owner) + 1);
  g_byte_array_append (k, (const guint8 *)id, (guint)strlen (id));
  return g_byte_array_free_to_bytes (k);
}

static JsonObject *
load (ReelTxn *txn, const char *id, GError **error)
{
  return reel_txn_get_json (txn, REEL_DB_PLAYLISTS, id, strlen (id), error);
}

static gboolean
store (ReelTxn *txn, JsonObject *pl, GError **error)
{
  const char *id = json_object_get_string_member (pl, "id");
  return reel_txn_put_json (txn, REEL_DB_PLAYLISTS, id, strlen (id), pl, error);
}

static gboolean
may_see (JsonObject *pl, const ReelViewer *viewer)
{
  ReelPrivacy privacy = REEL_PRIVACY_PRIVATE; /* an unreadable one hides */
  reel_privacy_from_name (json_object_get_string_member (pl, "privacy"), &privacy);
  return privacy != REEL_PRIVACY_PRIVATE
         || g_strcmp0 (viewer->username, json_object_get_string_member (pl, "owner")) == 0;
}

static gint
item_index (JsonArray *items, const char *video_id)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_str_equal (json_array_get_string_element (items, i), video_id))
      return (gint)i;
  return -1;
}

/* Playlist id when viewer may see it; else NULL with REEL_ERROR_NOT_FOUND
 * (absent and hidden read the same) or the store's error. */
static JsonObject *
load_visible (ReelTxn *txn, const char *id, const ReelViewer *viewer, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) pl = reel_id_valid (id) ? load (txn, id, &local) : NULL;
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!pl || !may_see (pl, viewer))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such playlist");
      return NULL;
    }
  return g_steal_pointer (&pl);
}

/* --- commands --- */

/* The playlist id as user may change it: NOT_FOUND when absent or hidden
 * from them, FORBIDDEN when another's. */
static JsonObject *
load_own (ReelStore *store, const char *user, const char *id, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) pl = NULL;
  ReelViewer viewer = { user, REEL_USER_ROLE_USER };
  if (!(txn = reel_store_begin (store, FALSE, error))
      || !(pl = load_visible (txn, id, &viewer, error)))
    return NULL;
  if (!g_str_equal (json_object_get_string_member (pl, "owner"), user))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "not your playlist");
      return NULL;
    }
  return g_steal_pointer (&pl);
}

/* Publishes type with data (taken) on the playlist's subject; claim: only
 * as the subject's first event. */
static gboolean
publish (ReelBus *bus, const char *user, const char *id, const char *type, JsonObject *taken,
         gboolean claim, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = taken;
  g_autofree char *subject = reel_event_subject ("playlist", id);
  json_object_set_string_member (data, "id", id);
  return reel_events_publish (bus, subject, type, 1, user, data, claim, seq, error);
}

char *
reel_playlists_create (ReelBus *bus, const char *user, const char *title, const char *privacy,
                       guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *id = NULL;
  if (!reel_playlists_check_title (title, error) || !reel_playlists_check_privacy (privacy, error))
    return NULL;
  id = reel_id_new ();
  json_object_set_string_member (data, "owner", user);
  json_object_set_string_member (data, "title", title);
  json_object_set_string_member (data, "privacy", privacy);
  json_object_set_string_member (data, "kind", KIND_CUSTOM);
  if (!publish (bus, user, id, "playlist.created", g_steal_pointer (&data), TRUE, seq, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
is_watch_later (JsonObject *pl)
{
  return g_str_equal (json_object_get_string_member (pl, "kind"), KIND_WATCH_LATER);
}

gboolean
reel_playlists_update (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                       const char *title, const char *privacy, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) pl = load_own (store, user, id, error);
  g_autoptr (JsonObject) data = json_object_new ();
  if (!pl)
    return FALSE;
  if (is_watch_later (pl))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE,
                           "Watch later cannot be renamed or shared");
      return FALSE;
    }
  if ((title && !reel_playlists_check_title (title, error))
      || (privacy && !reel_playlists_check_privacy (privacy, error)))
    return FALSE;
  if (title)
    json_object_set_string_member (data, "title", title);
  if (privacy)
    json_object_set_string_member (data, "privacy", privacy);
  return publish (bus, user, id, "playlist.updated", g_steal_pointer (&data), FALSE, seq, error);
}

gboolean
reel_playlists_delete (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                       guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) pl = load_own (store, user, id, error);
  if (!pl)
    return FALSE;
  if (is_watch_later (pl))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE,
                           "Watch later cannot be deleted");
      return FALSE;
    }
  return publish (bus, user, id, "playlist.deleted", json_object_new (), FALSE, seq, error);
}

/* Claims user's Watch later: created by the first publish on its subject,
 * a conflict meaning it exists already. */
static gboolean
ensure_watch_later (ReelBus *bus, const char *user, const char *id, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (GError) local = NULL;
  guint64 seq;
  json_object_set_string_member (data, "owner", user);
  json_object_set_string_member (data, "title", WATCH_LATER_TITLE);
  json_object_set_string_member (data, "privacy", reel_privacy_name (REEL_PRIVACY_PRIVATE));
  json_object_set_string_member (data, "kind", KIND_WATCH_LATER);
  if (publish (bus, user, id, "playlist.created", g_steal_pointer (&data), TRUE, &seq, &local)
      || g_error_matches (local, REEL_ERROR, REEL_ERROR_CONFLICT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* Whether user may watch video_id: only such a video can be added. */
static gboolean
check_watchable (ReelStore *store, const char *user, const char *video_id, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (JsonObject) item = NULL;
  g_autoptr (GError) local = NULL;
  ReelViewer viewer = { user, REEL_USER_ROLE_USER };
  if (!txn)
    return FALSE;
  if (reel_videos_id_valid (video_id)
      && (item = reel_videos_watchable_item (txn, video_id, &viewer, &local)))
    return TRUE;
  if (local)
    g_propagate_error (error, g_steal_pointer (&local));
  else
    g_set_error_literal (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
  return FALSE;
}

static JsonObject *
item_data (const char *video_id)
{
  JsonObject *data = json_object_new ();
  json_object_set_string_member (data, "video_id", video_id);
  return data;
}

gboolean
reel_playlists_add (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                    const char *video_id, guint64 *seq, GError **error)
{
  g_autofree char *wl = id ? NULL : reel_playlists_watch_later_id (user);
  g_autoptr (JsonObject) pl = NULL;
  if (!check_watchable (store, user, video_id, error))
    return FALSE;
  if (wl && !ensure_watch_later (bus, user, wl, error))
    return FALSE;
  if (!wl)
    {
      if (!(pl = load_own (store, user, id, error)))
        return FALSE;
      /* A full list refuses here; one that fills in a race is capped by
       * the projection. */
      if (json_array_get_length (json_object_get_array_member (pl, "items"))
          >= REEL_PLAYLIST_MAX_ITEMS)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE,
                       "a playlist holds at most %d videos", REEL_PLAYLIST_MAX_ITEMS);
          return FALSE;
        }
    }
  return publish (bus, user, wl ? wl : id, "playlist.item_added", item_data (video_id), FALSE, seq,
                  error);
}

gboolean
reel_playlists_remove (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                       const char *video_id, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) pl = load_own (store, user, id, error);
  if (!pl)
    return FALSE;
  return publish (bus, user, id, "playlist.item_removed", item_data (video_id), FALSE, seq, error);
}

gboolean
reel_playlists_move (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                     const char *video_id, gint64 position, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) pl = load_own (store, user, id, error);
  JsonObject *data;
  if (!pl)
    return FALSE;
  if (position < 0)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID, "position must be 0 or more");
      return FALSE;
    }
  if (item_index (json_object_get_array_member (pl, "items"), video_id) < 0)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "not in this playlist");
      return FALSE;
    }
  data = item_data (video_id);
  json_object_set_int_member (data, "position", position);
  return publish (bus, user, id, "playlist.item_moved", data, FALSE, seq, error);
}

/* --- queries --- */

/* The record without its item ids, plus their count. */
static JsonObject *
summary (JsonObject *pl)
{
  JsonObject *out = json_object_new ();
  static const char *const fields[]
      = { "id", "owner", "title", "privacy", "kind", "created_at", "updated_at" };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    json_object_set_string_member (out, fields[i], json_object_get_string_member (pl, fields[i]));
  json_object_set_int_member (out, "count",
                              json_array_get_length (json_object_get_array_member (pl, "items")));
  return out;
}

static JsonObject *
render_item (ReelTxn *txn, gconstpointer element, gpointer data, GError **error)
{
  return reel_videos_watchable_item (txn, *(const char *const *)element, data, error);
}

static GBytes *
item_cursor (gconstpointer element)
{
  const char *id = *(const char *const *)element;
  return g_bytes_new (id, strlen (id));
}

JsonObject *
reel_playlists_get (ReelStore *store, const char *id, const ReelViewer *viewer,
                    const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) pl = NULL;
  g_autoptr (GArray) elements = g_array_new (FALSE, FALSE, sizeof (const char *));
  g_autoptr (JsonObject) items = NULL;
  JsonArray *ids;
  JsonObject *out;
  guint from = 0;

  if (!(txn = reel_store_begin (store, FALSE, error))
      || !(pl = load_visible (txn, id, viewer, error)))
    return NULL;
  ids = json_object_get_array_member (pl, "items");
  if (page->after)
    {
      g_autofree char *after
          = g_strndup (g_bytes_get_data (page->after, NULL), g_bytes_get_size (page->after));
      gint at = item_index (ids, after);
      /* The item the cursor names was removed since: the list moved under
       * the reader, who starts again rather than silently skip. */
      if (at < 0)
        {
          reel_page_bad_cursor (error);
          return NULL;
        }
      from = (guint)at + 1;
    }
  /* Items the viewer may not watch are skipped by render (a page may show
   * fewer than limit; the cursor still moves past them). */
  for (guint i = from; i < json_array_get_length (ids); i++)
    {
      const char *video = json_array_get_string_element (ids, i);
      g_array_append_val (elements, video);
    }
  if (!(items = reel_page_render (txn, elements, page->limit, item_cursor, render_item,
                                  (gpointer)viewer, error)))
    return NULL;
  out = summary (pl);
  json_object_set_member (out, "items", json_object_dup_member (items, "items"));
  json_object_set_member (out, "next_cursor", json_object_dup_member (items, "next_cursor"));
  return out;
}

static JsonObject *
render_mine (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
             gpointer data, GError **error)
{
  g_autofree char *id = NULL;
  g_autoptr (JsonObject) pl = NULL;
  if (key_len < REEL_ID_LEN)
    return NULL;
  id = g_strndup ((const char *)key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  if (!(pl = load (txn, id, error)))
    return NULL;
  return summary (pl);
}

JsonObject *
reel_playlists_mine (ReelStore *store, const char *user, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GBytes) prefix = reel_page_name_prefix (user);
  if (page->after && g_bytes_get_size (page->after) != REEL_ID_LEN)
    {
      reel_page_bad_cursor (error);
      return NULL;
    }
  if (!(txn = reel_store_begin (store, FALSE, error)))
    return NULL;
  return reel_page_scan (txn, REEL_DB_PLAYLIST_OWNERS, g_bytes_get_data (prefix, NULL),
                         g_bytes_get_size (prefix), page, FALSE, render_mine, NULL, error);
}

/* --- projection --- */

static gboolean
apply_created (ReelTxn *txn, const ReelEvent *ev, const char *id, GError **error)
{
  const char *owner, *title, *privacy, *kind;
  g_autoptr (JsonObject) pl = NULL;
  g_autoptr (GBytes) key = NULL;
  if (!(owner = reel_json_get_string (ev->data, "owner", TRUE, error))
      || !(title = reel_json_get_string (ev->data, "title", TRUE, error))
      || !(privacy = reel_json_get_string (ev->data, "privacy", TRUE, error))
      || !(kind = reel_json_get_string (ev->data, "kind", TRUE, error))
      || !reel_users_validate_username (owner, error)
      || !reel_playlists_check_privacy (privacy, error))
    return FALSE;
  if ((pl = load (txn, id, error)))
    return TRUE; /* redelivered, or a Watch later claimed twice */
  pl = json_object_new ();
  json_object_set_string_member (pl, "id", id);
  json_object_set_string_member (pl, "owner", owner);
  json_object_set_string_member (pl, "title", title);
  json_object_set_string_member (pl, "privacy", privacy);
  json_object_set_string_member (
      pl, "kind", g_str_equal (kind, KIND_WATCH_LATER) ? KIND_WATCH_LATER : KIND_CUSTOM);
  json_object_set_string_member (pl, "created_at", ev->at);
  json_object_set_string_member (pl, "updated_at", ev->at);
  json_object_set_array_member (pl, "items", json_array_new ());
  key = owner_key (owner, id);
  return store (txn, pl, error)
         && reel_txn_put (txn, REEL_DB_PLAYLIST_OWNERS, g_bytes_get_data (key, NULL),
                          g_bytes_get_size (key), "", 0, error);
}

static gboolean
apply_deleted (ReelTxn *txn, JsonObject *pl, GError **error)
{
  const char *id = json_object_get_string_member (pl, "id");
  g_autoptr (GBytes) key = owner_key (json_object_get_string_member (pl, "owner"), id);
  return reel_txn_del (txn, REEL_DB_PLAYLISTS, id, strlen (id), error)
         && reel_txn_del (txn, REEL_DB_PLAYLIST_OWNERS, g_bytes_get_data (key, NULL),
                          g_bytes_get_size (key), error);
}

/* Applies an item event to pl's items; FALSE (error unset) when it changes
 * nothing. */
static gboolean
apply_item (JsonObject *pl, const ReelEvent *ev, const char *video_id)
{
  JsonArray *items = json_object_get_array_member (pl, "items");
  gint at = item_index (items, video_id);
  if (g_str_equal (ev->type, "playlist.item_added"))
    {
      if (at >= 0 || json_array_get_length (items) >= REEL_PLAYLIST_MAX_ITEMS)
        return FALSE;
      json_array_add_string_element (items, video_id);
      return TRUE;
    }
  if (at < 0)
    return FALSE;
  if (g_str_equal (ev->type, "playlist.item_removed"))
    {
      json_array_remove_element (items, (guint)at);
      return TRUE;
    }
  {
    /* item_moved: rebuilt in the new order (JsonArray cannot insert). */
    guint n = json_array_get_length (items);
    guint to = (guint)CLAMP (reel_json_get_int (ev->data, "position", 0), 0, (gint64)n - 1);
    g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
    JsonArray *moved = json_array_new ();
    for (guint i = 0; i < n; i++)
      if ((gint)i != at)
        g_ptr_array_add (order, g_strdup (json_array_get_string_element (items, i)));
    g_ptr_array_insert (order, (gint)to, g_strdup (video_id));
    for (guint i = 0; i < order->len; i++)
      json_array_add_string_element (moved, order->pdata[i]);
    json_object_set_array_member (pl, "items", moved);
    return TRUE;
  }
}

/* A deleted account's playlists go with it; ids are collected first since
 * rows cannot go while a scan walks them. */
static gboolean
collect_id (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  if (key_len >= REEL_ID_LEN)
    g_ptr_array_add (data, g_strndup ((const char *)key + key_len - REEL_ID_LEN, REEL_ID_LEN));
  return TRUE;
}

static gboolean
apply_user_deleted (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GBytes) prefix = NULL;
  if (!user)
    return FALSE;
  prefix = reel_page_name_prefix (user);
  if (!reel_txn_scan (txn, REEL_DB_PLAYLIST_OWNERS, g_bytes_get_data (prefix, NULL),
                      g_bytes_get_size (prefix), NULL, 0, FALSE, collect_id, ids, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (JsonObject) pl = load (txn, ids->pdata[i], &local);
      if (local || (pl && !apply_deleted (txn, pl, &local)))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
reel_playlists_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id, *video_id;
  g_autoptr (JsonObject) pl = NULL;
  g_autoptr (GError) local = NULL;

  if (g_str_equal (ev->type, "user.deleted"))
    return apply_user_deleted (txn, ev, error);
  if (!g_str_has_prefix (ev->type, "playlist."))
    return TRUE;
  if (!(id = reel_json_get_string (ev->data, "id", TRUE, error)))
    return FALSE;
  if (!reel_id_valid (id))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "bad playlist id \"%s\"", id);
      return FALSE;
    }
  if (g_str_equal (ev->type, "playlist.created"))
    return apply_created (txn, ev, id, error);
  if (!(pl = load (txn, id, &local)))
    {
      /* Deleted (or never made): later events change nothing. */
      if (!local)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (g_str_equal (ev->type, "playlist.deleted"))
    return apply_deleted (txn, pl, error);
  if (g_str_equal (ev->type, "playlist.updated"))
    {
      const char *title = reel_json_get_string (ev->data, "title", FALSE, NULL);
      const char *privacy = reel_json_get_string (ev->data, "privacy", FALSE, NULL);
      if ((title && !reel_playlists_check_title (title, error))
          || (privacy && !reel_playlists_check_privacy (privacy, error)))
        return FALSE;
      if (title)
        json_object_set_string_member (pl, "title", title);
      if (privacy)
        json_object_set_string_member (pl, "privacy", privacy);
    }
  else
    {
      if (!(video_id = reel_json_get_string (ev->data, "video_id", TRUE, error)))
        return FALSE;
      if (!reel_videos_id_valid (video_id))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "bad video_id \"%s\"", video_id);
          return FALSE;
        }
      if (!apply_item (pl, ev, video_id))
        return TRUE;
    }
  json_object_set_string_member (pl, "updated_at", ev->at);
  return store (txn, pl, error);
}
