/* See config.h. The key table below is the single list of settings; the
 * example config in data/ and the tests check against it. */
#include "core/config.h"
#include "core/error.h"
#include "media/plan.h"

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
  cfg->http_max_body = DEFAULT_HTTP_MAX_BODY;
  cfg->session_ttl_s = DEFAULT_SESSION_TTL_S;
  cfg->write_wait_ms = DEFAULT_WRITE_WAIT_MS;
  cfg->upload_max = DEFAULT_UPLOAD_MAX;
  cfg->multipart_max = DEFAULT_MULTIPART_MAX;
  /* 2 s segments: quick start and quality switches; 3 per chunk keeps
   * chunk jobs short (a few seconds of encoding) so many run in parallel. */
  cfg->segment_s = 2;
  cfg->chunk_segments = 3;
  cfg->ladder = g_strdup ("1080p:1080:5000,720p:720:2800,480p:480:1400,360p:360:800,240p:240:400");
  cfg->x264_preset = g_strdup ("veryfast");
  /* One pipeline per two cores: each pipeline's encoders use threads too. */
  cfg->worker_concurrency = MAX (1, g_get_num_processors () / 2);
  cfg->job_attempts = 3;
  cfg->job_ack_wait_s = 30;
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
  g_free (cfg->ladder);
  g_free (cfg->x264_preset);
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

static void
replace_str (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

gboolean
reel_config_set (ReelConfig *cfg, const char *name, const char *value, GError **error)
{
  guint64 n;

  if (g_str_equal (name, "reeld.data_dir"))
    replace_str (&cfg->data_dir, value);
  else if (g_str_equal (name, "reeld.listen"))
    return parse_listen (cfg, value, error);
  else if (g_str_equal (name, "reeld.roles"))
    return reel_config_parse_roles (value, &cfg->roles, error);
  else if (g_str_equal (name, "nats.url"))
    replace_str (&cfg->nats_url, *value ? value : NULL);
  else if (g_str_equal (name, "nats.server_binary"))
    replace_str (&cfg->nats_server_binary, value);
  else if (g_str_equal (name, "nats.replicas"))
    {
      /* JetStream allows R1..R5; R3 is the usual cluster choice. */
      if (!parse_u64 (name, value, 1, 5, &n, error))
        return FALSE;
      cfg->stream_replicas = (guint)n;
    }
  else if (g_str_equal (name, "http.max_body_bytes"))
    {
      if (!parse_u64 (name, value, 1024, G_MAXINT32, &n, error))
        return FALSE;
      cfg->http_max_body = n;
    }
  else if (g_str_equal (name, "auth.session_ttl_seconds"))
    {
      if (!parse_u64 (name, value, 60, G_MAXINT32, &n, error))
        return FALSE;
      cfg->session_ttl_s = (gint64)n;
    }
  else if (g_str_equal (name, "projector.write_wait_ms"))
    {
      if (!parse_u64 (name, value, 0, 600000, &n, error))
        return FALSE;
      cfg->write_wait_ms = (guint)n;
    }
  else if (g_str_equal (name, "uploads.max_bytes"))
    {
      if (!parse_u64 (name, value, 1024, G_MAXINT64, &n, error))
        return FALSE;
      cfg->upload_max = n;
    }
  else if (g_str_equal (name, "uploads.multipart_max_bytes"))
    {
      if (!parse_u64 (name, value, 1024, G_MAXINT32, &n, error))
        return FALSE;
      cfg->multipart_max = n;
    }
  else if (g_str_equal (name, "media.segment_seconds"))
    {
      if (!parse_u64 (name, value, 1, 10, &n, error))
        return FALSE;
      cfg->segment_s = (guint)n;
    }
  else if (g_str_equal (name, "media.chunk_segments"))
    {
      if (!parse_u64 (name, value, 1, 60, &n, error))
        return FALSE;
      cfg->chunk_segments = (guint)n;
    }
  else if (g_str_equal (name, "media.ladder"))
    {
      g_autoptr (GArray) rungs = NULL;
      if (!reel_ladder_parse (value, &rungs, error))
        return FALSE;
      replace_str (&cfg->ladder, value);
    }
  else if (g_str_equal (name, "media.x264_preset"))
    {
      static const char *const presets[]
          = { "ultrafast", "superfast", "veryfast", "faster",   "fast",
              "medium",    "slow",      "slower",   "veryslow", NULL };
      if (!g_strv_contains (presets, value))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "media.x264_preset: \"%s\" is not an x264 preset (ultrafast ... veryslow)",
                       value);
          return FALSE;
        }
      replace_str (&cfg->x264_preset, value);
    }
  else if (g_str_equal (name, "worker.concurrency"))
    {
      if (!parse_u64 (name, value, 1, 256, &n, error))
        return FALSE;
      cfg->worker_concurrency = (guint)n;
    }
  else if (g_str_equal (name, "jobs.max_attempts"))
    {
      if (!parse_u64 (name, value, 1, 100, &n, error))
        return FALSE;
      cfg->job_attempts = (guint)n;
    }
  else if (g_str_equal (name, "jobs.ack_wait_seconds"))
    {
      if (!parse_u64 (name, value, 5, 3600, &n, error))
        return FALSE;
      cfg->job_ack_wait_s = (guint)n;
    }
  else if (g_str_equal (name, "live.srt_host"))
    {
      g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (value);
      if (!addr)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "live.srt_host: \"%s\" is not an IP address", value);
          return FALSE;
        }
      replace_str (&cfg->live_srt_host, value);
    }
  else if (g_str_equal (name, "live.srt_port"))
    {
      if (!parse_u64 (name, value, 1, 65535, &n, error))
        return FALSE;
      cfg->live_srt_port = (guint16)n;
    }
  else if (g_str_equal (name, "live.max_channels"))
    {
      if (!parse_u64 (name, value, 1, 10000, &n, error))
        return FALSE;
      cfg->live_max_channels = (guint)n;
    }
  else if (g_str_equal (name, "live.window_seconds"))
    {
      /* At least a few segments; at most a day. */
      if (!parse_u64 (name, value, 10, 86400, &n, error))
        return FALSE;
      cfg->live_window_s = (guint)n;
    }
  else if (g_str_equal (name, "live.window_bytes"))
    {
      if (!parse_u64 (name, value, 1 << 20, G_MAXINT64, &n, error))
        return FALSE;
      cfg->live_max_bytes = n;
    }
  else if (g_str_equal (name, "live.ladder"))
    {
      g_autoptr (GArray) rungs = NULL;
      g_autoptr (GError) local = NULL;
      const char *why;
      /* Same syntax as media.ladder; the parser names that key. */
      if (!reel_ladder_parse (value, &rungs, &local))
        {
          why = g_str_has_prefix (local->message, "media.ladder: ") ? local->message + 14
                                                                    : local->message;
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "live.ladder: %s", why);
          return FALSE;
        }
      replace_str (&cfg->live_ladder, value);
    }
  else
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "unknown setting \"%s\"", name);
      return FALSE;
    }
  return TRUE;
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
