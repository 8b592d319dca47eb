/* See reports.h. */
#include "app/moderation/reports.h"
#include "app/social/comments.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "core/text.h"

static const char *const reasons[]
    = { "spam", "harassment", "copyright", "sexual", "violence", "illegal", "other" };

static gboolean
valid_reason (const char *reason)
{
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (g_str_equal (reason, reasons[i]))
      return TRUE;
  return FALSE;
}

static gboolean
check_draft (const ReelReportDraft *d, GError **error)
{
  if (!d->video_id == !d->comment_id)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "a report names either a video_id or a comment_id");
      return FALSE;
    }
  if ((d->video_id && !reel_id_valid (d->video_id))
      || (d->comment_id && !reel_id_valid (d->comment_id)))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID, "not an id");
      return FALSE;
    }
  if (!d->reason || !valid_reason (d->reason))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "reason must be one of spam, harassment, copyright, sexual, violence, "
                           "illegal, other");
      return FALSE;
    }
  return !d->text || reel_text_check ("text", d->text, 1, REEL_REPORT_TEXT_MAX, TRUE, error);
}

gboolean
reel_reports_create (ReelBus *bus, ReelStore *store, const ReelReportDraft *d, char **id,
                     guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *new_id = NULL, *subject = NULL;
  if (!check_draft (d, error))
    return FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    g_autoptr (JsonObject) comment = NULL;
    if (!txn)
      return FALSE;
    if (d->video_id
        && !reel_txn_get (txn, REEL_DB_VIDEOS, d->video_id, strlen (d->video_id), NULL, NULL, NULL))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no video %s", d->video_id);
        return FALSE;
      }
    if (d->comment_id && !(comment = reel_comments_load (txn, d->comment_id)))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no comment %s", d->comment_id);
        return FALSE;
      }
  }
  new_id = reel_id_new ();
  json_object_set_string_member (data, "report_id", new_id);
  json_object_set_string_member (data, "reporter", d->reporter);
  if (d->video_id)
    json_object_set_string_member (data, "video_id", d->video_id);
  if (d->comment_id)
    json_object_set_string_member (data, "comment_id", d->comment_id);
  json_object_set_string_member (data, "reason", d->reason);
  if (d->text)
    json_object_set_string_member (data, "text", d->text);
  subject = reel_event_subject ("report", new_id);
  if (!reel_events_publish (bus, subject, "report.created", 1, d->reporter, data, TRUE, seq, error))
    return FALSE;
  *id = g_steal_pointer (&new_id);
  return TRUE;
}

static JsonObject *
render_open (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
             gpointer data, GError **error)
{
  const char *id = memchr (key, '\0', key_len);
  g_autofree char *report_id = NULL;
  g_autoptr (JsonObject) comment = NULL;
  JsonObject *rec;
  if (!id)
    return NULL;
  report_id = g_strndup (id + 1, key_len - (gsize)(id + 1 - (const char *)key));
  rec = reel_txn_get_json (txn, REEL_DB_REPORTS, report_id, strlen (report_id), error);
  /* The moderator sees the reported comment (and its video, to delete it
   * there) as it is now; absent once it is gone. */
  if (rec && json_object_has_member (rec, "comment_id")
      && (comment = reel_comments_load (txn, json_object_get_string_member (rec, "comment_id"))))
    {
      JsonObject *shown = json_object_new ();
      static const char *const kept[] = { "video_id", "author", "text" };
      for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
        if (json_object_has_member (comment, kept[i]))
          json_object_set_string_member (shown, kept[i],
                                         json_object_get_string_member (comment, kept[i]));
      json_object_set_object_member (rec, "comment", shown);
    }
  return rec;
}

JsonObject *
reel_reports_list_open (ReelStore *store, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  if (!txn)
    return NULL;
  return reel_page_scan (txn, REEL_DB_REPORTS_OPEN, NULL, 0, page, FALSE, render_open, NULL, error);
}

gboolean
reel_reports_resolve (ReelBus *bus, ReelStore *store, const char *actor, const char *id,
                      const char *note, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) report = NULL;
  g_autofree char *subject = NULL;
  if (note && !reel_text_check ("note", note, 1, REEL_REPORT_TEXT_MAX, TRUE, error))
    return FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    g_autoptr (GError) local = NULL;
    if (!txn)
      return FALSE;
    report = reel_id_valid (id) ? reel_txn_get_json (txn, REEL_DB_REPORTS, id, strlen (id), &local)
                                : NULL;
    if (local)
      {
        g_propagate_error (error, g_steal_pointer (&local));
        return FALSE;
      }
  }
  if (!report)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no report %s", id);
      return FALSE;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (report, "state", ""), "open") != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "report %s is resolved already", id);
      return FALSE;
    }
  json_object_set_string_member (data, "report_id", id);
  if (note)
    json_object_set_string_member (data, "note", note);
  subject = reel_event_subject ("report", id);
  return reel_events_publish (bus, subject, "report.resolved", 1, actor, data, FALSE, seq, error);
}

static GString *
open_key (const char *at, const char *id)
{
  GString *key = g_string_new (at);
  g_string_append_c (key, '\0');
  g_string_append (key, id);
  return key;
}

/* What a report record keeps of report.created. */
static const char *const copied[] = { "reporter", "video_id", "comment_id", "reason", "text" };

static gboolean
apply_created (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "report_id", TRUE, error);
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (GString) key = NULL;
  if (!id)
    return FALSE;
  if (reel_txn_get (txn, REEL_DB_REPORTS, id, strlen (id), NULL, NULL, NULL))
    return TRUE; /* redelivered */
  rec = json_object_new ();
  json_object_set_string_member (rec, "id", id);
  for (guint i = 0; i < G_N_ELEMENTS (copied); i++)
    {
      const char *value = json_object_get_string_member_with_default (ev->data, copied[i], NULL);
      if (value)
        json_object_set_string_member (rec, copied[i], value);
    }
  json_object_set_string_member (rec, "state", "open");
  json_object_set_string_member (rec, "created_at", ev->at);
  key = open_key (ev->at, id);
  return reel_txn_put_json (txn, REEL_DB_REPORTS, id, strlen (id), rec, error)
         && reel_txn_put (txn, REEL_DB_REPORTS_OPEN, key->str, key->len, "", 0, error);
}

static gboolean
apply_resolved (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "report_id", TRUE, error);
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (GString) key = NULL;
  if (!id)
    return FALSE;
  rec = reel_txn_get_json (txn, REEL_DB_REPORTS, id, strlen (id), error);
  if (!rec)
    return *error == NULL;
  key = open_key (json_object_get_string_member_with_default (rec, "created_at", ""), id);
  json_object_set_string_member (rec, "state", "resolved");
  if (ev->actor)
    json_object_set_string_member (rec, "resolved_by", ev->actor);
  json_object_set_string_member (rec, "resolved_at", ev->at);
  if (json_object_has_member (ev->data, "note"))
    json_object_set_string_member (rec, "note", json_object_get_string_member (ev->data, "note"));
  return reel_txn_put_json (txn, REEL_DB_REPORTS, id, strlen (id), rec, error)
         && reel_txn_del (txn, REEL_DB_REPORTS_OPEN, key->str, key->len, error);
}

gboolean
reel_reports_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  if (g_str_equal (ev->type, "report.created"))
    return apply_created (txn, ev, error);
  if (g_str_equal (ev->type, "report.resolved"))
    return apply_resolved (txn, ev, error);
  return TRUE;
}
