/* See audit.h. */
#include "app/moderation/audit.h"
#include "core/json.h"

/* The moderation actions: events only an admin or a moderator publishes. */
static const char *const audited[] = {
  "user.role_set", "invite.created", "user.quota_set",  "report.resolved",     "user.banned",
  "user.unbanned", "video.blocked",  "video.unblocked", "video.retranscoding",
};

gboolean
reel_audit_keeps (const ReelEvent *ev)
{
  for (guint i = 0; i < G_N_ELEMENTS (audited); i++)
    if (g_str_equal (ev->type, audited[i]))
      return TRUE;
  return ev->data && json_object_get_boolean_member_with_default (ev->data, "moderated", FALSE);
}

static JsonObject *
render_entry (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
              gpointer data, GError **error)
{
  return reel_json_parse_object ((const char *)value, value_len, NULL);
}

JsonObject *
reel_audit_list (ReelStore *store, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  if (!txn)
    return NULL;
  return reel_page_scan (txn, REEL_DB_AUDIT, NULL, 0, page, TRUE, render_entry, NULL, error);
}

gboolean
reel_audit_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  g_autoptr (JsonObject) entry = NULL;
  g_autoptr (GString) key = NULL;
  if (!reel_audit_keeps (ev))
    return TRUE;
  entry = json_object_new ();
  json_object_set_string_member (entry, "id", ev->id);
  json_object_set_string_member (entry, "type", ev->type);
  if (ev->actor)
    json_object_set_string_member (entry, "actor", ev->actor);
  else
    json_object_set_null_member (entry, "actor");
  json_object_set_string_member (entry, "at", ev->at);
  json_object_set_object_member (entry, "data", json_object_ref (ev->data));
  /* Time first so a backwards scan is newest first; the id makes two
   * actions in one second two rows, and a redelivered event one. */
  key = g_string_new (ev->at);
  g_string_append_c (key, '\0');
  g_string_append (key, ev->id);
  return reel_txn_put_json (txn, REEL_DB_AUDIT, key->str, key->len, entry, error);
}
