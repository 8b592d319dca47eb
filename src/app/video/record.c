/* See record.h. */
#include "app/video/record.h"
#include "core/error.h"
#include "core/json.h"

#include <string.h>

static const char *const state_names[] = {
  [REEL_VIDEO_UPLOADING] = "uploading", [REEL_VIDEO_PROCESSING] = "processing",
  [REEL_VIDEO_PLAYABLE] = "playable",   [REEL_VIDEO_READY] = "ready",
  [REEL_VIDEO_FAILED] = "failed",
};

static const char *const privacy_names[] = {
  [REEL_PRIVACY_PUBLIC] = "public",
  [REEL_PRIVACY_UNLISTED] = "unlisted",
  [REEL_PRIVACY_PRIVATE] = "private",
};

static const char *const moderation_names[] = {
  [REEL_MODERATION_NONE] = "none",
  [REEL_MODERATION_HELD] = "held",
  [REEL_MODERATION_BLOCKED] = "blocked",
};

static const char *const check_state_names[] = {
  [REEL_CHECK_PENDING] = "pending", [REEL_CHECK_PASSED] = "passed",   [REEL_CHECK_HELD] = "held",
  [REEL_CHECK_BLOCKED] = "blocked", [REEL_CHECK_SKIPPED] = "skipped",
};

/* The index of name in names (n of them), or -1 when it is none of them. */
static gint
name_index (const char *const *names, guint n, const char *name)
{
  for (guint i = 0; name && i < n; i++)
    if (g_str_equal (name, names[i]))
      return (gint)i;
  return -1;
}

const char *
reel_check_state_name (ReelCheckState state)
{
  g_return_val_if_fail ((guint)state < G_N_ELEMENTS (check_state_names), NULL);
  return check_state_names[state];
}

gboolean
reel_check_state_from_name (const char *name, ReelCheckState *state)
{
  gint i = name_index (check_state_names, G_N_ELEMENTS (check_state_names), name);
  if (i >= 0)
    *state = (ReelCheckState)i;
  return i >= 0;
}

void
reel_check_free (ReelCheck *check)
{
  if (!check)
    return;
  g_free (check->name);
  g_free (check->detail);
  g_free (check);
}

const char *
reel_video_state_name (ReelVideoState state)
{
  g_return_val_if_fail ((guint)state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

gboolean
reel_video_state_from_name (const char *name, ReelVideoState *state)
{
  gint i = name_index (state_names, G_N_ELEMENTS (state_names), name);
  if (i >= 0)
    *state = (ReelVideoState)i;
  return i >= 0;
}

const char *
reel_privacy_name (ReelPrivacy privacy)
{
  g_return_val_if_fail ((guint)privacy < G_N_ELEMENTS (privacy_names), NULL);
  return privacy_names[privacy];
}

gboolean
reel_privacy_from_name (const char *name, ReelPrivacy *privacy)
{
  gint i = name_index (privacy_names, G_N_ELEMENTS (privacy_names), name);
  if (i >= 0)
    *privacy = (ReelPrivacy)i;
  return i >= 0;
}

const char *
reel_moderation_name (ReelModeration moderation)
{
  g_return_val_if_fail ((guint)moderation < G_N_ELEMENTS (moderation_names), NULL);
  return moderation_names[moderation];
}

gboolean
reel_moderation_from_name (const char *name, ReelModeration *moderation)
{
  gint i = name_index (moderation_names, G_N_ELEMENTS (moderation_names), name);
  if (i >= 0)
    *moderation = (ReelModeration)i;
  return i >= 0;
}

gboolean
reel_video_state_is_final (ReelVideoState state)
{
  return state == REEL_VIDEO_READY || state == REEL_VIDEO_FAILED;
}

gboolean
reel_video_state_is_playable (ReelVideoState state)
{
  return state == REEL_VIDEO_PLAYABLE || state == REEL_VIDEO_READY;
}

/* Members as earlier versions wrote them: an integer (a double is taken
 * as one), else the default. */
static gint64
get_int (JsonObject *o, const char *member, gint64 def)
{
  JsonNode *n = json_object_get_member (o, member);
  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return def;
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
      return json_node_get_int (n);
    default:
      return def;
    }
}

static gboolean
get_bool (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN
         && json_node_get_boolean (n);
}

/* A string member, or NULL when absent or not a string. */
static const char *
get_str (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

ReelVideoPlan *
reel_video_plan_copy (const ReelVideoPlan *plan)
{
  ReelVideoPlan *copy = g_memdup2 (plan, sizeof *plan);
  copy->video_codec = g_strdup (plan->video_codec);
  copy->rungs = plan->rungs ? g_array_copy (plan->rungs) : NULL;
  return copy;
}

void
reel_video_plan_free (ReelVideoPlan *plan)
{
  if (!plan)
    return;
  g_free (plan->video_codec);
  g_clear_pointer (&plan->rungs, g_array_unref);
  g_free (plan);
}

ReelVideoPlan *
reel_video_plan_from_json (JsonObject *o, GError **error)
{
  g_autoptr (ReelVideoPlan) plan = g_new0 (ReelVideoPlan, 1);
  if (!reel_ladder_from_json (json_object_get_member (o, "rungs"), &plan->rungs, error))
    {
      g_prefix_error (error, "the video's media plan: ");
      return NULL;
    }
  plan->duration_ns = (guint64)MAX (0, get_int (o, "duration_ns", 0));
  plan->width = (guint)CLAMP (get_int (o, "width", 0), 0, G_MAXUINT);
  plan->height = (guint)CLAMP (get_int (o, "height", 0), 0, G_MAXUINT);
  plan->rotation = (gint)CLAMP (get_int (o, "rotation", 0), G_MININT, G_MAXINT);
  plan->fps_n = (guint)CLAMP (get_int (o, "fps_n", 0), 0, G_MAXUINT);
  plan->fps_d = (guint)CLAMP (get_int (o, "fps_d", 0), 0, G_MAXUINT);
  plan->has_audio = get_bool (o, "has_audio");
  plan->video_codec = g_strdup (get_str (o, "video_codec"));
  plan->segment_ns = (guint64)MAX (0, get_int (o, "segment_ns", 0));
  plan->chunk_ns = (guint64)MAX (0, get_int (o, "chunk_ns", 0));
  plan->first_chunk_ns = (guint64)MAX (0, get_int (o, "first_chunk_ns", (gint64)plan->chunk_ns));
  plan->chunks_total = (guint)CLAMP (get_int (o, "chunks_total", 0), 0, G_MAXUINT);
  return g_steal_pointer (&plan);
}

/* The plan's members in the order video.probed has always carried them
 * (and records copied them): the probe's facts, then the cutting. */
static void
plan_set_members (JsonObject *o, const ReelVideoPlan *p, gboolean with_codec)
{
  json_object_set_int_member (o, "duration_ns", (gint64)p->duration_ns);
  json_object_set_int_member (o, "width", p->width);
  json_object_set_int_member (o, "height", p->height);
  json_object_set_int_member (o, "rotation", p->rotation);
  json_object_set_int_member (o, "fps_n", p->fps_n);
  json_object_set_int_member (o, "fps_d", p->fps_d);
  json_object_set_boolean_member (o, "has_audio", p->has_audio);
  if (with_codec && p->video_codec)
    json_object_set_string_member (o, "video_codec", p->video_codec);
  json_object_set_int_member (o, "segment_ns", (gint64)p->segment_ns);
  json_object_set_int_member (o, "first_chunk_ns", (gint64)p->first_chunk_ns);
  json_object_set_int_member (o, "chunk_ns", (gint64)p->chunk_ns);
  json_object_set_int_member (o, "chunks_total", p->chunks_total);
  json_object_set_array_member (o, "rungs", reel_ladder_to_json (p->rungs));
}

/* A plan beside the one served (the one being made, the one retired) and
 * its rendition set, under the members plan_name and set_name; absent
 * when plan is NULL. */
static void
other_plan_set_members (JsonObject *o, const char *plan_name, const char *set_name,
                        const ReelVideoPlan *plan, guint set)
{
  if (plan)
    {
      JsonObject *p = json_object_new ();
      plan_set_members (p, plan, FALSE);
      json_object_set_object_member (o, plan_name, p);
      json_object_set_int_member (o, set_name, set);
      return;
    }
  if (json_object_has_member (o, plan_name))
    json_object_remove_member (o, plan_name);
  if (json_object_has_member (o, set_name))
    json_object_remove_member (o, set_name);
}

/* And back: *plan stays NULL when the record has none. */
static gboolean
other_plan_from_json (JsonObject *o, const char *plan_name, const char *set_name,
                      ReelVideoPlan **plan, guint *set, GError **error)
{
  JsonNode *n;
  if (!json_object_has_member (o, plan_name))
    return TRUE;
  n = json_object_get_member (o, plan_name);
  if (!JSON_NODE_HOLDS_OBJECT (n)
      || !(*plan = reel_video_plan_from_json (json_node_get_object (n), error)))
    {
      if (error && !*error)
        g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s is not a plan", plan_name);
      return FALSE;
    }
  *set = (guint)CLAMP (get_int (o, set_name, 0), 0, G_MAXUINT);
  return TRUE;
}

JsonObject *
reel_video_plan_to_event (const ReelVideoPlan *plan, const char *video_id)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "video_id", video_id);
  plan_set_members (o, plan, TRUE);
  return o;
}

ReelVideo *
reel_video_new (const char *id)
{
  ReelVideo *v = g_new0 (ReelVideo, 1);
  v->id = g_strdup (id);
  v->refs = 1;
  return v;
}

ReelVideo *
reel_video_ref (ReelVideo *v)
{
  g_atomic_int_inc (&v->refs);
  return v;
}

void
reel_video_free (ReelVideo *v)
{
  if (!v || !g_atomic_int_dec_and_test (&v->refs))
    return;
  g_free (v->id);
  g_free (v->owner);
  g_free (v->title);
  g_free (v->description);
  g_free (v->filename);
  g_free (v->created_at);
  g_free (v->updated_at);
  g_free (v->original);
  reel_video_plan_free (v->plan);
  reel_video_plan_free (v->next_plan);
  reel_video_plan_free (v->retired_plan);
  g_free (v->retired_at);
  g_free (v->failed_set_reason);
  g_free (v->error);
  g_free (v->poster);
  g_free (v->ready_at);
  g_free (v->moderation_reason);
  g_free (v->storyboard);
  g_free (v->storyboard_sprite);
  g_free (v->poster_small);
  g_clear_pointer (&v->checks, g_ptr_array_unref);
  g_clear_pointer (&v->captions, g_ptr_array_unref);
  g_clear_pointer (&v->json, json_object_unref);
  g_free (v);
}

static void
caption_free (ReelCaption *c)
{
  g_free (c->lang);
  g_free (c->file);
  g_free (c);
}

const ReelCaption *
reel_video_caption (const ReelVideo *video, const char *lang)
{
  for (guint i = 0; video->captions && i < video->captions->len; i++)
    {
      const ReelCaption *c = video->captions->pdata[i];
      if (g_str_equal (c->lang, lang))
        return c;
    }
  return NULL;
}

void
reel_video_set_caption (ReelVideo *video, const char *lang, const char *file)
{
  guint at = 0;
  if (!video->captions)
    video->captions = g_ptr_array_new_with_free_func ((GDestroyNotify)caption_free);
  for (; at < video->captions->len; at++)
    {
      ReelCaption *c = video->captions->pdata[at];
      int order = strcmp (c->lang, lang);
      if (order == 0 && file)
        {
          g_free (c->file);
          c->file = g_strdup (file);
          return;
        }
      if (order == 0)
        {
          g_ptr_array_remove_index (video->captions, at);
          return;
        }
      if (order > 0)
        break;
    }
  if (file)
    {
      ReelCaption *c = g_new0 (ReelCaption, 1);
      c->lang = g_strdup (lang);
      c->file = g_strdup (file);
      g_ptr_array_insert (video->captions, (gint)at, c);
    }
}

/* "captions": [{"lang", "file"}], as stored. */
static void
captions_from_json (ReelVideo *v, JsonObject *o)
{
  JsonNode *node = json_object_get_member (o, "captions");
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      if (c && get_str (c, "lang") && get_str (c, "file"))
        reel_video_set_caption (v, get_str (c, "lang"), get_str (c, "file"));
    }
}

static JsonArray *
captions_to_json (const ReelVideo *v)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; i < v->captions->len; i++)
    {
      const ReelCaption *c = v->captions->pdata[i];
      JsonObject *e = json_object_new ();
      json_object_set_string_member (e, "lang", c->lang);
      json_object_set_string_member (e, "file", c->file);
      json_array_add_object_element (a, e);
    }
  return a;
}

ReelCheck *
reel_video_check (const ReelVideo *video, const char *name)
{
  for (guint i = 0; video->checks && i < video->checks->len; i++)
    {
      ReelCheck *c = video->checks->pdata[i];
      if (g_str_equal (c->name, name))
        return c;
    }
  return NULL;
}

gboolean
reel_video_checks_cleared (const ReelVideo *video)
{
  for (guint i = 0; video->checks && i < video->checks->len; i++)
    {
      ReelCheck *c = video->checks->pdata[i];
      if (c->state != REEL_CHECK_PASSED && c->state != REEL_CHECK_SKIPPED)
        return FALSE;
    }
  return TRUE;
}

gboolean
reel_video_retired_served (const ReelVideo *video, gint64 now_s, guint keep_s)
{
  g_autoptr (GDateTime) at = NULL;
  if (!video->retired_plan || !video->retired_at
      || !(at = g_date_time_new_from_iso8601 (video->retired_at, NULL)))
    return FALSE;
  return now_s < g_date_time_to_unix (at) + (gint64)keep_s;
}

static gboolean
checks_from_json (ReelVideo *v, JsonObject *o, GError **error)
{
  JsonNode *node = json_object_get_member (o, "checks");
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  v->checks = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_check_free);
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      ReelCheck *check;
      if (!c || !get_str (c, "name"))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "video %s: a check without a name",
                       v->id);
          return FALSE;
        }
      check = g_new0 (ReelCheck, 1);
      check->name = g_strdup (get_str (c, "name"));
      check->detail = g_strdup (get_str (c, "detail"));
      g_ptr_array_add (v->checks, check);
      if (!reel_check_state_from_name (get_str (c, "state"), &check->state))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "video %s: check %s in no state",
                       v->id, check->name);
          return FALSE;
        }
    }
  return TRUE;
}

/* The checks as the record and the API show them. */
JsonArray *
reel_video_checks_to_json (const ReelVideo *v)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; v->checks && i < v->checks->len; i++)
    {
      ReelCheck *check = v->checks->pdata[i];
      JsonObject *c = json_object_new ();
      json_object_set_string_member (c, "name", check->name);
      json_object_set_string_member (c, "state", reel_check_state_name (check->state));
      if (check->detail)
        json_object_set_string_member (c, "detail", check->detail);
      json_array_add_object_element (a, c);
    }
  return a;
}

ReelVideo *
reel_video_from_json (JsonObject *o, GError **error)
{
  const char *id = get_str (o, "id"), *owner = get_str (o, "owner");
  const char *state = get_str (o, "state"), *privacy = get_str (o, "privacy");
  const char *moderation = get_str (o, "moderation");
  g_autoptr (ReelVideo) v = NULL;

  if (!id || !owner)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "a video record without id or owner");
      return NULL;
    }
  v = reel_video_new (id);
  if (!reel_video_state_from_name (state, &v->state)
      || (privacy && !reel_privacy_from_name (privacy, &v->privacy))
      || (moderation && !reel_moderation_from_name (moderation, &v->moderation)))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "video %s: unknown state \"%s\", privacy \"%s\" or moderation \"%s\"", id,
                   state ? state : "", privacy ? privacy : "", moderation ? moderation : "");
      return NULL;
    }
  if (json_object_has_member (o, "chunks_total")
      && !(v->plan = reel_video_plan_from_json (o, error)))
    {
      g_prefix_error (error, "video %s: ", id);
      return NULL;
    }
  v->owner = g_strdup (owner);
  v->title = g_strdup (get_str (o, "title") ? get_str (o, "title") : "");
  v->description = g_strdup (get_str (o, "description"));
  v->filename = g_strdup (get_str (o, "filename"));
  v->size = (guint64)MAX (0, get_int (o, "size", 0));
  v->created_at = g_strdup (get_str (o, "created_at"));
  v->updated_at = g_strdup (get_str (o, "updated_at"));
  v->original = g_strdup (get_str (o, "original"));
  v->progress = json_object_has_member (o, "chunks_done");
  v->chunks_done = (guint)CLAMP (get_int (o, "chunks_done", 0), 0, G_MAXUINT);
  v->error = g_strdup (get_str (o, "error"));
  v->poster = g_strdup (get_str (o, "poster"));
  v->ready_at = g_strdup (get_str (o, "ready_at"));
  v->cdn = get_bool (o, "cdn");
  v->downloadable = get_bool (o, "downloadable");
  v->moderation_reason = g_strdup (get_str (o, "moderation_reason"));
  v->storyboard = g_strdup (get_str (o, "storyboard"));
  v->storyboard_sprite = g_strdup (get_str (o, "storyboard_sprite"));
  v->poster_small = g_strdup (get_str (o, "poster_small"));
  v->rendition_set = (guint)CLAMP (get_int (o, "rendition_set", 0), 0, G_MAXUINT);
  if (!other_plan_from_json (o, "next_plan", "next_set", &v->next_plan, &v->next_set, error)
      || !other_plan_from_json (o, "retired_plan", "retired_set", &v->retired_plan, &v->retired_set,
                                error))
    {
      g_prefix_error (error, "video %s: ", id);
      return NULL;
    }
  if (v->retired_plan)
    v->retired_at = g_strdup (get_str (o, "retired_at"));
  v->failed_set = (guint)CLAMP (get_int (o, "failed_set", 0), 0, G_MAXUINT);
  v->failed_set_reason = g_strdup (get_str (o, "failed_set_reason"));
  if (json_object_has_member (o, "checks") && !checks_from_json (v, o, error))
    return NULL;
  if (json_object_has_member (o, "captions"))
    captions_from_json (v, o);
  v->json = json_object_ref (o);
  return g_steal_pointer (&v);
}

ReelVideo *
reel_video_from_bytes (const void *data, gsize len, GError **error)
{
  g_autoptr (JsonObject) o = reel_json_parse_object (data, len, error);
  return o ? reel_video_from_json (o, error) : NULL;
}

static void
set_or_remove_string (JsonObject *o, const char *member, const char *value)
{
  if (value)
    json_object_set_string_member (o, member, value);
  else if (json_object_has_member (o, member))
    json_object_remove_member (o, member);
}

JsonObject *
reel_video_to_json (const ReelVideo *v)
{
  JsonObject *o = v->json ? json_object_ref (v->json) : json_object_new ();

  /* In the order of record.h: the order each member was first written in
   * by every version, so a new record comes out as it always has. */
  json_object_set_string_member (o, "id", v->id);
  json_object_set_string_member (o, "owner", v->owner);
  json_object_set_string_member (o, "title", v->title ? v->title : "");
  set_or_remove_string (o, "description", v->description);
  set_or_remove_string (o, "filename", v->filename);
  json_object_set_int_member (o, "size", (gint64)v->size);
  json_object_set_string_member (o, "state", reel_video_state_name (v->state));
  set_or_remove_string (o, "created_at", v->created_at);
  set_or_remove_string (o, "updated_at", v->updated_at);
  set_or_remove_string (o, "original", v->original);
  if (v->plan)
    plan_set_members (o, v->plan, FALSE);
  if (v->progress)
    json_object_set_int_member (o, "chunks_done", v->chunks_done);
  else if (json_object_has_member (o, "chunks_done"))
    json_object_remove_member (o, "chunks_done");
  set_or_remove_string (o, "error", v->error);
  set_or_remove_string (o, "poster", v->poster);
  set_or_remove_string (o, "ready_at", v->ready_at);
  if (v->cdn)
    json_object_set_boolean_member (o, "cdn", TRUE);
  else if (json_object_has_member (o, "cdn"))
    json_object_remove_member (o, "cdn");
  /* Absent until first set, as in every record before downloads. */
  if (v->downloadable || json_object_has_member (o, "downloadable"))
    json_object_set_boolean_member (o, "downloadable", v->downloadable);
  /* Public is the default: absent, as in every record before privacy. */
  if (v->privacy != REEL_PRIVACY_PUBLIC || json_object_has_member (o, "privacy"))
    json_object_set_string_member (o, "privacy", reel_privacy_name (v->privacy));
  /* None is the default: absent, as in every record before moderation. */
  if (v->moderation != REEL_MODERATION_NONE)
    json_object_set_string_member (o, "moderation", reel_moderation_name (v->moderation));
  else if (json_object_has_member (o, "moderation"))
    json_object_remove_member (o, "moderation");
  set_or_remove_string (o, "moderation_reason", v->moderation_reason);
  set_or_remove_string (o, "storyboard", v->storyboard);
  set_or_remove_string (o, "storyboard_sprite", v->storyboard_sprite);
  set_or_remove_string (o, "poster_small", v->poster_small);
  if (v->rendition_set)
    json_object_set_int_member (o, "rendition_set", v->rendition_set);
  else if (json_object_has_member (o, "rendition_set"))
    json_object_remove_member (o, "rendition_set");
  other_plan_set_members (o, "next_plan", "next_set", v->next_plan, v->next_set);
  other_plan_set_members (o, "retired_plan", "retired_set", v->retired_plan, v->retired_set);
  set_or_remove_string (o, "retired_at", v->retired_plan ? v->retired_at : NULL);
  if (v->failed_set)
    json_object_set_int_member (o, "failed_set", v->failed_set);
  else if (json_object_has_member (o, "failed_set"))
    json_object_remove_member (o, "failed_set");
  set_or_remove_string (o, "failed_set_reason", v->failed_set ? v->failed_set_reason : NULL);
  /* Absent until checks are requested, as in every record before them. */
  if (v->checks)
    json_object_set_array_member (o, "checks", reel_video_checks_to_json (v));
  /* Absent without captions, as in every record before them. */
  if (v->captions && v->captions->len)
    json_object_set_array_member (o, "captions", captions_to_json (v));
  else if (json_object_has_member (o, "captions"))
    json_object_remove_member (o, "captions");
  return o;
}
