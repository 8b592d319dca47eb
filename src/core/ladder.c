/* See ladder.h. */
#include "core/ladder.h"
#include "core/error.h"
#include "core/text.h"

/* What a rung may ask for: from a thumbnail to 8K, from a trickle to far
 * beyond any delivery bitrate. */
#define RUNG_HEIGHT_MIN 16
#define RUNG_HEIGHT_MAX 8640
#define RUNG_KBPS_MIN 50
#define RUNG_KBPS_MAX 200000

/* Configured names are letters and digits; a plan's may also hold '_'
 * (a re-transcoded set's rungs are "<rung>_<set>", media/retranscode.h). */
static gboolean
name_valid (const char *name, gboolean planned)
{
  if (!*name || strlen (name) > REEL_RUNG_NAME_MAX)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && !(planned && *p == '_'))
      return FALSE;
  return TRUE;
}

gboolean
reel_rung_name_valid (const char *name)
{
  return name_valid (name, TRUE);
}

void
reel_rung_add_suffix (ReelRung *rung, const char *suffix)
{
  gsize keep = REEL_RUNG_NAME_MAX - MIN (strlen (suffix), REEL_RUNG_NAME_MAX);
  g_autofree char *name = g_strdup_printf ("%.*s%s", (int)keep, rung->name, suffix);
  g_strlcpy (rung->name, name, sizeof rung->name);
}

static const char *const codec_names[REEL_CODEC_COUNT] = { "h264", "vp9" };

const char *
reel_codec_name (ReelCodec codec)
{
  return (guint)codec < REEL_CODEC_COUNT ? codec_names[codec] : "h264";
}

static gboolean
codec_from_name (const char *name, ReelCodec *out)
{
  for (guint c = 0; c < REEL_CODEC_COUNT; c++)
    if (g_str_equal (name, codec_names[c]))
      {
        *out = (ReelCodec)c;
        return TRUE;
      }
  return FALSE;
}

gboolean
reel_codecs_parse (const char *text, guint *set, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  guint bits = 0;
  for (guint i = 0; items[i]; i++)
    {
      ReelCodec c;
      if (!codec_from_name (g_strstrip (items[i]), &c))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "\"%s\" is not a codec reel encodes (h264, vp9)", items[i]);
          return FALSE;
        }
      if (bits & REEL_CODEC_BIT (c))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "\"%s\" is listed twice", items[i]);
          return FALSE;
        }
      bits |= REEL_CODEC_BIT (c);
    }
  if (!(bits & REEL_CODEC_BIT (REEL_CODEC_H264)))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "h264 must be one of the codecs: every player can play it");
      return FALSE;
    }
  *set = bits;
  return TRUE;
}

gboolean
reel_ladder_parse (const char *text, GArray **out, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  g_autoptr (GArray) rungs = g_array_new (FALSE, TRUE, sizeof (ReelRung));
  for (guint i = 0; items[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (g_strstrip (items[i]), ":", -1);
      ReelRung r = { 0 };
      guint64 h, kbps;
      if (g_strv_length (f) != 3 || !*f[0] || strlen (f[0]) > REEL_RUNG_NAME_MAX
          || !reel_text_to_uint (f[1], RUNG_HEIGHT_MIN, RUNG_HEIGHT_MAX, &h)
          || !reel_text_to_uint (f[2], RUNG_KBPS_MIN, RUNG_KBPS_MAX, &kbps))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "\"%s\" is not NAME:HEIGHT:KBPS (height %u-%u, %u-%u kbps)", items[i],
                       RUNG_HEIGHT_MIN, RUNG_HEIGHT_MAX, RUNG_KBPS_MIN, RUNG_KBPS_MAX);
          return FALSE;
        }
      if (!name_valid (f[0], FALSE))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "rung name \"%s\" must be letters and digits", f[0]);
          return FALSE;
        }
      g_strlcpy (r.name, f[0], sizeof r.name);
      r.height = (guint)h;
      r.kbps = (guint)kbps;
      g_array_append_val (rungs, r);
    }
  if (rungs->len == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "no rungs");
      return FALSE;
    }
  *out = g_steal_pointer (&rungs);
  return TRUE;
}

gboolean
reel_ladder_set (ReelLadder *ladder, const char *text, GError **error)
{
  GArray *rungs = NULL;
  if (!reel_ladder_parse (text, &rungs, error))
    return FALSE;
  reel_ladder_clear (ladder);
  ladder->text = g_strdup (text);
  ladder->rungs = rungs;
  return TRUE;
}

void
reel_ladder_clear (ReelLadder *ladder)
{
  g_clear_pointer (&ladder->text, g_free);
  g_clear_pointer (&ladder->rungs, g_array_unref);
}

JsonArray *
reel_ladder_to_json (GArray *rungs)
{
  JsonArray *arr = json_array_new ();
  for (guint i = 0; i < rungs->len; i++)
    {
      ReelRung *r = &g_array_index (rungs, ReelRung, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "name", r->name);
      /* A configured ladder knows heights only; a source's rungs both. */
      if (r->width)
        json_object_set_int_member (o, "width", r->width);
      json_object_set_int_member (o, "height", r->height);
      json_object_set_int_member (o, "kbps", r->kbps);
      if (r->codec != REEL_CODEC_H264)
        json_object_set_string_member (o, "codec", reel_codec_name (r->codec));
      if (r->copy)
        json_object_set_boolean_member (o, "copy", TRUE);
      if (r->late)
        json_object_set_boolean_member (o, "late", TRUE);
      json_array_add_object_element (arr, o);
    }
  return arr;
}

/* A rung member of a plan or job within min..max (0 when absent and
 * optional); FALSE when it is not. */
static gboolean
rung_uint (JsonObject *o, const char *member, gboolean required, gint64 min, gint64 max, guint *out)
{
  JsonNode *n = json_object_get_member (o, member);
  gint64 v;
  if (!n)
    {
      *out = 0;
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (n);
  if (v < min || v > max)
    return FALSE;
  *out = (guint)v;
  return TRUE;
}

static gboolean
is_bool (JsonNode *n)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN;
}

gboolean
reel_ladder_from_json (JsonNode *node, GArray **out, GError **error)
{
  g_autoptr (GArray) rungs = g_array_new (FALSE, TRUE, sizeof (ReelRung));
  JsonArray *arr = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint n = arr ? json_array_get_length (arr) : 0;
  if (n == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "no rungs");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      JsonNode *name = o ? json_object_get_member (o, "name") : NULL;
      JsonNode *codec = o ? json_object_get_member (o, "codec") : NULL;
      JsonNode *copy = o ? json_object_get_member (o, "copy") : NULL;
      JsonNode *late = o ? json_object_get_member (o, "late") : NULL;
      ReelRung r = { 0 };
      /* Sizes: a source's rungs are at least 2 (even sizes); a ladder's
       * heights stop at RUNG_HEIGHT_MAX, widths follow the source. */
      if (!name || !JSON_NODE_HOLDS_VALUE (name) || json_node_get_value_type (name) != G_TYPE_STRING
          || !name_valid (json_node_get_string (name), TRUE)
          || !rung_uint (o, "width", FALSE, 2, G_MAXUINT16, &r.width)
          || !rung_uint (o, "height", TRUE, 2, RUNG_HEIGHT_MAX, &r.height)
          || !rung_uint (o, "kbps", TRUE, RUNG_KBPS_MIN, RUNG_KBPS_MAX, &r.kbps)
          || (codec
              && (!JSON_NODE_HOLDS_VALUE (codec)
                  || json_node_get_value_type (codec) != G_TYPE_STRING
                  || !codec_from_name (json_node_get_string (codec), &r.codec)))
          || (copy
              && (!is_bool (copy) || (r.codec != REEL_CODEC_H264 && json_node_get_boolean (copy))))
          || (late && !is_bool (late)))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "rung %u is not {name (letters, digits, _), width, height, kbps, codec}", i);
          return FALSE;
        }
      g_strlcpy (r.name, json_node_get_string (name), sizeof r.name);
      r.copy = copy && json_node_get_boolean (copy);
      r.late = late && json_node_get_boolean (late);
      g_array_append_val (rungs, r);
    }
  *out = g_steal_pointer (&rungs);
  return TRUE;
}
