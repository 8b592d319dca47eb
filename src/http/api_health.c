/* Operational endpoints:
 *   GET /healthz  liveness: the process answers
 *   GET /readyz   readiness: NATS connected and LMDB readable, else 503
 *   GET /metrics  Prometheus text format (core/metrics.c) */
#include "core/error.h"
#include "core/metrics.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

static void
get_healthz (ReelRequest *req)
{
  g_autoptr (JsonObject) out = json_object_new ();
  json_object_set_string_member (out, "status", "ok");
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
}

static void
get_readyz (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  gboolean nats = reel_bus_is_connected (req->http->bus);
  gboolean lmdb = reel_store_check (req->http->store, &error);
  g_autoptr (JsonObject) out = json_object_new ();

  if (!nats || !lmdb)
    {
      g_autofree char *m = g_strdup_printf ("not ready:%s%s", nats ? "" : " NATS unreachable",
                                            lmdb ? "" : " LMDB unreadable");
      reel_respond_fail (req->msg, REEL_ERROR_UNAVAILABLE, m);
      return;
    }
  json_object_set_string_member (out, "status", "ready");
  json_object_set_string_member (out, "nats", "ok");
  json_object_set_string_member (out, "lmdb", "ok");
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
}

static void
get_metrics (ReelRequest *req)
{
  char *text = reel_metrics_render ();
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

void reel_api_health_register (ReelRouter *router);

void
reel_api_health_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/healthz", get_healthz);
  reel_router_add (router, "GET", "/readyz", get_readyz);
  reel_router_add (router, "GET", "/metrics", get_metrics);
}
