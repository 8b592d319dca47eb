/* See niceness.h. */
#include "media/niceness.h"

int
reel_media_niceness (JsonObject *request)
{
  const char *op = json_object_get_string_member_with_default (request, "op", "");
  const char *kind = json_object_get_string_member_with_default (request, "kind", "");
  if (g_str_equal (op, "fingerprint") || g_str_equal (op, "frames"))
    return REEL_CHECKS_NICENESS;
  if (g_str_equal (op, "pipeline") && g_str_equal (kind, "storyboard"))
    return REEL_STORYBOARD_NICENESS;
  if (g_str_equal (op, "pipeline") && g_str_equal (kind, "poster"))
    return REEL_POSTER_NICENESS;
  return 0;
}

gboolean
reel_media_is_first_chunk (JsonObject *request)
{
  const char *op = json_object_get_string_member_with_default (request, "op", "");
  const char *kind = json_object_get_string_member_with_default (request, "kind", "");
  return g_str_equal (op, "pipeline") && g_str_equal (kind, "chunk")
         && json_object_get_int_member_with_default (request, "chunk", -1) == 0;
}
