/* See settings.h. The table below is the single list of settings; the
 * example config in data/ and the tests check against it. */
#include "core/settings.h"
#include "core/error.h"
#include "core/text.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>

static gboolean
parse_u64 (const char *name, const char *value, guint64 min, guint64 max, guint64 *out,
           GError **error)
{
  guint64 v;
  if (!reel_text_to_uint (value, min, max, &v))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s: expected a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                   ", got \"%s\"",
                   name, min, max, value);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
parse_listen (ReelConfig *cfg, const char *value, GError **error)
{
  const char *colon = strrchr (value, ':');
  guint64 port;
  if (!colon || colon == value)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "reeld.listen: expected HOST:PORT, got \"%s\"", value);
      return FALSE;
    }
  if (!parse_u64 ("reeld.listen port", colon + 1, 0, 65535, &port, error))
    return FALSE;
  g_free (cfg->listen_host);
  /* Accept "[::1]:8080" as well as "127.0.0.1:8080". */
  if (value[0] == '[' && colon[-1] == ']')
    cfg->listen_host = g_strndup (value + 1, colon - value - 2);
  else
    cfg->listen_host = g_strndup (value, colon - value);
  cfg->listen_port = (guint16)port;
  return TRUE;
}

gboolean
reel_config_parse_roles (const char *text, guint *roles, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  guint bits = 0;
  for (guint i = 0; parts[i]; i++)
    {
      const char *p = g_strstrip (parts[i]);
      if (g_str_equal (p, "all"))
        bits |= REEL_ROLES_ALL;
      else if (g_str_equal (p, "api"))
        bits |= REEL_ROLE_API;
      else if (g_str_equal (p, "projector"))
        bits |= REEL_ROLE_PROJECTOR;
      else if (g_str_equal (p, "ingest"))
        bits |= REEL_ROLE_INGEST;
      else if (g_str_equal (p, "worker"))
        bits |= REEL_ROLE_WORKER;
      else if (g_str_equal (p, "live"))
        bits |= REEL_ROLE_LIVE;
      else
        {
          g_set_error (
              error, REEL_ERROR, REEL_ERROR_INVALID,
              "reeld.roles: unknown role \"%s\" (known: all, api, projector, ingest, worker, live)",
              p);
          return FALSE;
        }
    }
  if (bits == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "reeld.roles: no role given");
      return FALSE;
    }
  *roles = bits;
  return TRUE;
}

/* --- the settings --- */

typedef struct Setting Setting;

/* Validates value and stores it in cfg. */
typedef gboolean (*SettingParser) (ReelConfig *cfg, const Setting *s, const char *value,
                                   GError **error);

struct Setting
{
  const char *name;  /* "group.key" */
  SettingParser set; /* how value is read */
  gsize offset;      /* of the field in ReelConfig */
  guint64 min, max;  /* numbers: the accepted range */
};

#define FIELD(s, cfg, type) ((type *)((char *)(cfg) + (s)->offset))

static gboolean
set_uint (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  guint64 n;
  if (!parse_u64 (s->name, value, s->min, s->max, &n, error))
    return FALSE;
  *FIELD (s, cfg, guint) = (guint)n;
  return TRUE;
}

/* A share in [0, 1]. */
static gboolean
set_fraction (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  char *end = NULL;
  double v = g_ascii_strtod (value, &end);
  if (!end || end == value || *end || !(v >= 0.0 && v <= 1.0))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s: \"%s\" is not a number from 0 to 1",
                   s->name, value);
      return FALSE;
    }
  *FIELD (s, cfg, double) = v;
  return TRUE;
}

static gboolean
set_u16 (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  guint64 n;
  if (!parse_u64 (s->name, value, s->min, MIN (s->max, G_MAXUINT16), &n, error))
    return FALSE;
  *FIELD (s, cfg, guint16) = (guint16)n;
  return TRUE;
}

static gboolean
set_u64 (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  return parse_u64 (s->name, value, s->min, s->max, FIELD (s, cfg, guint64), error);
}

static gboolean
set_i64 (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  guint64 n;
  if (!parse_u64 (s->name, value, s->min, MIN (s->max, G_MAXINT64), &n, error))
    return FALSE;
  *FIELD (s, cfg, gint64) = (gint64)n;
  return TRUE;
}

static void
replace_str (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

static gboolean
set_string (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  replace_str (FIELD (s, cfg, char *), value);
  return TRUE;
}

/* Empty means unset (NULL): "no NATS URL", "no CDN", "no email". */
static gboolean
set_optional (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  replace_str (FIELD (s, cfg, char *), *value ? value : NULL);
  return TRUE;
}

static gboolean
set_listen (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  return parse_listen (cfg, value, error);
}

static gboolean
set_roles (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  return reel_config_parse_roles (value, FIELD (s, cfg, guint), error);
}

static gboolean
set_ladder (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  if (!reel_ladder_set (FIELD (s, cfg, ReelLadder), value, error))
    {
      g_prefix_error (error, "%s: ", s->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_codecs (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  if (!reel_codecs_parse (value, FIELD (s, cfg, guint), error))
    {
      g_prefix_error (error, "%s: ", s->name);
      return FALSE;
    }
  return TRUE;
}

/* Below 256 MiB of address space GStreamer's own threads and registry do
 * not fit, so a media child could never start. */
#define MIN_MEMORY_LIMIT_MB 256

static gboolean
set_memory_mb (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  guint64 n;
  if (!parse_u64 (s->name, value, 0, 1 << 20, &n, error))
    return FALSE;
  if (n != 0 && n < MIN_MEMORY_LIMIT_MB)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s: expected 0 (no limit) or at least %d MiB, got \"%s\"", s->name,
                   MIN_MEMORY_LIMIT_MB, value);
      return FALSE;
    }
  *FIELD (s, cfg, guint) = (guint)n;
  return TRUE;
}

static gboolean
set_preset (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  static const char *const presets[] = { "ultrafast", "superfast", "veryfast", "faster",   "fast",
                                         "medium",    "slow",      "slower",   "veryslow", NULL };
  if (!g_strv_contains (presets, value))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s: \"%s\" is not an x264 preset (ultrafast ... veryslow)", s->name, value);
      return FALSE;
    }
  return set_string (cfg, s, value, error);
}

/* x264's own option syntax, name=value separated by ':' (reelx264enc
 * applies them; a name x264 does not know fails the chunk that uses it),
 * in characters that need no quoting in a pipeline line; or empty. */
static gboolean
set_x264_options (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  for (const char *p = value; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("_.,:=+-/", *p))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                     "%s: \"%s\" is not name=value:name=value (letters, digits and _.,:=+-/)",
                     s->name, value);
        return FALSE;
      }
  return set_optional (cfg, s, value, error);
}

/* An absolute http(s) URL without a trailing slash, or empty (cdn.base_url). */
static gboolean
set_base_url (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  g_autoptr (GUri) uri = *value ? g_uri_parse (value, G_URI_FLAGS_NONE, NULL) : NULL;
  if (*value
      && (!uri
          || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0
              && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)
          || !g_uri_get_host (uri) || g_str_has_suffix (value, "/")))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s: expected an http(s) URL without a trailing slash, got \"%s\"", s->name,
                   value);
      return FALSE;
    }
  return set_optional (cfg, s, value, error);
}

static gboolean
set_smtp_url (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  if (*value && !g_str_has_prefix (value, "smtp://") && !g_str_has_prefix (value, "smtps://"))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s: expected smtp://HOST[:PORT] or smtps://HOST[:PORT], got \"%s\"", s->name,
                   value);
      return FALSE;
    }
  return set_optional (cfg, s, value, error);
}

static gboolean
set_ip (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (value);
  if (!addr)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s: \"%s\" is not an IP address",
                   s->name, value);
      return FALSE;
    }
  return set_string (cfg, s, value, error);
}

static gboolean
set_bool (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  static const char *const yes[] = { "true", "yes", "1", NULL };
  static const char *const no[] = { "false", "no", "0", NULL };
  if (!g_strv_contains (yes, value) && !g_strv_contains (no, value))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s: expected true or false, got \"%s\"",
                   s->name, value);
      return FALSE;
    }
  *FIELD (s, cfg, gboolean) = g_strv_contains (yes, value);
  return TRUE;
}

static gboolean
set_blobs_backend (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  if (!g_str_equal (value, "fs") && !g_str_equal (value, "s3"))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s: expected fs or s3, got \"%s\"",
                   s->name, value);
      return FALSE;
    }
  return set_string (cfg, s, value, error);
}

/* nats.sync: "default" (the server's own interval), "always" (an fsync per
 * write), or an interval of whole seconds or milliseconds ("1s", "200ms"),
 * the forms nats-server's sync_interval takes. */
static gboolean
set_sync (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  const char *unit = value;
  g_autofree char *digits = NULL;
  guint64 n;
  while (g_ascii_isdigit (*unit))
    unit++;
  digits = g_strndup (value, unit - value);
  if (!g_str_equal (value, "default") && !g_str_equal (value, "always")
      && (!(g_str_equal (unit, "s") || g_str_equal (unit, "ms"))
          || !g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT32, &n, NULL)))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s: expected default, always or an interval such as 1s or 200ms, got \"%s\"",
                   s->name, value);
      return FALSE;
    }
  return set_string (cfg, s, value, error);
}

/* "N/SECONDS" or "off" (core/ratelimit.h). */
static gboolean
set_rate (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  if (!reel_rate_parse (value, FIELD (s, cfg, ReelRate), error))
    {
      g_prefix_error (error, "%s: ", s->name);
      return FALSE;
    }
  return TRUE;
}

/* Comma-separated usernames; empty for none. */
static gboolean
set_usernames (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; *value && parts[i]; i++)
    {
      g_autoptr (GError) local = NULL;
      const char *name = g_strstrip (parts[i]);
      if (!reel_text_check_username (name, &local))
        {
          g_autofree char *shown = g_utf8_make_valid (name, -1);
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s: \"%s\": %s", s->name, shown,
                       local->message);
          return FALSE;
        }
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_add (names, NULL);
  g_strfreev (*FIELD (s, cfg, char **));
  *FIELD (s, cfg, char **) = (char **)g_ptr_array_free (g_steal_pointer (&names), FALSE);
  return TRUE;
}

static gboolean
set_registration (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  ReelRegistrationPolicy *policy = FIELD (s, cfg, ReelRegistrationPolicy);
  if (g_str_equal (value, "open"))
    *policy = REEL_REGISTRATION_OPEN;
  else if (g_str_equal (value, "closed"))
    *policy = REEL_REGISTRATION_CLOSED;
  else if (g_str_equal (value, "invite"))
    *policy = REEL_REGISTRATION_INVITE;
  else
    {
      g_autofree char *shown = g_utf8_make_valid (value, -1);
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s: expected open, closed or invite, got \"%s\"", s->name, shown);
      return FALSE;
    }
  return TRUE;
}

/* Comma-separated IP addresses or CIDR ranges; empty for none. */
static gboolean
set_networks (ReelConfig *cfg, const Setting *s, const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);
  for (guint i = 0; *value && parts[i]; i++)
    {
      g_autoptr (GInetAddressMask) mask
          = g_inet_address_mask_new_from_string (g_strstrip (parts[i]), NULL);
      if (!mask)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "%s: \"%s\" is not an IP address or CIDR range", s->name, parts[i]);
          return FALSE;
        }
    }
  return set_optional (cfg, s, value, error);
}

#define AT(field) G_STRUCT_OFFSET (ReelConfig, field)
#define A_YEAR ((guint64)365 * 24 * 3600)

/* Every setting reel has, once: the key file and the command line both go
 * through this table, and data/reeld.conf.example documents each (a test
 * checks that). */
static const Setting settings[] = {
  { "reeld.data_dir", set_string, AT (data_dir) },
  { "reeld.listen", set_listen },
  { "reeld.roles", set_roles, AT (roles) },
  { "nats.url", set_optional, AT (nats_url) },
  { "nats.server_binary", set_string, AT (nats_server_binary) },
  /* JetStream allows R1..R5; R3 is the usual cluster choice. */
  { "nats.replicas", set_uint, AT (stream_replicas), 1, 5 },
  { "nats.sync", set_sync, AT (nats_sync) },
  { "nats.token", set_optional, AT (nats_token) },
  { "nats.credentials", set_optional, AT (nats_credentials) },
  { "nats.tls_ca", set_optional, AT (nats_tls_ca) },
  { "nats.tls_cert", set_optional, AT (nats_tls_cert) },
  { "nats.tls_key", set_optional, AT (nats_tls_key) },
  { "http.max_body_bytes", set_u64, AT (http_max_body), 1024, G_MAXINT32 },
  { "http.www_dir", set_string, AT (www_dir) },
  /* Short lifetimes are for tests of expiry; people want days. */
  { "auth.session_ttl_seconds", set_i64, AT (session_ttl_s), 1, G_MAXINT32 },
  { "auth.admins", set_usernames, AT (admins) },
  { "auth.registration", set_registration, AT (registration) },
  { "auth.verify_email", set_bool, AT (verify_email) },
  { "auth.invite_ttl_seconds", set_i64, AT (invite_ttl_s), 60, G_MAXINT32 },
  { "auth.password_reset_ttl_seconds", set_i64, AT (reset_ttl_s), 60, 7 * 24 * 3600 },
  { "http.public_url", set_optional, AT (public_url) },
  { "projector.write_wait_ms", set_uint, AT (write_wait_ms), 0, 600000 },
  { "uploads.max_bytes", set_u64, AT (upload_max), 1024, G_MAXINT64 },
  { "uploads.multipart_max_bytes", set_u64, AT (multipart_max), 1024, G_MAXINT32 },
  /* The image is held in memory whole while it is decoded. */
  { "uploads.thumbnail_max_bytes", set_u64, AT (thumbnail_max), 1024, 64 * 1024 * 1024 },
  { "uploads.lock_timeout_seconds", set_uint, AT (upload_lock_timeout_s), 1, 86400 },
  { "uploads.max_concurrent_per_user", set_uint, AT (upload_max_per_user), 1, 1000 },
  { "uploads.quota_bytes", set_u64, AT (quota_bytes), 0, G_MAXINT64 },
  { "uploads.daily_quota_bytes", set_u64, AT (daily_quota_bytes), 0, G_MAXINT64 },
  { "media.segment_seconds", set_uint, AT (segment_s), 1, 10 },
  { "media.chunk_segments", set_uint, AT (chunk_segments), 1, 60 },
  { "media.first_chunk_segments", set_uint, AT (first_chunk_segments), 1, 60 },
  { "media.first_chunk_max_height", set_uint, AT (first_chunk_height), 0, 8640 },
  { "media.warmup_segments", set_uint, AT (warmup_segments), 0, 10 },
  { "media.ladder", set_ladder, AT (ladder) },
  { "media.codecs", set_codecs, AT (codecs) },
  { "media.copy_source", set_bool, AT (copy_source) },
  { "media.warm_child", set_bool, AT (warm_child) },
  { "media.x264_preset", set_preset, AT (x264_preset) },
  /* x264's own limit is 128; beyond 64 a rung only waits on itself. */
  { "media.x264_threads", set_uint, AT (x264_threads), 0, 64 },
  { "media.max_concurrent_downloads", set_uint, AT (downloads_max), 1, 1000 },
  { "media.x264_options", set_x264_options, AT (x264_options) },
  /* A second to a year; frames to a year at 1000 fps; 16 pixels (the
   * smallest picture probing accepts) to 16K. */
  { "media.max_duration_seconds", set_uint, AT (max_duration_s), 1, A_YEAR },
  { "media.max_frames", set_u64, AT (max_frames), 1, A_YEAR * 1000 },
  { "media.max_width", set_uint, AT (max_width), 16, 16384 },
  { "media.max_height", set_uint, AT (max_height), 16, 16384 },
  { "media.max_chunks", set_uint, AT (max_chunks), 1, 1000000 },
  { "media.signed_url_ttl_seconds", set_uint, AT (signed_url_ttl_s), 60, 7 * 24 * 3600 },
  { "media.job_timeout_seconds", set_uint, AT (job_timeout_s), 1, 24 * 3600 },
  { "media.job_timeout_factor", set_uint, AT (job_timeout_factor), 0, 1000 },
  /* 0 is no limit; below 256 MiB GStreamer itself cannot start. */
  { "media.memory_limit_mb", set_memory_mb, AT (memory_limit_mb) },
  { "worker.concurrency", set_uint, AT (worker_concurrency), 1, 256 },
  { "ingest.concurrency", set_uint, AT (ingest_concurrency), 1, 64 },
  { "jobs.max_attempts", set_uint, AT (job_attempts), 1, 100 },
  { "checks.enabled", set_bool, AT (checks_enabled) },
  { "checks.copyright_min_seconds", set_uint, AT (copyright_min_seconds), 1, 3600 },
  { "checks.classifier_command", set_optional, AT (classifier_command) },
  { "checks.adult_threshold", set_fraction, AT (adult_threshold) },
  { "jobs.ack_wait_seconds", set_uint, AT (job_ack_wait_s), 5, 3600 },
  /* A page of the API's lists at most (app/page.h). */
  { "feeds.items", set_uint, AT (feed_items), 1, 100 },
  { "feeds.max_age_seconds", set_uint, AT (feed_max_age_s), 0, 86400 },
  { "comments.rate_limit", set_uint, AT (comment_rate_limit), 1, 1000000 },
  { "comments.rate_window_seconds", set_uint, AT (comment_window_s), 1, 86400 },
  { "limits.login_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_LOGIN]) },
  { "limits.login_per_account", set_rate, AT (limit_per_account[REEL_LIMIT_LOGIN]) },
  { "limits.register_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_REGISTER]) },
  { "limits.uploads_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_UPLOAD]) },
  { "limits.uploads_per_account", set_rate, AT (limit_per_account[REEL_LIMIT_UPLOAD]) },
  { "limits.comments_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_COMMENT]) },
  { "limits.subscriptions_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_SUBSCRIBE]) },
  { "limits.subscriptions_per_account", set_rate, AT (limit_per_account[REEL_LIMIT_SUBSCRIBE]) },
  { "limits.live_keys_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_LIVE_KEY]) },
  { "limits.live_keys_per_account", set_rate, AT (limit_per_account[REEL_LIMIT_LIVE_KEY]) },
  { "limits.events_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_EVENTS]) },
  { "limits.events_per_account", set_rate, AT (limit_per_account[REEL_LIMIT_EVENTS]) },
  { "limits.reports_per_ip", set_rate, AT (limit_per_ip[REEL_LIMIT_REPORT]) },
  { "limits.reports_per_account", set_rate, AT (limit_per_account[REEL_LIMIT_REPORT]) },
  { "limits.max_keys", set_uint, AT (limit_max_keys), 100, 100000000 },
  { "http.trusted_proxies", set_networks, AT (trusted_proxies) },
  { "http.threads", set_uint, AT (http_threads), 0, 64 },
  { "http.max_connections", set_uint, AT (http_max_conns), 1, 1000000 },
  { "http.max_connections_per_ip", set_uint, AT (http_max_conns_per_ip), 1, 1000000 },
  { "http.header_timeout_seconds", set_uint, AT (http_header_timeout_s), 1, 3600 },
  { "http.body_timeout_seconds", set_uint, AT (http_body_timeout_s), 1, 3600 },
  { "http.idle_timeout_seconds", set_uint, AT (http_idle_timeout_s), 1, 3600 },
  /* argon2 takes 64 MiB per hash: 256 at once is 16 GiB. */
  { "auth.hash_threads", set_uint, AT (hash_threads), 0, 256 },
  { "auth.hash_queue", set_uint, AT (hash_queue), 0, 100000 },
  { "cdn.min_subscribers", set_uint, AT (cdn_min_subs), 0, G_MAXUINT32 },
  { "cdn.base_url", set_base_url, AT (cdn_base_url) },
  { "cdn.origin_dir", set_optional, AT (cdn_origin_dir) },
  { "smtp.url", set_smtp_url, AT (smtp_url) },
  { "smtp.from", set_optional, AT (smtp_from) },
  { "smtp.username", set_optional, AT (smtp_username) },
  { "smtp.password", set_optional, AT (smtp_password) },
  { "cleanup.grace_seconds", set_uint, AT (cleanup_grace_s), 1, G_MAXUINT32 },
  { "cleanup.interval_seconds", set_uint, AT (cleanup_interval_s), 1, G_MAXUINT32 },
  { "actions.batch_max", set_uint, AT (actions_batch_max), 1, 10000 },
  { "actions.max_age_seconds", set_u64, AT (actions_max_age_s), 60, 100 * A_YEAR },
  { "actions.max_bytes", set_u64, AT (actions_max_bytes), 1 << 20, G_MAXINT64 },
  { "actions.duplicate_window_seconds", set_u64, AT (actions_duplicate_window_s), 1, 24 * 3600 },
  { "views.min_watch_seconds", set_uint, AT (views_min_watch_s), 1, 3600 },
  { "live.srt_host", set_ip, AT (live_srt_host) },
  { "live.srt_port", set_u16, AT (live_srt_port), 1, 65535 },
  { "live.max_channels", set_uint, AT (live_max_channels), 1, 10000 },
  /* At least a few segments; at most a day. */
  { "live.window_seconds", set_uint, AT (live_window_s), 10, 86400 },
  { "live.window_bytes", set_u64, AT (live_max_bytes), 1 << 20, G_MAXINT64 },
  { "live.ladder", set_ladder, AT (live_ladder) },
  { "blobs.backend", set_blobs_backend, AT (blobs_backend) },
  { "blobs.s3_endpoint", set_base_url, AT (s3_endpoint) },
  { "blobs.s3_bucket", set_optional, AT (s3_bucket) },
  { "blobs.s3_region", set_string, AT (s3_region) },
  { "blobs.s3_access_key", set_optional, AT (s3_access_key) },
  { "blobs.s3_secret_key", set_optional, AT (s3_secret_key) },
  { "blobs.s3_path_style", set_bool, AT (s3_path_style) },
  /* S3 allows parts of 5 MiB to 5 GiB. */
  { "blobs.s3_part_size_bytes", set_u64, AT (s3_part_size), 5 << 20, (guint64)5 << 30 },
};

const char *const *
reel_config_names (void)
{
  static const char *names[G_N_ELEMENTS (settings) + 1];
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    names[i] = settings[i].name;
  return names;
}

gboolean
reel_config_set (ReelConfig *cfg, const char *name, const char *value, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].name, name))
      return settings[i].set (cfg, &settings[i], value, error);
  {
    /* A key file's names need not be UTF-8 (GKeyFile checks values only). */
    g_autofree char *shown = g_utf8_make_valid (name, -1);
    g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "unknown setting \"%s\"", shown);
  }
  return FALSE;
}
