/* See query.h. */
#include "http/query.h"
#include "http/respond.h"

#define DATA_QUERY "reel-query"

GHashTable *
reel_query_parse (const char *query)
{
  GHashTable *params
      = query ? g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL) : NULL;
  return params ? params : g_hash_table_new (g_str_hash, g_str_equal);
}

static GHashTable *
query_params (ReelRequest *req)
{
  GHashTable *params = g_object_get_data (G_OBJECT (req->msg), DATA_QUERY);
  if (params)
    return params;
  params = reel_query_parse (g_uri_get_query (soup_server_message_get_uri (req->msg)));
  g_object_set_data_full (G_OBJECT (req->msg), DATA_QUERY, params,
                          (GDestroyNotify)g_hash_table_unref);
  return params;
}

const char *
reel_request_query (ReelRequest *req, const char *name)
{
  return g_hash_table_lookup (query_params (req), name);
}

gboolean
reel_request_page (ReelRequest *req, ReelPage *page, GError **error)
{
  return reel_page_parse (reel_request_query (req, "limit"), reel_request_query (req, "cursor"),
                          page, error);
}

void
reel_request_answer (ReelRequest *req, JsonObject *body, const GError *error)
{
  if (body)
    reel_respond_object (req->msg, SOUP_STATUS_OK, body);
  else
    reel_respond_error (req->msg, error);
}
