/* See dispute.h. */
#include "app/checks/dispute.h"
#include "app/checks/checks.h"
#include "app/moderation/reports.h"
#include "app/video/videos.h"
#include "bus/events.h"
#include "core/error.h"

/* Whether a check of v blocked it: what a dispute contests. */
static gboolean
blocked_by_check (const ReelVideo *v)
{
  for (guint i = 0; v->checks && i < v->checks->len; i++)
    if (((const ReelCheck *)v->checks->pdata[i])->state == REEL_CHECK_BLOCKED)
      return TRUE;
  return FALSE;
}

gboolean
reel_checks_dispute (ReelBus *bus, ReelStore *store, const char *owner, const char *video_id,
                     const char *text, char **report_id, guint64 *seq, GError **error)
{
  g_autoptr (ReelVideo) v = NULL;
  g_autoptr (JsonObject) data = NULL;
  g_autofree char *subject = NULL, *report_text = NULL;
  ReelReportDraft draft = { 0 };

  if (!text || !*text || !g_utf8_validate (text, -1, NULL)
      || g_utf8_strlen (text, -1) > REEL_REPORT_TEXT_MAX)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "a dispute says why, in 1 to %d characters of UTF-8", REEL_REPORT_TEXT_MAX);
      return FALSE;
    }
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    if (!txn || !(v = reel_videos_load (txn, video_id, error)))
      return FALSE;
  }
  if (g_strcmp0 (v->owner, owner) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                   "only the video's owner can dispute its checks");
      return FALSE;
    }
  if (!blocked_by_check (v))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "no check blocked this video");
      return FALSE;
    }
  data = json_object_new ();
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "text", text);
  subject = reel_event_subject ("video", video_id);
  if (!reel_events_publish (bus, subject, "video.disputed", 1, owner, data, FALSE, seq, error))
    return FALSE;
  /* The moderators' queue is the reports': the dispute is one there. */
  report_text = g_strdup_printf ("dispute of a check: %s", text);
  draft.reporter = owner;
  draft.video_id = video_id;
  draft.reason = "copyright";
  draft.text = g_utf8_strlen (report_text, -1) > REEL_REPORT_TEXT_MAX ? text : report_text;
  return reel_reports_create (bus, store, &draft, report_id, seq, error);
}
