/* See invites.h. */
#include "app/invites.h"
#include "core/error.h"
#include "core/json.h"
#include "core/secret.h"

/* How much of a code's hash lists show: enough to tell invites apart, not
 * the key itself. */
#define LIST_ID_CHARS 16

static char *
used_subject (const char *hash_hex)
{
  g_autofree char *key = g_strconcat (hash_hex, ".used", NULL);
  return reel_event_subject ("invite", key);
}

char *
reel_invites_create (ReelBus *bus, const char *actor, gint64 ttl_s, gint64 *expires_at,
                     guint64 *seq, GError **error)
{
  g_autofree char *hash_hex = NULL, *subject = NULL;
  g_autofree char *code = reel_secret_new (&hash_hex, error);
  g_autoptr (JsonObject) data = json_object_new ();
  gint64 expiry = g_get_real_time () / G_USEC_PER_SEC + ttl_s;
  if (!code)
    return NULL;
  json_object_set_string_member (data, "code_hash", hash_hex);
  json_object_set_int_member (data, "expires_at", expiry);
  subject = reel_event_subject ("invite", hash_hex);
  if (!reel_events_publish (bus, subject, "invite.created", 1, actor, data, FALSE, seq, error))
    return NULL;
  *expires_at = expiry;
  return g_steal_pointer (&code);
}

static void
set_refused (GError **error)
{
  g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                       "this invite code is not valid: it is unknown, used or expired");
}

gboolean
reel_invites_check (ReelStore *store, const char *code, GError **error)
{
  g_autofree char *hash_hex = reel_secret_hash (code);
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (GError) local = NULL;
  if (!txn)
    return FALSE;
  rec = reel_txn_get_json (txn, REEL_DB_INVITES, hash_hex, strlen (hash_hex), &local);
  if (!rec && local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!rec || json_object_has_member (rec, "used_by")
      || json_object_get_int_member_with_default (rec, "expires_at", 0)
             <= g_get_real_time () / G_USEC_PER_SEC)
    {
      set_refused (error);
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_invites_redeem (ReelBus *bus, const char *code, const char *username, guint64 *seq,
                     GError **error)
{
  g_autofree char *hash_hex = reel_secret_hash (code);
  g_autofree char *subject = used_subject (hash_hex);
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_string_member (data, "code_hash", hash_hex);
  json_object_set_string_member (data, "username", username);
  if (!reel_events_publish (bus, subject, "invite.used", 1, username, data, TRUE, seq, error))
    {
      if (g_error_matches (*error, REEL_ERROR, REEL_ERROR_CONFLICT))
        {
          g_clear_error (error);
          set_refused (error);
        }
      return FALSE;
    }
  return TRUE;
}

static JsonObject *
render_invite (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data, GError **error)
{
  g_autoptr (JsonObject) rec = reel_json_parse_object ((const char *)value, value_len, NULL);
  g_autofree char *id = g_strndup ((const char *)key, MIN (key_len, LIST_ID_CHARS));
  if (!rec)
    return NULL;
  json_object_set_string_member (rec, "id", id);
  return g_steal_pointer (&rec);
}

JsonObject *
reel_invites_list (ReelStore *store, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  if (!txn)
    return NULL;
  return reel_page_scan (txn, REEL_DB_INVITES, NULL, 0, page, FALSE, render_invite, NULL, error);
}

static gboolean
apply_created (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *hash = reel_json_get_string (ev->data, "code_hash", TRUE, error);
  g_autoptr (JsonObject) rec = json_object_new ();
  if (!hash)
    return FALSE;
  json_object_set_string_member (rec, "created_by", ev->actor ? ev->actor : "");
  json_object_set_string_member (rec, "created_at", ev->at);
  json_object_set_int_member (rec, "expires_at",
                              json_object_get_int_member_with_default (ev->data, "expires_at", 0));
  return reel_txn_put_json (txn, REEL_DB_INVITES, hash, strlen (hash), rec, error);
}

static gboolean
apply_used (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *hash = reel_json_get_string (ev->data, "code_hash", TRUE, error);
  const char *username = hash ? reel_json_get_string (ev->data, "username", TRUE, error) : NULL;
  g_autoptr (JsonObject) rec = NULL;
  if (!username)
    return FALSE;
  rec = reel_txn_get_json (txn, REEL_DB_INVITES, hash, strlen (hash), error);
  /* The first use stands (the precondition allows only one). */
  if (!rec || json_object_has_member (rec, "used_by"))
    return *error == NULL;
  json_object_set_string_member (rec, "used_by", username);
  json_object_set_string_member (rec, "used_at", ev->at);
  return reel_txn_put_json (txn, REEL_DB_INVITES, hash, strlen (hash), rec, error);
}

gboolean
reel_invites_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  if (g_str_equal (ev->type, "invite.created"))
    return apply_created (txn, ev, error);
  if (g_str_equal (ev->type, "invite.used"))
    return apply_used (txn, ev, error);
  return TRUE;
}
