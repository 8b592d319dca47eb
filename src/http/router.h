/* Maps "METHOD /path/{param}" patterns to handlers. Matching is by whole
 * path segments; each {param} captures one percent-decoded segment, which
 * must be valid UTF-8 without '/' or NUL (anything else is a 404, so no
 * handler ever sees a path-traversal attempt). The matched pattern doubles
 * as the route label of the request metrics, which keeps their cardinality
 * bounded. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct ReelRouter ReelRouter;

ReelRouter *reel_router_new (void);
void reel_router_free (ReelRouter *router);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelRouter, reel_router_free)

void reel_router_add (ReelRouter *router, const char *method, const char *pattern,
                      gpointer handler);

/* The handler of the page a person gets for a path no pattern matches
 * (the server answers a program with the API's error); NULL: none. */
void reel_router_set_not_found (ReelRouter *router, gpointer handler);
gpointer reel_router_not_found (ReelRouter *router);

typedef enum
{
  REEL_ROUTE_FOUND,
  REEL_ROUTE_NOT_FOUND,
  REEL_ROUTE_BAD_METHOD, /* path matches, method does not: 405 */
} ReelRouteResult;

/* On FOUND: *handler, *pattern (owned by the router) and *params (new
 * table, param name -> decoded value) are set. */
ReelRouteResult reel_router_match (ReelRouter *router, const char *method, const char *path,
                                   gpointer *handler, const char **pattern, GHashTable **params);

G_END_DECLS
