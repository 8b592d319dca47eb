/* See config.h. The settings an operator can change, and how each is read,
 * are in settings.c. */
#include "core/config.h"
#include "core/settings.h"

#include "reel-config.h"

#include <gio/gio.h>

/* A session token is valid for 30 days: long enough that people are not
 * logged out between visits, short enough that a leaked token expires. */
#define DEFAULT_SESSION_TTL_S (30 * 24 * 3600)
/* An invite is for someone the admin is about to tell: a week is enough
 * to act on it, short enough that forgotten codes stop working. */
#define DEFAULT_INVITE_TTL_S (7 * 24 * 3600)
/* A password reset link is used minutes after it is asked for; an hour
 * covers a slow mail relay, and a link found later in a mailbox is dead. */
#define DEFAULT_RESET_TTL_S 3600
/* JSON bodies are small; 1 MiB is far above any legitimate API request. */
#define DEFAULT_HTTP_MAX_BODY (1024 * 1024)
/* A write normally reaches the local projection in milliseconds; 5 s bounds
 * the wait when the projector is behind (e.g. during a rebuild). */
#define DEFAULT_WRITE_WAIT_MS 5000
/* Long phone videos run to several GiB; 16 GiB leaves room for 4K. */
#define DEFAULT_UPLOAD_MAX ((guint64)16 << 30)
/* A one-shot multipart upload cannot resume: keep it for small files and
 * curl, and send larger ones through tus. */
#define DEFAULT_MULTIPART_MAX ((guint64)256 << 20)
/* 5 MiB: a 4K PNG screenshot fits; a poster is shown at most 1280 wide. */
#define DEFAULT_THUMBNAIL_MAX ((guint64)5 << 20)
/* A tus PATCH that received nothing for a minute is on a dead connection
 * (a live one moves bytes every second); its client's retry takes over. */
#define DEFAULT_UPLOAD_LOCK_TIMEOUT_S 60
/* A person uploads one file at a time, maybe a few from several tabs. */
#define DEFAULT_UPLOAD_MAX_PER_USER 4
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
 * client's retry. Later replays are ignored by the consumers (app/analytics/watch.h). */
#define DEFAULT_ACTIONS_DUPLICATE_WINDOW_S 120
/* YouTube's rule of thumb: about 30 s of watching makes a view. */
#define DEFAULT_VIEWS_MIN_WATCH_S 30
/* Twelve hours: YouTube's limit, and far beyond any upload reel's users make
 * (a header claiming more is refused, not planned). */
#define DEFAULT_MAX_DURATION_S (12 * 3600)
/* Twelve hours at 60 frames a second: the decode work one video may ask for.
 * A header claiming a thousand frames a second over an hour is refused. */
#define DEFAULT_MAX_FRAMES ((guint64)12 * 3600 * 60)
/* 8K UHD. Beyond it, decode memory per chunk job stops being reasonable for
 * the machines reel targets. */
#define DEFAULT_MAX_WIDTH 7680
#define DEFAULT_MAX_HEIGHT 4320
/* Twelve hours at the default 12 s chunks is 3600 chunks: 10000 leaves
 * room for shorter chunks while bounding what one upload can queue. */
#define DEFAULT_MAX_CHUNKS 10000
/* Signed media URLs (core/urlsign.h) live this long beyond the video's
 * duration: a viewer who pauses for a while can still go on watching, and a
 * copied link stops working the same day. */
#define DEFAULT_SIGNED_URL_TTL_S (4 * 3600)
/* A feed as long as a page of the channel; readers poll every few minutes
 * to hours, so five minutes of caching costs a new video little delay. */
#define DEFAULT_FEED_ITEMS 20
#define DEFAULT_FEED_MAX_AGE_S 300
/* A media child (reel-media) may take 5 minutes plus 30 s per second of the
 * media it works on: process start, GStreamer's registry and a probe of a
 * slow disk fit in the base; veryslow x264 over five rungs on one busy core
 * runs about ten times slower than real time, so 30x leaves room. */
#define DEFAULT_JOB_TIMEOUT_S 300
#define DEFAULT_JOB_TIMEOUT_FACTOR 30
/* Address space of a media child: decoding 8K H.264 (a 16-frame picture
 * buffer of 50 MB frames) plus five encoders' lookahead fits in 4 GiB;
 * a file that makes a decoder allocate without bound stops there. */
#define DEFAULT_MEMORY_LIMIT_MB 4096
/* SRT's customary port range starts around 9000; 9710 is unassigned. */
#define DEFAULT_LIVE_SRT_PORT 9710
#define DEFAULT_LIVE_MAX_CHANNELS 64
/* Two minutes of rewind; 256 MiB holds that at about 16 Mbit/s over all
 * rungs, far above the default live ladder. */
#define DEFAULT_LIVE_WINDOW_S 120
#define DEFAULT_LIVE_WINDOW_BYTES ((guint64)256 << 20)

/* Flood limits, as REQUESTS per SECONDS (burst, then the average rate).
 * Each is well above what people do by hand, including a few dozen behind
 * one NAT address, and slows a script to a crawl. The per-account rates are
 * the tighter ones: they cannot be spread over many addresses. */
static const struct
{
  ReelLimit what;
  ReelRate per_ip, per_account;
} default_limits[] = {
  /* A guesser gets a try a second from one address and four a minute
   * against one account (argon2 makes each try costly for us too). */
  { REEL_LIMIT_LOGIN, { 60, 60 }, { 20, 300 } },
  /* A class signing up together fits; a bot farm from one address does not. */
  { REEL_LIMIT_REGISTER, { 30, 3600 } },
  /* Dropping a folder of clips on the upload page starts dozens at once. */
  { REEL_LIMIT_UPLOAD, { 120, 3600 }, { 60, 3600 } },
  /* Per account: comments.rate_limit. */
  { REEL_LIMIT_COMMENT, { 120, 60 } },
  { REEL_LIMIT_SUBSCRIBE, { 120, 60 }, { 60, 60 } },
  /* A key is made once per channel and rarely replaced. */
  { REEL_LIMIT_LIVE_KEY, { 30, 3600 }, { 10, 3600 } },
  /* A watch page sends a batch every 10 s and on pause, seek and unload:
   * per account a dozen open tabs, per address fifty viewers. */
  { REEL_LIMIT_EVENTS, { 600, 60 }, { 120, 60 } },
  /* Someone flagging a bad channel's videos one by one needs dozens; a
   * campaign to bury the moderators in reports does not fit. */
  { REEL_LIMIT_REPORT, { 60, 3600 }, { 30, 3600 } },
};
/* A bucket costs about 100 bytes: 100,000 is 10 MB at worst, and more
 * addresses than are active in any minute of a busy site. */
#define DEFAULT_LIMIT_MAX_KEYS 100000
/* Connections: a browser opens about six per host; 128 per address leaves
 * room for a NAT'd office. The total stays under the descriptor limit
 * (http/connections.c lowers it when RLIMIT_NOFILE is smaller). */
#define DEFAULT_HTTP_MAX_CONNS 1024
#define DEFAULT_HTTP_MAX_CONNS_PER_IP 128
/* Downloads remuxed at once: each writes a whole rendition to the data
 * directory and reads its segments, so a handful of concurrent downloads
 * of a long video is what a small node's disk and cores can take. */
#define DEFAULT_DOWNLOADS_MAX 2
/* Originals probed at once: two, so one slow file does not hold the rest. */
#define DEFAULT_INGEST_CONCURRENCY 2
/* Headers are a few hundred bytes: 15 s allows for a bad mobile link. */
#define DEFAULT_HTTP_HEADER_TIMEOUT_S 15
/* Silence in the middle of a body (an upload is allowed to take hours, as
 * long as bytes keep coming). */
#define DEFAULT_HTTP_BODY_TIMEOUT_S 60
/* An idle keep-alive connection: long enough for a page's next click. */
#define DEFAULT_HTTP_IDLE_TIMEOUT_S 30
/* Hashes waiting for a hashing thread: with ~0.1 s per hash, 32 waiting
 * are served within a few seconds; more are refused at once (503). */
#define DEFAULT_HASH_QUEUE 32

/* A built-in ladder parses (a test proves it); the call is outside any
 * assertion, which G_DISABLE_ASSERT would compile away. */
static void
default_ladder (ReelLadder *ladder, const char *text)
{
  g_autoptr (GError) error = NULL;
  if (!reel_ladder_set (ladder, text, &error))
    g_error ("the built-in ladder \"%s\" does not parse: %s", text, error->message);
}

/* The bundled adult-content classifier, data/classify-nsfw.mjs on nsfwjs's
 * model (npm packages that ship their weights: no download at run time),
 * when node and the packages are there (the README's commands install
 * them), else NULL: the adult check is then skipped with that reason. */
static char *
default_classifier (void)
{
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *script = g_build_filename (REEL_SOURCE_DATADIR, "classify-nsfw.mjs", NULL);
  g_autofree char *model = g_build_filename (REEL_SOURCE_DATADIR, "..", "node_modules", "nsfwjs",
                                             "package.json", NULL);
  g_autofree char *quoted_node = NULL, *quoted_script = NULL;
  if (!node || !g_file_test (script, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (model, G_FILE_TEST_IS_REGULAR))
    return NULL;
  quoted_node = g_shell_quote (node);
  quoted_script = g_shell_quote (script);
  return g_strdup_printf ("%s %s", quoted_node, quoted_script);
}

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
  cfg->classifier_command = default_classifier ();
  cfg->admins = g_new0 (char *, 1);
  cfg->registration = REEL_REGISTRATION_OPEN;
  cfg->invite_ttl_s = DEFAULT_INVITE_TTL_S;
  cfg->reset_ttl_s = DEFAULT_RESET_TTL_S;
  cfg->write_wait_ms = DEFAULT_WRITE_WAIT_MS;
  cfg->upload_max = DEFAULT_UPLOAD_MAX;
  cfg->multipart_max = DEFAULT_MULTIPART_MAX;
  cfg->thumbnail_max = DEFAULT_THUMBNAIL_MAX;
  cfg->upload_lock_timeout_s = DEFAULT_UPLOAD_LOCK_TIMEOUT_S;
  cfg->upload_max_per_user = DEFAULT_UPLOAD_MAX_PER_USER;
  /* 2 s segments: quick start and quality switches. 6 per chunk: each
   * chunk also encodes a warm-up segment (warmup_segments) and restarts
   * x264's rate control, so shorter chunks cost CPU and miss the rungs'
   * bitrates. On bench_transcode (30 s of 1080p, 2 cores) 6 against 3 took
   * 4.12 against 5.04 CPU-s per source-s (ffmpeg 2.72 and 3.23 in the same
   * runs); on the cuts kind the SD rungs' bytes went from +4 to +9 % of
   * ffmpeg's to -2 to +2 %, and detail's 480p from -0.61 to -0.27 dB. */
  cfg->segment_s = 2;
  cfg->chunk_segments = 6;
  /* The first chunk is one segment: the video is playable after encoding
   * 2 s instead of 6 s, whatever its length. */
  cfg->first_chunk_segments = 1;
  /* ... and holds the rungs up to 360 lines: on 2 cores its 1080p and
   * 720p rungs took 3 of the 4 s before a 1080p video could play, while
   * the second chunk encodes that range anyway, as its warm-up; its 480p
   * rung then took another 0.45 of the 2.2 s from upload to playable on
   * a detailed 30 s 1080p clip (issue 18). */
  cfg->first_chunk_height = 360;
  /* A chunk's encoders first see the segment before it: x264's one-pass
   * rate control then starts the chunk as one long encode would, not from
   * its cold-start guess (0.5 dB below ffmpeg on the SD rungs of a detailed
   * clip at 4-7 % fewer bytes, issue 18), for one more segment of encoding
   * per chunk. */
  cfg->warmup_segments = 1;
  default_ladder (&cfg->ladder,
                  "1080p:1080:5000,720p:720:2800,480p:480:1400,360p:360:800,240p:240:400");
  cfg->codecs = REEL_CODEC_BIT (REEL_CODEC_H264);
  cfg->copy_source = TRUE;
  cfg->warm_child = TRUE;
  cfg->x264_preset = g_strdup ("veryfast");
  /* One thread per rung: a chunk's bytes then depend on nothing but its
   * input, and the rungs side by side keep the cores busy. */
  cfg->x264_threads = 1;
  cfg->downloads_max = DEFAULT_DOWNLOADS_MAX;
  cfg->max_duration_s = DEFAULT_MAX_DURATION_S;
  cfg->max_frames = DEFAULT_MAX_FRAMES;
  cfg->max_width = DEFAULT_MAX_WIDTH;
  cfg->max_height = DEFAULT_MAX_HEIGHT;
  cfg->max_chunks = DEFAULT_MAX_CHUNKS;
  cfg->signed_url_ttl_s = DEFAULT_SIGNED_URL_TTL_S;
  cfg->feed_items = DEFAULT_FEED_ITEMS;
  cfg->feed_max_age_s = DEFAULT_FEED_MAX_AGE_S;
  cfg->job_timeout_s = DEFAULT_JOB_TIMEOUT_S;
  cfg->job_timeout_factor = DEFAULT_JOB_TIMEOUT_FACTOR;
  cfg->memory_limit_mb = DEFAULT_MEMORY_LIMIT_MB;
  /* One pipeline per two cores: each pipeline's encoders use threads too. */
  cfg->worker_concurrency = MAX (1, g_get_num_processors () / 2);
  cfg->ingest_concurrency = DEFAULT_INGEST_CONCURRENCY;
  cfg->job_attempts = 3;
  cfg->checks_enabled = TRUE;
  /* Quotes of a few seconds (a jingle, a clip in a review) stay well
   * under it; a copy of a song or a scene does not. */
  cfg->copyright_min_seconds = 10;
  /* nsfwjs's "porn" + "hentai" share: 0.8 holds what a reviewer would
   * want to see, not beachwear. */
  cfg->adult_threshold = 0.8;
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
  default_ladder (&cfg->live_ladder, "720p:720:2800,360p:360:800");
  cfg->blobs_backend = g_strdup ("fs");
  cfg->s3_region = g_strdup ("us-east-1");
  /* Self-hosted S3 servers (MinIO, Garage, SeaweedFS) answer path-style
   * requests out of the box; virtual-host style needs wildcard DNS there. */
  cfg->s3_path_style = TRUE;
  cfg->s3_part_size = REEL_S3_PART_SIZE_DEFAULT;
  for (guint i = 0; i < G_N_ELEMENTS (default_limits); i++)
    {
      cfg->limit_per_ip[default_limits[i].what] = default_limits[i].per_ip;
      cfg->limit_per_account[default_limits[i].what] = default_limits[i].per_account;
    }
  cfg->limit_max_keys = DEFAULT_LIMIT_MAX_KEYS;
  cfg->http_threads = 0;
  cfg->http_max_conns = DEFAULT_HTTP_MAX_CONNS;
  cfg->http_max_conns_per_ip = DEFAULT_HTTP_MAX_CONNS_PER_IP;
  cfg->http_header_timeout_s = DEFAULT_HTTP_HEADER_TIMEOUT_S;
  cfg->http_body_timeout_s = DEFAULT_HTTP_BODY_TIMEOUT_S;
  cfg->http_idle_timeout_s = DEFAULT_HTTP_IDLE_TIMEOUT_S;
  cfg->hash_threads = 0;
  cfg->hash_queue = DEFAULT_HASH_QUEUE;
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
  g_free (cfg->classifier_command);
  g_free (cfg->nats_credentials);
  g_free (cfg->nats_tls_ca);
  g_free (cfg->nats_tls_cert);
  g_free (cfg->nats_tls_key);
  g_free (cfg->www_dir);
  reel_ladder_clear (&cfg->ladder);
  g_free (cfg->x264_preset);
  g_free (cfg->x264_options);
  g_free (cfg->cdn_base_url);
  g_free (cfg->cdn_origin_dir);
  g_free (cfg->smtp_url);
  g_free (cfg->smtp_from);
  g_free (cfg->smtp_username);
  g_free (cfg->smtp_password);
  g_free (cfg->live_srt_host);
  reel_ladder_clear (&cfg->live_ladder);
  g_free (cfg->blobs_backend);
  g_free (cfg->s3_endpoint);
  g_free (cfg->s3_bucket);
  g_free (cfg->s3_region);
  g_free (cfg->s3_access_key);
  g_free (cfg->s3_secret_key);
  g_free (cfg->trusted_proxies);
  g_strfreev (cfg->admins);
  g_free (cfg->public_url);
  g_free (cfg);
}

/* Applies every key of kf; origin (a path) prefixes the errors. */
static gboolean
apply_key_file (ReelConfig *cfg, GKeyFile *kf, const char *origin, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      for (guint k = 0; keys && keys[k]; k++)
        {
          g_autofree char *name = g_strdup_printf ("%s.%s", groups[g], keys[k]);
          g_autoptr (GError) bad_value = NULL;
          /* GKeyFile may return a value and set an error (an escape it
           * cannot read, such as a trailing backslash). */
          g_autofree char *value = g_key_file_get_string (kf, groups[g], keys[k], &bad_value);
          if (bad_value)
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&bad_value), "%s: ", origin);
              return FALSE;
            }
          if (!reel_config_set (cfg, name, value, error))
            {
              g_prefix_error (error, "%s: ", origin);
              return FALSE;
            }
        }
    }
  return TRUE;
}

gboolean
reel_config_load_file (ReelConfig *cfg, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return apply_key_file (cfg, kf, path, error);
}

gboolean
reel_config_load_data (ReelConfig *cfg, const char *data, gsize len, const char *origin,
                       GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", origin);
      return FALSE;
    }
  return apply_key_file (cfg, kf, origin, error);
}

char *
reel_config_data_path (const ReelConfig *cfg, const char *sub)
{
  return g_build_filename (cfg->data_dir, sub, NULL);
}
