/* reeld's configuration: embedded defaults, then a key file, then the
 * command line, each overriding the one before.
 *
 * Every setting has exactly one name, "group.key" (e.g. "nats.url"), and one
 * parser (reel_config_set); the key file and the command line both go through
 * it, so an option can never mean one thing in a file and another on the
 * command line. data/reeld.conf.example documents every key. */
#pragma once

#include "core/ladder.h"
#include "core/ratelimit.h"

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  REEL_ROLE_API = 1 << 0,
  REEL_ROLE_PROJECTOR = 1 << 1,
  REEL_ROLE_INGEST = 1 << 2,
  REEL_ROLE_WORKER = 1 << 3,
  REEL_ROLE_LIVE = 1 << 4,
} ReelRole;

#define REEL_ROLES_ALL                                                                             \
  (REEL_ROLE_API | REEL_ROLE_PROJECTOR | REEL_ROLE_INGEST | REEL_ROLE_WORKER | REEL_ROLE_LIVE)

/* Multipart uploads to S3 go up in parts of this size: large enough that a
 * 16 GiB upload stays far below S3's 10,000 parts, small enough that a
 * failed part is cheap to send again. */
#define REEL_S3_PART_SIZE_DEFAULT ((guint64)16 << 20)
/* What has flood limits (http/throttle.h): each has a rate per client IP
 * and, where there is an account, one per account. */
typedef enum
{
  REEL_LIMIT_LOGIN,
  REEL_LIMIT_REGISTER,
  REEL_LIMIT_UPLOAD,
  REEL_LIMIT_COMMENT, /* per account: comments.rate_limit (app/social/comments.h) */
  REEL_LIMIT_SUBSCRIBE,
  REEL_LIMIT_LIVE_KEY,
  REEL_LIMIT_EVENTS,
  REEL_LIMIT_REPORT,
  REEL_N_LIMITS
} ReelLimit;

/* Who may create an account (auth.registration). */
typedef enum
{
  REEL_REGISTRATION_OPEN,   /* anyone */
  REEL_REGISTRATION_CLOSED, /* nobody: accounts exist already or come later */
  REEL_REGISTRATION_INVITE, /* whoever holds an unused invite code from an admin */
} ReelRegistrationPolicy;

typedef struct
{
  char *data_dir;             /* reeld.data_dir */
  char *listen_host;          /* reeld.listen (host part) */
  guint16 listen_port;        /* reeld.listen (port part; 0 = pick a free one) */
  guint roles;                /* reeld.roles: ReelRole bits */
  char *nats_url;             /* nats.url: NULL = start an embedded nats-server */
  char *nats_server_binary;   /* nats.server_binary */
  guint stream_replicas;      /* nats.replicas */
  char *nats_sync;            /* nats.sync: "default", "always" or an interval ("1s") */
  char *nats_token;           /* nats.token (external servers) */
  char *nats_credentials;     /* nats.credentials: a .creds file (external servers) */
  char *nats_tls_ca;          /* nats.tls_ca: PEM CA bundle to trust */
  char *nats_tls_cert;        /* nats.tls_cert: PEM client certificate */
  char *nats_tls_key;         /* nats.tls_key: its private key */
  guint64 http_max_body;      /* http.max_body_bytes for JSON requests */
  char *www_dir;              /* http.www_dir: the web UI's files */
  gint64 session_ttl_s;       /* auth.session_ttl_seconds */
  guint write_wait_ms;        /* projector.write_wait_ms: read-your-writes bound */
  guint64 upload_max;         /* uploads.max_bytes: largest video accepted */
  guint64 multipart_max;      /* uploads.multipart_max_bytes: one-shot POST limit */
  guint64 thumbnail_max;      /* uploads.thumbnail_max_bytes: a custom thumbnail's limit */
  guint segment_s;            /* media.segment_seconds */
  guint chunk_segments;       /* media.chunk_segments: segments per transcode chunk */
  guint first_chunk_segments; /* media.first_chunk_segments: segments in chunk 0 */
  guint first_chunk_height;   /* media.first_chunk_max_height: taller rungs skip chunk 0 */
  guint warmup_segments;      /* media.warmup_segments: encoded before a chunk, not kept */
  ReelLadder ladder;          /* media.ladder: NAME:HEIGHT:KBPS,..., parsed */
  guint codecs;               /* media.codecs: REEL_CODEC_BIT set, H.264 always in it */
  gboolean copy_source;       /* media.copy_source: a rung the source already is, copied */
  gboolean warm_child;        /* media.warm_child: a media process waits, loaded */
  char *x264_preset;          /* media.x264_preset */
  guint x264_threads;         /* media.x264_threads: x264 threads per rung */
  guint downloads_max;        /* media.max_concurrent_downloads */
  char *x264_options;         /* media.x264_options: more x264 options, or NULL */
  guint max_duration_s;       /* media.max_duration_seconds: longest video accepted */
  guint64 max_frames;         /* media.max_frames: duration x frame rate */
  guint max_width;            /* media.max_width: the picture's longer side */
  guint max_height;           /* media.max_height: its shorter side */
  guint max_chunks;           /* media.max_chunks: chunk jobs one video may queue */
  guint signed_url_ttl_s;     /* media.signed_url_ttl_seconds: life of a signed media URL beyond the
                                 video's duration */
  guint job_timeout_s;        /* media.job_timeout_seconds: a media child's base deadline */
  guint job_timeout_factor;   /* media.job_timeout_factor: + this per second of media */
  guint memory_limit_mb;      /* media.memory_limit_mb: a media child's address space; 0 = none */
  guint worker_concurrency;   /* worker.concurrency: pipelines at once */
  guint ingest_concurrency;   /* ingest.concurrency: originals probed and planned at once */
  guint job_attempts;         /* jobs.max_attempts */
  guint job_ack_wait_s;       /* jobs.ack_wait_seconds */
  guint comment_rate_limit;   /* comments.rate_limit: comments per author per window */
  guint comment_window_s;     /* comments.rate_window_seconds */
  guint cdn_min_subs;         /* cdn.min_subscribers */
  char *cdn_base_url;         /* cdn.base_url: NULL = no CDN */
  char *cdn_origin_dir;       /* cdn.origin_dir: NULL = no CDN */
  char *smtp_url;             /* smtp.url: NULL = no email */
  char *smtp_from;            /* smtp.from */
  char *smtp_username;        /* smtp.username (optional) */
  char *smtp_password;        /* smtp.password (optional) */
  guint cleanup_grace_s;      /* cleanup.grace_seconds */
  guint cleanup_interval_s;   /* cleanup.interval_seconds */

  /* Viewer actions (app/analytics/actions.h) and the projections built from them. */
  guint actions_batch_max;            /* actions.batch_max: events in one POST */
  guint64 actions_max_age_s;          /* actions.max_age_seconds: stream retention */
  guint64 actions_max_bytes;          /* actions.max_bytes: stream retention */
  guint64 actions_duplicate_window_s; /* actions.duplicate_window_seconds */
  guint views_min_watch_s;            /* views.min_watch_seconds */
  char *live_srt_host;                /* live.srt_host: address the SRT listeners bind */
  guint16 live_srt_port;              /* live.srt_port: channel slot i listens on this + i */
  guint live_max_channels;            /* live.max_channels: channels that can stream */
  guint live_window_s;                /* live.window_seconds: rewind reach (stream max age) */
  guint64 live_max_bytes;             /* live.window_bytes: a channel's stream size limit */
  ReelLadder live_ladder;             /* live.ladder: NAME:HEIGHT:KBPS,..., parsed */

  /* Where blobs live (store/blobs.h). */
  char *blobs_backend;    /* blobs.backend: "fs" (DATA_DIR/blobs) or "s3" */
  char *s3_endpoint;      /* blobs.s3_endpoint: NULL = AWS's endpoint of s3_region */
  char *s3_bucket;        /* blobs.s3_bucket */
  char *s3_region;        /* blobs.s3_region */
  char *s3_access_key;    /* blobs.s3_access_key: NULL = $AWS_ACCESS_KEY_ID */
  char *s3_secret_key;    /* blobs.s3_secret_key: NULL = $AWS_SECRET_ACCESS_KEY */
  gboolean s3_path_style; /* blobs.s3_path_style */
  guint64 s3_part_size;   /* blobs.s3_part_size_bytes: multipart upload part size */
  /* Floods: request rates (http/throttle.h), connections
   * (http/connections.h) and password hashing (http/server.h). */
  ReelRate limit_per_ip[REEL_N_LIMITS];      /* limits.<what>_per_ip */
  ReelRate limit_per_account[REEL_N_LIMITS]; /* limits.<what>_per_account */
  guint limit_max_keys;                      /* limits.max_keys: buckets held at most */
  char *trusted_proxies;                     /* http.trusted_proxies: IPs/CIDRs, or NULL */
  guint http_threads;                        /* http.threads: 0 = one per core */
  guint http_max_conns;                      /* http.max_connections */
  guint http_max_conns_per_ip;               /* http.max_connections_per_ip */
  guint http_header_timeout_s;               /* http.header_timeout_seconds */
  guint http_body_timeout_s;                 /* http.body_timeout_seconds */
  guint http_idle_timeout_s;                 /* http.idle_timeout_seconds */
  guint hash_threads;                        /* auth.hash_threads: 0 = one per core */
  guint hash_queue;                          /* auth.hash_queue: hashes waiting at most */
  /* Uploads in progress (issue 11) */
  guint upload_lock_timeout_s; /* uploads.lock_timeout_seconds: a stalled PATCH's takeover */
  guint upload_max_per_user;   /* uploads.max_concurrent_per_user */
  /* Governance (issue 12) */
  char **admins; /* auth.admins: usernames that are always admins (NULL-terminated, may be empty) */
  ReelRegistrationPolicy registration; /* auth.registration */
  gboolean verify_email;     /* auth.verify_email: accounts log in once their email is verified */
  gint64 invite_ttl_s;       /* auth.invite_ttl_seconds */
  gint64 reset_ttl_s;        /* auth.password_reset_ttl_seconds */
  guint64 quota_bytes;       /* uploads.quota_bytes: per user, 0 = none */
  guint64 daily_quota_bytes; /* uploads.daily_quota_bytes: per user per 24 h, 0 = none */
  char *public_url; /* http.public_url: how people reach the site (links in emails), or NULL */
  /* checks.*: the checks before publishing (app/checks/checks.h) */
  gboolean checks_enabled;     /* checks.enabled */
  guint copyright_min_seconds; /* checks.copyright_min_seconds: shortest match that counts */
  char *classifier_command;    /* checks.classifier_command: NULL = none (adult check skipped) */
  double adult_threshold;      /* checks.adult_threshold: a frame scoring this holds the video */
  guint feed_items;            /* feeds.items: videos per RSS/Atom feed */
  guint feed_max_age_s; /* feeds.max_age_seconds: how long readers and proxies may cache one */
} ReelConfig;

ReelConfig *reel_config_new (void);
void reel_config_free (ReelConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelConfig, reel_config_free)

/* Applies every key of a key file. */
gboolean reel_config_load_file (ReelConfig *cfg, const char *path, GError **error);
/* The same for a key file's text (len bytes, or -1 when NUL-terminated);
 * origin names it in errors. */
gboolean reel_config_load_data (ReelConfig *cfg, const char *data, gsize len, const char *origin,
                                GError **error);

/* The path of a sub-directory of the data directory (lmdb, blobs, nats, ...). */
char *reel_config_data_path (const ReelConfig *cfg, const char *sub);

G_END_DECLS
