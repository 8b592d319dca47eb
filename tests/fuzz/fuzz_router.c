/* Fuzzes routing against reel's real route table (reel_http_add_routes):
 * the input is "METHOD PATH" as a request line carries them. Properties
 * (router.h): a found route's parameters are non-empty UTF-8 without '/'
 * or NUL, each named by a {param} of its pattern. */
#include "fuzz.h"
#include "http/router.h"
#include "http/routes.h"

static ReelRouter *router, *early;

static void
check_params (const char *pattern, GHashTable *params)
{
  GHashTableIter it;
  gpointer name, value;
  g_hash_table_iter_init (&it, params);
  while (g_hash_table_iter_next (&it, &name, &value))
    {
      g_autofree char *slot = g_strdup_printf ("{%s}", (const char *)name);
      REEL_FUZZ_CHECK (strstr (pattern, slot) != NULL);
      REEL_FUZZ_CHECK (*(const char *)value);
      REEL_FUZZ_CHECK (g_utf8_validate (value, -1, NULL));
      REEL_FUZZ_CHECK (!strchr (value, '/'));
    }
}

static void
match (ReelRouter *r, const char *method, const char *path)
{
  gpointer handler = NULL;
  const char *pattern = NULL;
  GHashTable *params = NULL;
  if (reel_router_match (r, method, path, &handler, &pattern, &params) != REEL_ROUTE_FOUND)
    return;
  REEL_FUZZ_CHECK (handler && pattern && params);
  check_params (pattern, params);
  g_hash_table_unref (params);
}

static void
run (const uint8_t *data, size_t size)
{
  g_autofree char *text = reel_fuzz_string (data, size);
  char *space = strchr (text, ' ');
  if (!router)
    {
      router = reel_router_new ();
      early = reel_router_new ();
      reel_http_add_routes (router, early);
    }
  if (!space)
    return;
  *space = '\0';
  match (router, text, space + 1);
  match (early, text, space + 1);
}

REEL_FUZZ_HARNESS (run)
