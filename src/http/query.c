/* See query.h. */
#include "http/query.h"
#include "http/respond.h"
#include "core/json.h"
#include "core/metrics.h"

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

void
reel_request_answer_read (ReelRequest *req, ReelStoreRead read)
{
  g_autoptr (GError) error = NULL;
  GUri *uri = soup_server_message_get_uri (req->msg);
  const char *query = g_uri_get_query (uri);
  g_autofree char *target = g_strconcat (g_uri_get_path (uri), "?", query ? query : "", NULL);
  g_autoptr (GBytes) text = NULL;
  g_autoptr (JsonObject) body = NULL;
  guint64 version;
  guint8 key[8];

  /* The version first: the read below sees it or a later one, so what is
   * kept under a version is never older than it. */
  if (!reel_store_version (req->http->store, &version, &error))
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_store_key_u64 (key, version);
  text = reel_memo_get (req->http->reads, target, key, sizeof key);
  if (!text)
    {
      g_autoptr (JsonNode) node = NULL;
      char *written;
      if (!(body = read (req, &error)))
        {
          reel_respond_error (req->msg, error);
          return;
        }
      node = json_node_init_object (json_node_alloc (), body);
      written = reel_json_to_string (node);
      text = g_bytes_new_take (written, strlen (written));
      reel_memo_put (req->http->reads, target, key, sizeof key, text);
    }
  reel_metrics_add (REEL_HTTP_READS_METRIC, body ? "answer=\"read\"" : "answer=\"kept\"", 1);
  reel_respond_json_text (req->msg, SOUP_STATUS_OK, text);
}
