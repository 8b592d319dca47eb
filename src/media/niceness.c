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

void
reel_first_chunks_expect (ReelFirstChunks *g, gint64 now, gint64 expect_us)
{
  g->expected++;
  g->expected_until = now + expect_us;
}

void
reel_first_chunks_begin (ReelFirstChunks *g)
{
  g->running++;
  if (g->expected > 0)
    g->expected--;
}

void
reel_first_chunks_end (ReelFirstChunks *g)
{
  if (g->running > 0)
    g->running--;
}

gboolean
reel_first_chunks_hold (ReelFirstChunks *g, gint64 now, gint64 *until)
{
  if (g->expected > 0 && now >= g->expected_until)
    g->expected = 0; /* late: taken elsewhere */
  *until = g->running > 0 || g->expected == 0 ? G_MAXINT64 : g->expected_until;
  return g->running > 0 || g->expected > 0;
}

gboolean
reel_media_is_first_chunk (JsonObject *request)
{
  const char *op = json_object_get_string_member_with_default (request, "op", "");
  const char *kind = json_object_get_string_member_with_default (request, "kind", "");
  return g_str_equal (op, "pipeline") && g_str_equal (kind, "chunk")
         && json_object_get_int_member_with_default (request, "chunk", -1) == 0;
}
