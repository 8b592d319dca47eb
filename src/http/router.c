/* See router.h. Routes are few (tens), so a linear scan over pre-split
 * patterns is both simplest and fast. */
#include "http/router.h"

typedef struct
{
  char *method;
  char *pattern;
  char **segments;
  gpointer handler;
} Route;

struct ReelRouter
{
  GPtrArray *routes;
  gpointer not_found; /* reel_router_set_not_found */
};

static void
route_free (gpointer p)
{
  Route *r = p;
  g_free (r->method);
  g_free (r->pattern);
  g_strfreev (r->segments);
  g_free (r);
}

ReelRouter *
reel_router_new (void)
{
  ReelRouter *router = g_new0 (ReelRouter, 1);
  router->routes = g_ptr_array_new_with_free_func (route_free);
  return router;
}

void
reel_router_free (ReelRouter *router)
{
  if (!router)
    return;
  g_ptr_array_unref (router->routes);
  g_free (router);
}

void
reel_router_set_not_found (ReelRouter *router, gpointer handler)
{
  router->not_found = handler;
}

gpointer
reel_router_not_found (ReelRouter *router)
{
  return router->not_found;
}

void
reel_router_add (ReelRouter *router, const char *method, const char *pattern, gpointer handler)
{
  Route *r = g_new0 (Route, 1);
  r->method = g_strdup (method);
  r->pattern = g_strdup (pattern);
  r->segments = g_strsplit (pattern + 1, "/", -1);
  r->handler = handler;
  g_ptr_array_add (router->routes, r);
}

static gboolean
is_param (const char *segment)
{
  gsize n = strlen (segment);
  return n > 2 && segment[0] == '{' && segment[n - 1] == '}';
}

/* Whether the path has the route's shape: as many segments, the literal
 * ones equal. Cheap: every request tries the routes in turn. */
static gboolean
route_fits (Route *r, char **parts)
{
  guint i;
  for (i = 0; r->segments[i] && parts[i]; i++)
    if (!is_param (r->segments[i]) && !g_str_equal (r->segments[i], parts[i]))
      return FALSE;
  return r->segments[i] == NULL && parts[i] == NULL;
}

/* The route's parameters, decoded; NULL when one is not a valid segment. */
static GHashTable *
route_params (Route *r, char **parts)
{
  g_autoptr (GHashTable) params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; r->segments[i]; i++)
    if (is_param (r->segments[i]))
      {
        g_autofree char *value = g_uri_unescape_segment (parts[i], NULL, "/");
        if (!value || !*value || !g_utf8_validate (value, -1, NULL))
          return NULL;
        g_hash_table_insert (params, g_strndup (r->segments[i] + 1, strlen (r->segments[i]) - 2),
                             g_steal_pointer (&value));
      }
  return g_steal_pointer (&params);
}

ReelRouteResult
reel_router_match (ReelRouter *router, const char *method, const char *path, gpointer *handler,
                   const char **pattern, GHashTable **params)
{
  g_auto (GStrv) parts = NULL;
  gboolean path_matched = FALSE;

  if (path[0] != '/')
    return REEL_ROUTE_NOT_FOUND;
  parts = g_strsplit (path + 1, "/", -1);
  for (guint i = 0; i < router->routes->len; i++)
    {
      Route *r = g_ptr_array_index (router->routes, i);
      GHashTable *p;
      if (!route_fits (r, parts) || !(p = route_params (r, parts)))
        continue;
      /* HEAD is answered by the GET handler; libsoup drops the body. */
      if (!g_str_equal (r->method, method)
          && !(g_str_equal (method, "HEAD") && g_str_equal (r->method, "GET")))
        {
          path_matched = TRUE;
          g_hash_table_unref (p);
          continue;
        }
      *handler = r->handler;
      *pattern = r->pattern;
      *params = p;
      return REEL_ROUTE_FOUND;
    }
  return path_matched ? REEL_ROUTE_BAD_METHOD : REEL_ROUTE_NOT_FOUND;
}
