/* http/router: segment matching, parameter decoding, the not-found page,
 * and that nothing with a '/' or invalid UTF-8 inside a parameter ever
 * reaches a handler. */
#include "http/router.h"

static int h_users, h_user, h_session;

static ReelRouter *
make_router (void)
{
  ReelRouter *r = reel_router_new ();
  reel_router_add (r, "POST", "/api/v1/users", &h_users);
  reel_router_add (r, "GET", "/api/v1/users/{username}", &h_user);
  reel_router_add (r, "DELETE", "/api/v1/sessions/current", &h_session);
  return r;
}

static void
test_match (void)
{
  g_autoptr (ReelRouter) r = make_router ();
  gpointer h = NULL;
  const char *pattern = NULL;
  GHashTable *params = NULL;

  g_assert_cmpint (reel_router_match (r, "GET", "/api/v1/users/al%20ice", &h, &pattern, &params),
                   ==, REEL_ROUTE_FOUND);
  g_assert_true (h == &h_user);
  g_assert_cmpstr (pattern, ==, "/api/v1/users/{username}");
  g_assert_cmpstr (g_hash_table_lookup (params, "username"), ==, "al ice");
  g_hash_table_unref (params);

  /* HEAD is served by GET. */
  g_assert_cmpint (reel_router_match (r, "HEAD", "/api/v1/users/x", &h, &pattern, &params), ==,
                   REEL_ROUTE_FOUND);
  g_hash_table_unref (params);

  g_assert_cmpint (reel_router_match (r, "POST", "/api/v1/users", &h, &pattern, &params), ==,
                   REEL_ROUTE_FOUND);
  g_assert_true (h == &h_users);
  g_hash_table_unref (params);
}

static void
test_no_match (void)
{
  g_autoptr (ReelRouter) r = make_router ();
  gpointer h = NULL;
  const char *pattern = NULL;
  GHashTable *params = NULL;
  const char *missing[]
      = { "/api/v1/users/a/b", "/api/v1/users/",    "/api/v1",  "/api/v1/users/..%2Fetc",
          "/api/v1/users/%00", "/api/v1/users/%ff", "relative", "/api/v1/userz/x" };
  for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
    g_assert_cmpint (reel_router_match (r, "GET", missing[i], &h, &pattern, &params), ==,
                     REEL_ROUTE_NOT_FOUND);
  g_assert_cmpint (reel_router_match (r, "PUT", "/api/v1/users", &h, &pattern, &params), ==,
                   REEL_ROUTE_BAD_METHOD);
  g_assert_cmpint (reel_router_match (r, "GET", "/api/v1/sessions/current", &h, &pattern, &params),
                   ==, REEL_ROUTE_BAD_METHOD);

  /* The page for a path nothing matches: none until one is set, and it
   * never turns a miss into a match. */
  g_assert_null (reel_router_not_found (r));
  reel_router_set_not_found (r, &h_session);
  g_assert_true (reel_router_not_found (r) == &h_session);
  g_assert_cmpint (reel_router_match (r, "GET", "/nowhere", &h, &pattern, &params), ==,
                   REEL_ROUTE_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/router/match", test_match);
  g_test_add_func ("/router/no-match", test_no_match);
  return g_test_run ();
}
