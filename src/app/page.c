/* See page.h. */
#include "app/page.h"
#include "core/error.h"
#include "core/text.h"

#include <sodium.h>

/* Our keys are short; a longer cursor is not one of ours. */
#define CURSOR_MAX_BYTES 512
/* base64url without padding. libsodium 1.0.18's decoder is looser: it reads
 * some bytes above 0x7f as '-' or '_', so it only sees a cursor made of
 * these. */
#define CURSOR_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

gboolean
reel_page_bad_cursor (GError **error)
{
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "cursor is not valid for this list");
  return FALSE;
}

gboolean
reel_page_parse (const char *limit, const char *cursor, ReelPage *page, GError **error)
{
  guint64 n = REEL_PAGE_DEFAULT_LIMIT;
  page->limit = 0;
  page->after = NULL;
  if (limit && !reel_text_to_uint (limit, 1, REEL_PAGE_MAX_LIMIT, &n))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "limit must be 1 to %d",
                   REEL_PAGE_MAX_LIMIT);
      return FALSE;
    }
  if (cursor)
    {
      gsize len = strlen (cursor), out_len = 0;
      g_autofree guint8 *raw = g_malloc (len + 1);
      if (len == 0 || len > CURSOR_MAX_BYTES * 4 / 3 + 4 || strspn (cursor, CURSOR_CHARS) != len
          || sodium_init () < 0
          || sodium_base642bin (raw, len + 1, cursor, len, NULL, &out_len, NULL,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                 != 0
          || out_len == 0)
        return reel_page_bad_cursor (error);
      page->after = g_bytes_new (raw, out_len);
    }
  page->limit = (guint)n;
  return TRUE;
}

void
reel_page_clear (ReelPage *page)
{
  g_clear_pointer (&page->after, g_bytes_unref);
}

char *
reel_page_cursor (const void *key, gsize len)
{
  gsize size = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *out = g_malloc (size);
  return sodium_bin2base64 (out, size, key, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

JsonObject *
reel_page_result (JsonArray *items, GBytes *next)
{
  JsonObject *out = json_object_new ();
  json_object_set_array_member (out, "items", items);
  if (next)
    {
      gsize len;
      const void *k = g_bytes_get_data (next, &len);
      g_autofree char *cursor = reel_page_cursor (k, len);
      json_object_set_string_member (out, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (out, "next_cursor");
  return out;
}

GBytes *
reel_page_name_prefix (const char *name)
{
  return g_bytes_new (name, strlen (name) + 1);
}

typedef struct
{
  ReelTxn *txn;
  gsize prefix_len;
  guint limit;
  ReelPageRenderFunc render;
  gpointer user_data;
  JsonArray *items;
  GBytes *next;  /* the key suffix of the page's last row */
  gboolean more; /* a row follows it */
  GError *error;
} Scan;

static gboolean
scan_row (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Scan *s = data;
  JsonObject *item = s->render (s->txn, key, key_len, value, value_len, s->user_data, &s->error);
  if (!item)
    return s->error == NULL;
  if (json_array_get_length (s->items) == s->limit)
    {
      /* One row past the page: there is a next page. */
      json_object_unref (item);
      s->more = TRUE;
      return FALSE;
    }
  json_array_add_object_element (s->items, item);
  if (json_array_get_length (s->items) == s->limit)
    s->next = g_bytes_new (key + s->prefix_len, key_len - s->prefix_len);
  return TRUE;
}

JsonObject *
reel_page_scan (ReelTxn *txn, ReelDb db, const void *prefix, gsize prefix_len, const ReelPage *page,
                gboolean reverse, ReelPageRenderFunc render, gpointer user_data, GError **error)
{
  Scan s
      = { txn, prefix_len, page->limit, render, user_data, json_array_new (), NULL, FALSE, NULL };
  g_autoptr (GByteArray) after = NULL;

  if (page->after)
    {
      after = g_byte_array_new ();
      g_byte_array_append (after, prefix, (guint)prefix_len);
      g_byte_array_append (after, g_bytes_get_data (page->after, NULL),
                           (guint)g_bytes_get_size (page->after));
    }
  if (!reel_txn_scan (txn, db, prefix, prefix_len, after ? after->data : NULL,
                      after ? after->len : 0, reverse, scan_row, &s, error)
      || s.error)
    {
      if (s.error)
        g_propagate_error (error, s.error);
      json_array_unref (s.items);
      g_clear_pointer (&s.next, g_bytes_unref);
      return NULL;
    }
  if (!s.more)
    g_clear_pointer (&s.next, g_bytes_unref);
  JsonObject *result = reel_page_result (s.items, s.next);
  g_clear_pointer (&s.next, g_bytes_unref);
  return result;
}

JsonObject *
reel_page_render (ReelTxn *txn, GArray *elements, guint limit, ReelPageCursorFunc cursor,
                  ReelPageItemFunc render, gpointer user_data, GError **error)
{
  gsize size = g_array_get_element_size (elements);
  g_autoptr (GBytes) next = NULL;
  JsonArray *items = json_array_new ();
  if (elements->len > limit)
    next = cursor (elements->data + (limit - 1) * size);
  for (guint i = 0; i < MIN (elements->len, limit); i++)
    {
      g_autoptr (GError) local = NULL;
      JsonObject *item = render (txn, elements->data + i * size, user_data, &local);
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          json_array_unref (items);
          return NULL;
        }
      if (item)
        json_array_add_object_element (items, item);
    }
  return reel_page_result (items, next);
}
