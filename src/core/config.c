/* See config.h. The key table below is the single list of settings; the
 * example config in data/ and the tests check against it. */
#include "core/config.h"
#include "core/error.h"
#include "media/plan.h"

#include "reel-config.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>

/* A session token is valid for 30 days: long enough that people are not
 * logged out between visits, short enough that a leaked token expires. */
#define DEFAULT_SESSION_TTL_S (30 * 24 * 3600)
/* JSON bodies are small; 1 MiB is far above any legitimate API request. */
#define DEFAULT_HTTP_MAX_BODY (1024 * 1024)
/* A write normally reaches the local projection in milliseconds; 5 s bounds
 * the wait when the projector is behind (e.g. during a rebuild). */
#define DEFAULT_WRITE_WAIT_MS 5000
/* Long phone videos run to several GiB; 16 GiB leaves room for 4K. */
#define DEFAULT_UPLOAD_MAX ((guint64)16 << 30)
/* A one-shot multipart upload is held in memory while it is parsed; keep it
 * for small files and curl, and send larger ones through tus. */
#define DEFAULT_MULTIPART_MAX ((guint64)256 << 20)
/* A page sends its actions every few seconds and on unload; 200 fit in
 * sendBeacon's 64 KiB with room to spare. */
#define DEFAULT_ACTIONS_BATCH_MAX 200
/* Views and analytics are rebuilt from the retained actions: a year of them
 * (or 2 GiB, whichever is reached first) bounds the disk while keeping a
 * rebuild meaningful. JetStream reserves the size limit up front and refuses
 * the stream if its storage cannot hold it, so the default stays modest. */
#define DEFAULT_ACTIONS_MAX_AGE_S ((guint64)365 * 24 * 3600)
#define DEFAULT_ACTIONS_MAX_BYTES ((guint64)2 << 30)
/* JetStream keeps every id of the window in memory; two minutes cover a
 * client's retry. Later replays are ignored by the consumers (app/watch.h). */
#define DEFAULT_ACTIONS_DUPLICATE_WINDOW_S 120
/* YouTube's rule of thumb: about 30 s of watching makes a view. */
#define DEFAULT_VIEWS_MIN_WATCH_S 30
/* SRT's customary port range starts around 9000; 9710 is unassigned. */
#define DEFAULT_LIVE_SRT_PORT 9710
#define DEFAULT_LIVE_MAX_CHANNELS 64
/* Two minutes of rewind; 256 MiB holds that at about 16 Mbit/s over all
 * rungs, far above the default live ladder. */
#define DEFAULT_LIVE_WINDOW_S 120
#define DEFAULT_LIVE_WINDOW_BYTES ((guint64)256 << 20)

ReelConfig *
reel_config_new (void)
{
  ReelConfig *cfg = g_new0 (ReelConfig, 1);
  cfg->data_dir = g_build_filename (g_get_user_data_dir (), "reel", NULL);
  cfg->listen_host = g_strdup ("127.0.0.1");
  cfg->listen_port = 8080;
  cfg->roles = REEL_ROLES_ALL;
  cfg->nats_url = NULL;
  cfg->nats_server_binary = g_strdup ("nats-server");
  cfg->stream_replicas = 1;
  cfg->nats_sync = g_strdup ("default");
  cfg->http_max_body = DEFAULT_HTTP_MAX_BODY;
  /* An installed reel serves its installed UI; a build tree the source
   * tree's, so an edit shows on reload. */
  cfg->www_dir = g_strdup (g_file_test (REEL_INSTALLED_DATADIR "/www", G_FILE_TEST_IS_DIR)
                               ? REEL_INSTALLED_DATADIR "/www"
                               : REEL_SOURCE_DATADIR "/www");
  cfg->session_ttl_s = DEFAULT_SESSION_TTL_S;
  cfg->write_wait_ms = DEFAULT_WRITE_WAIT_MS;
  cfg->upload_max = DEFAULT_UPLOAD_MAX;
  cfg->multipart_max = DEFAULT_MULTIPART_MAX;
  /* 2 s segments: quick start and quality switches; 3 per chunk keeps
   * chunk jobs short (a few seconds of encoding) so many run in parallel. */
  cfg->segment_s = 2;
  cfg->chunk_segments = 3;
  /* The first chunk is one segment: the video is playable after encoding
   * 2 s instead of 6 s, whatever its length. */
  cfg->first_chunk_segments = 1;
  cfg->ladder = g_strdup ("1080p:1080:5000,720p:720:2800,480p:480:1400,360p:360:800,240p:240:400");
  cfg->x264_preset = g_strdup ("veryfast");
  /* One pipeline per two cores: each pipeline's encoders use threads too. */
  cfg->worker_concurrency = MAX (1, g_get_num_processors () / 2);
  cfg->job_attempts = 3;
  cfg->job_ack_wait_s = 30;
  /* Ten a minute is more than anyone types, and few enough to stop a
   * script from flooding a video. */
  cfg->comment_rate_limit = 10;
  cfg->comment_window_s = 60;
  cfg->cdn_min_subs = 1000;
  cfg->smtp_from = g_strdup ("reel <noreply@localhost>");
  /* A day: far longer than any upload, transcode or retry takes to
   * reference the blobs it writes. */
  cfg->cleanup_grace_s = 24 * 3600;
  cfg->cleanup_interval_s = 3600;
  cfg->actions_batch_max = DEFAULT_ACTIONS_BATCH_MAX;
  cfg->actions_max_age_s = DEFAULT_ACTIONS_MAX_AGE_S;
  cfg->actions_max_bytes = DEFAULT_ACTIONS_MAX_BYTES;
  cfg->actions_duplicate_window_s = DEFAULT_ACTIONS_DUPLICATE_WINDOW_S;
  cfg->views_min_watch_s = DEFAULT_VIEWS_MIN_WATCH_S;
  cfg->live_srt_host = g_strdup ("127.0.0.1");
  cfg->live_srt_port = DEFAULT_LIVE_SRT_PORT;
  cfg->live_max_channels = DEFAULT_LIVE_MAX_CHANNELS;
  cfg->live_window_s = DEFAULT_LIVE_WINDOW_S;
  cfg->live_max_bytes = DEFAULT_LIVE_WINDOW_BYTES;
  /* Live encodes in real time on the ingest machine: fewer, smaller rungs. */
  cfg->live_ladder = g_strdup ("720p:720:2800,360p:360:800");
  return cfg;
}

void
reel_config_free (ReelConfig *cfg)
{
  if (!cfg)
    return;
  g_free (cfg->data_dir);
  g_free (cfg->listen_host);
  g_free (cfg->nats_url);
  g_free (cfg->nats_server_binary);
  g_free (cfg->nats_sync);
  g_free (cfg->nats_token);
  g_free (cfg->nats_credentials);
  g_free (cfg->nats_tls_ca);
  g_free (cfg->nats_tls_cert);
  g_free (cfg->nats_tls_key);
  g_free (cfg->www_dir);
  g_free (cfg->ladder);
  g_free (cfg->x264_preset);
  g_free (cfg->cdn_base_url);
  g_free (cfg->cdn_origin_dir);
  g_free (cfg->smtp_url);
  g_free (cfg->smtp_from);
  g_free (cfg->smtp_username);
  g_free (cfg->smtp_password);
  g_free (cfg->live_srt_host);
  g_free (cfg->live_ladder);
  g_free (cfg);
}

static gboolean
parse_u64 (const char *name, const char *value, guint64 min, guint64 max, guint64 *out,
           GError **error)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned (value, 10, min, max, &v, NULL))
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
  g_autoptr (GArray) rungs = NULL;
  if (!reel_ladder_parse (value, &rungs, error))
    {
      g_prefix_error (error, "%s: ", s->name);
      return FALSE;
    }
  return set_string (cfg, s, value, error);
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
  { "auth.session_ttl_seconds", set_i64, AT (session_ttl_s), 60, G_MAXINT32 },
  { "projector.write_wait_ms", set_uint, AT (write_wait_ms), 0, 600000 },
  { "uploads.max_bytes", set_u64, AT (upload_max), 1024, G_MAXINT64 },
  { "uploads.multipart_max_bytes", set_u64, AT (multipart_max), 1024, G_MAXINT32 },
  { "media.segment_seconds", set_uint, AT (segment_s), 1, 10 },
  { "media.chunk_segments", set_uint, AT (chunk_segments), 1, 60 },
  { "media.first_chunk_segments", set_uint, AT (first_chunk_segments), 1, 60 },
  { "media.ladder", set_ladder, AT (ladder) },
  { "media.x264_preset", set_preset, AT (x264_preset) },
  { "worker.concurrency", set_uint, AT (worker_concurrency), 1, 256 },
  { "jobs.max_attempts", set_uint, AT (job_attempts), 1, 100 },
  { "jobs.ack_wait_seconds", set_uint, AT (job_ack_wait_s), 5, 3600 },
  { "comments.rate_limit", set_uint, AT (comment_rate_limit), 1, 1000000 },
  { "comments.rate_window_seconds", set_uint, AT (comment_window_s), 1, 86400 },
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
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "unknown setting \"%s\"", name);
  return FALSE;
}

gboolean
reel_config_load_file (ReelConfig *cfg, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      for (guint k = 0; keys && keys[k]; k++)
        {
          g_autofree char *name = g_strdup_printf ("%s.%s", groups[g], keys[k]);
          g_autofree char *value = g_key_file_get_string (kf, groups[g], keys[k], error);
          if (!value || !reel_config_set (cfg, name, value, error))
            {
              g_prefix_error (error, "%s: ", path);
              return FALSE;
            }
        }
    }
  return TRUE;
}

char *
reel_config_data_path (const ReelConfig *cfg, const char *sub)
{
  return g_build_filename (cfg->data_dir, sub, NULL);
}
