/* See throttle.h. */
#include "http/throttle.h"
#include "http/peer.h"
#include "http/request.h"
#include "http/respond.h"
#include "app/users/users.h"
#include "core/error.h"
#include "core/json.h"
#include "core/metrics.h"

#define DATA_THROTTLED "reel-throttled"

struct ReelThrottle
{
  const ReelConfig *cfg;
  GPtrArray *trusted; /* borrowed from ReelHttp */
  ReelRateLimiter *buckets;
};

/* The limited routes, by the router's pattern. */
static const struct
{
  const char *method;
  const char *pattern;
  ReelLimit what;
} limited[] = {
  { "POST", "/api/v1/sessions", REEL_LIMIT_LOGIN },
  { "POST", "/api/v1/users", REEL_LIMIT_REGISTER },
  /* Password guessing by other doors: the login's limits. */
  { "PUT", "/api/v1/users/me/password", REEL_LIMIT_LOGIN },
  { "POST", "/api/v1/password-resets", REEL_LIMIT_LOGIN },
  { "POST", "/api/v1/password-resets/confirm", REEL_LIMIT_LOGIN },
  { "POST", "/api/v1/uploads", REEL_LIMIT_UPLOAD },
  { "POST", "/api/v1/videos", REEL_LIMIT_UPLOAD },
  { "POST", "/api/v1/videos/{id}/comments", REEL_LIMIT_COMMENT },
  { "POST", "/api/v1/subscriptions", REEL_LIMIT_SUBSCRIBE },
  { "DELETE", "/api/v1/subscriptions/{channel}", REEL_LIMIT_SUBSCRIBE },
  { "POST", "/api/v1/live/keys", REEL_LIMIT_LIVE_KEY },
  { "POST", "/api/v1/events", REEL_LIMIT_EVENTS },
  { "POST", "/api/v1/reports", REEL_LIMIT_REPORT },
};

/* Bucket key prefixes and metric labels, by ReelLimit. */
static const char *const limit_names[REEL_N_LIMITS] = {
  [REEL_LIMIT_LOGIN] = "login",
  [REEL_LIMIT_REGISTER] = "register",
  [REEL_LIMIT_UPLOAD] = "uploads",
  [REEL_LIMIT_COMMENT] = "comments",
  [REEL_LIMIT_SUBSCRIBE] = "subscriptions",
  [REEL_LIMIT_LIVE_KEY] = "live_keys",
  [REEL_LIMIT_EVENTS] = "events",
  [REEL_LIMIT_REPORT] = "reports",
};

ReelThrottle *
reel_throttle_new (const ReelConfig *cfg, GPtrArray *trusted_proxies)
{
  ReelThrottle *t = g_new0 (ReelThrottle, 1);
  t->cfg = cfg;
  t->trusted = trusted_proxies;
  t->buckets = reel_rate_limiter_new (cfg->limit_max_keys, NULL, NULL);
  reel_metrics_declare ("reel_http_rate_limited_total", REEL_METRIC_COUNTER,
                        "Requests refused by a flood limit, by limit and by what it counts "
                        "(ip or account)");
  return t;
}

void
reel_throttle_free (ReelThrottle *t)
{
  if (!t)
    return;
  reel_rate_limiter_free (t->buckets);
  g_free (t);
}

/* The account a request of this kind names, or NULL. */
static char *
account_of (ReelRequest *req, ReelLimit what)
{
  if (what == REEL_LIMIT_LOGIN)
    {
      /* The name tried, valid or not yet registered: guessing at a name
       * that does not exist is throttled like any other. */
      g_autoptr (JsonObject) body = reel_request_json (req, NULL);
      const char *name
          = body ? json_object_get_string_member_with_default (body, "username", NULL) : NULL;
      return name && reel_users_validate_username (name, NULL) ? g_strdup (name) : NULL;
    }
  return reel_request_token (req, NULL) ? reel_request_user (req, NULL) : NULL;
}

/* Takes a token of what's bucket for who; on refusal answers 429. */
static gboolean
take (ReelThrottle *t, ReelRequest *req, ReelLimit what, const char *by, const char *who,
      const ReelRate *rate)
{
  g_autofree char *key = g_strdup_printf ("%s:%s:%s", limit_names[what], by, who);
  guint retry_after = 0;
  g_autofree char *seconds = NULL, *message = NULL;
  g_autoptr (GString) labels = g_string_new (NULL);

  if (reel_rate_limiter_take (t->buckets, key, rate, &retry_after))
    return TRUE;
  reel_metrics_label (labels, "limit", limit_names[what]);
  reel_metrics_label (labels, "by", by);
  reel_metrics_add ("reel_http_rate_limited_total", labels->str, 1);
  seconds = g_strdup_printf ("%u", retry_after);
  message = g_strdup_printf ("too many %s requests from this %s (at most %u per %u s); try again "
                             "in %u s",
                             limit_names[what], g_str_equal (by, "ip") ? "address" : "account",
                             rate->burst, rate->period_s, retry_after);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "Retry-After",
                                seconds);
  reel_respond_fail (req->msg, REEL_ERROR_RATE_LIMITED, message);
  return FALSE;
}

gboolean
reel_throttle_request (ReelThrottle *t, ReelRequest *req)
{
  const char *method = soup_server_message_get_method (req->msg);
  g_autofree char *ip = NULL, *account = NULL;
  ReelLimit what = REEL_N_LIMITS;

  if (!req->route || g_object_get_data (G_OBJECT (req->msg), DATA_THROTTLED))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (limited) && what == REEL_N_LIMITS; i++)
    if (g_str_equal (limited[i].pattern, req->route) && g_str_equal (limited[i].method, method))
      what = limited[i].what;
  if (what == REEL_N_LIMITS)
    return TRUE;
  g_object_set_data (G_OBJECT (req->msg), DATA_THROTTLED, GINT_TO_POINTER (TRUE));

  ip = reel_peer_client_key (t->trusted, req->msg);
  if (!take (t, req, what, "ip", ip, &t->cfg->limit_per_ip[what]))
    return FALSE;
  if (t->cfg->limit_per_account[what].burst == 0 || !(account = account_of (req, what)))
    return TRUE;
  return take (t, req, what, "account", account, &t->cfg->limit_per_account[what]);
}
