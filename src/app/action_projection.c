/* See action_projection.h. */
#include "app/action_projection.h"
#include "app/analytics.h"
#include "app/related.h"
#include "app/views.h"

const ReelActionProjection *const *
reel_action_projections (void)
{
  static const ReelActionProjection *const all[]
      = { &reel_views_projection, &reel_analytics_projection, &reel_related_projection, NULL };
  return all;
}

const ReelActionProjection *
reel_action_projection_find (const char *name)
{
  for (const ReelActionProjection *const *p = reel_action_projections (); *p; p++)
    if (g_str_equal ((*p)->name, name))
      return *p;
  return NULL;
}
