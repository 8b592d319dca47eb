/* HTTP edge of search (app/search/search.c):
 *   GET /api/v1/search?q=&limit=&cursor=   published videos, best match first */
#include "app/search/search.h"
#include "core/error.h"
#include "http/query.h"
#include "http/router.h"
#include "http/server.h"

static JsonObject *
read_search (ReelRequest *req, GError **error)
{
  g_auto (ReelPage) page = { 0 };
  const char *q = reel_request_query (req, "q");
  if (!q)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "missing q");
      return NULL;
    }
  if (!reel_request_page (req, &page, error))
    return NULL;
  return reel_search_query (req->http->store, q, &page, error);
}

static void
get_search (ReelRequest *req)
{
  reel_request_answer_read (req, read_search);
}

void reel_api_search_register (ReelRouter *router);

void
reel_api_search_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/api/v1/search", get_search);
}
