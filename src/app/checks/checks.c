/* See checks.h. */
#include "app/checks/checks.h"
#include "core/json.h"

/* What a cleared check says: the owner sees who decided. */
#define CLEARED_DETAIL "cleared by a moderator"

gboolean
reel_checks_request (ReelBus *bus, const char *video_id, const char *const *names, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("video", video_id);
  JsonArray *a = json_array_new ();
  for (; *names; names++)
    json_array_add_string_element (a, *names);
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_array_member (data, "checks", a);
  return reel_events_publish (bus, subject, "video.checks_requested", 1, NULL, data, FALSE, NULL,
                              error);
}

gboolean
reel_checks_report (ReelBus *bus, const char *video_id, const char *name, ReelCheckState state,
                    const char *detail, JsonObject *extra, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("video", video_id);
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "name", name);
  json_object_set_string_member (data, "state", reel_check_state_name (state));
  if (detail)
    json_object_set_string_member (data, "detail", detail);
  if (extra)
    {
      JsonObjectIter it;
      const char *member;
      JsonNode *value;
      json_object_iter_init (&it, extra);
      while (json_object_iter_next (&it, &member, &value))
        json_object_set_member (data, member, json_node_copy (value));
    }
  return reel_events_publish (bus, subject, "video.checked", 1, NULL, data, FALSE, NULL, error);
}

gboolean
reel_checks_give_up (ReelBus *bus, const char *video_id, const char *name, const char *detail,
                     GError **error)
{
  g_autoptr (JsonObject) extra = json_object_new ();
  json_object_set_boolean_member (extra, "gave_up", TRUE);
  return reel_checks_report (bus, video_id, name, REEL_CHECK_HELD, detail, extra, error);
}

gboolean
reel_checks_gave_up (const ReelEvent *ev)
{
  return json_object_get_boolean_member_with_default (ev->data, "gave_up", FALSE);
}

static void
set_detail (ReelCheck *c, const char *detail)
{
  g_free (c->detail);
  c->detail = g_strdup (detail);
}

static void
set_moderation (ReelVideo *v, ReelModeration m, const char *reason)
{
  v->moderation = m;
  g_free (v->moderation_reason);
  v->moderation_reason = g_strdup (reason);
}

gboolean
reel_checks_apply_record (ReelVideo *v, const ReelEvent *ev)
{
  if (g_str_equal (ev->type, "video.checks_requested"))
    {
      JsonNode *node = json_object_get_member (ev->data, "checks");
      JsonArray *names = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      if (!v->checks)
        v->checks = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_check_free);
      for (guint i = 0; names && i < json_array_get_length (names); i++)
        {
          const char *name = json_array_get_string_element (names, i);
          ReelCheck *c;
          /* A retried ingest asks again: a check keeps its outcome. */
          if (!name || reel_video_check (v, name))
            continue;
          c = g_new0 (ReelCheck, 1);
          c->name = g_strdup (name);
          c->state = REEL_CHECK_PENDING;
          g_ptr_array_add (v->checks, c);
        }
      return TRUE;
    }
  if (g_str_equal (ev->type, "video.checked"))
    {
      const char *name = json_object_get_string_member_with_default (ev->data, "name", NULL);
      const char *detail = json_object_get_string_member_with_default (ev->data, "detail", NULL);
      ReelCheckState state;
      ReelCheck *c;
      if (!name
          || !reel_check_state_from_name (
              json_object_get_string_member_with_default (ev->data, "state", NULL), &state))
        return TRUE;
      if (!v->checks)
        v->checks = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_check_free);
      c = reel_video_check (v, name);
      /* A job's last failed attempt does not undo what an earlier one found. */
      if (c && c->state != REEL_CHECK_PENDING && reel_checks_gave_up (ev))
        return TRUE;
      if (!c)
        {
          c = g_new0 (ReelCheck, 1);
          c->name = g_strdup (name);
          g_ptr_array_add (v->checks, c);
        }
      c->state = state;
      set_detail (c, detail);
      if (state == REEL_CHECK_BLOCKED && v->moderation != REEL_MODERATION_BLOCKED)
        set_moderation (v, REEL_MODERATION_BLOCKED, detail);
      else if (state == REEL_CHECK_HELD && v->moderation == REEL_MODERATION_NONE)
        set_moderation (v, REEL_MODERATION_HELD, detail);
      return TRUE;
    }
  if (g_str_equal (ev->type, "video.disputed"))
    {
      /* Held for a moderator, with the uploader's words beside the
       * match (app/checks/dispute.h). */
      const char *text = json_object_get_string_member_with_default (ev->data, "text", "");
      gboolean any = FALSE;
      for (guint i = 0; v->checks && i < v->checks->len; i++)
        {
          ReelCheck *c = v->checks->pdata[i];
          g_autofree char *detail = NULL;
          if (c->state != REEL_CHECK_BLOCKED)
            continue;
          detail
              = g_strdup_printf ("%s; disputed by the owner: %s", c->detail ? c->detail : "", text);
          c->state = REEL_CHECK_HELD;
          set_detail (c, detail);
          any = TRUE;
        }
      if (any && v->moderation == REEL_MODERATION_BLOCKED)
        v->moderation = REEL_MODERATION_HELD;
      return TRUE;
    }
  return FALSE;
}

void
reel_checks_on_moderation (ReelVideo *v, gboolean block)
{
  for (guint i = 0; v->checks && i < v->checks->len; i++)
    {
      ReelCheck *c = v->checks->pdata[i];
      if (block && c->state == REEL_CHECK_HELD)
        c->state = REEL_CHECK_BLOCKED;
      else if (!block && (c->state == REEL_CHECK_HELD || c->state == REEL_CHECK_BLOCKED))
        {
          c->state = REEL_CHECK_PASSED;
          set_detail (c, CLEARED_DETAIL);
        }
    }
}
