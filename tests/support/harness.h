/* Test harness for integration tests: real nats-server and real reeld
 * processes on free loopback ports, in throw-away data directories, and a
 * small synchronous HTTP client (libsoup) that talks to them like any
 * client would. Every process is started here and stopped here by its pid.
 *
 * Made of: harness.c (processes: nats-server, reeld, commands, /proc),
 * client.c (HTTP as a client talks it: requests, uploads, waits),
 * streams.c (the JetStream streams, the job queue, LMDB dumps, the
 * validators) and s3.c (the test S3 server and its proxy). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

guint16 reel_test_free_port (void);
/* Whether something accepts TCP connections on 127.0.0.1:port. */
gboolean reel_test_port_open (guint16 port);
/* A new empty directory, removed (recursively) by reel_test_rmtree. */
char *reel_test_tmpdir (void);
void reel_test_rmtree (const char *dir);

typedef struct
{
  GSubprocess *proc;
  guint16 port;
  char *dir;
  char *url;
  char *token;    /* the token it requires, or NULL (open) */
  char *auth_url; /* url with the token in it (nats://TOKEN@...), for the helpers below */
} ReelTestNats;

ReelTestNats *reel_test_nats_start (void);
/* A server that requires token (given on its command line: fine for a test). */
ReelTestNats *reel_test_nats_start_token (const char *token);
/* Stops the server and starts it again on the same port and store, as an
 * outage would (it may not answer yet when this returns). */
void reel_test_nats_restart (ReelTestNats *nats);
void reel_test_nats_stop (ReelTestNats *nats);

typedef struct
{
  GSubprocess *proc;
  guint16 port;
  char *data_dir;
  char *nats_url; /* NULL: reeld embeds its own */
  char *config;   /* a config file the harness wrote for it, or NULL (see reeld_spawn) */
} ReelTestReeld;

/* The embedded nats-server of the reeld that ran (or runs) on data_dir, as
 * nats://TOKEN@127.0.0.1:PORT (its token from DATA_DIR/nats/token, its port
 * from the config reeld wrote): a URL the NATS helpers below can use. */
char *reel_test_embedded_nats_url (const char *data_dir);

/* Starts reeld with extra environment entries (KEY=VALUE, may be NULL) and
 * waits until /readyz answers 200. */
ReelTestReeld *reel_test_reeld_start (const char *data_dir, const char *nats_url,
                                      const char *const *env);
/* The same with extra command-line arguments (e.g. "--config=FILE"). */
ReelTestReeld *reel_test_reeld_start_args (const char *data_dir, const char *nats_url,
                                           const char *const *env, const char *const *args);
/* Starts with a config file (--config) and waits for readiness. */
ReelTestReeld *reel_test_reeld_start_config (const char *data_dir, const char *nats_url,
                                             const char *config_file);
gboolean reel_test_reeld_wait_ready (ReelTestReeld *d, guint timeout_ms);
/* Starts reeld with extra command-line arguments too (may be NULL), without
 * waiting (for nodes without the api role, which serve no /readyz). */
ReelTestReeld *reel_test_reeld_spawn_args (const char *data_dir, const char *nats_url,
                                           const char *const *env, const char *const *args);
/* SIGTERM, wait; returns the exit status (-1 when it did not exit normally). */
int reel_test_reeld_stop (ReelTestReeld *d);
/* Waits for the process to end by itself; returns the terminating signal or 0. */
int reel_test_reeld_wait_killed (ReelTestReeld *d);
void reel_test_reeld_free (ReelTestReeld *d);

/* A launcher whose processes die with the test (an aborted assertion leaves
 * none behind): every process a test starts comes from one. */
GSubprocessLauncher *reel_test_launcher (GSubprocessFlags flags);
/* Starts a helper process that dies with the test (stdout silenced);
 * stop it with g_subprocess_send_signal + g_subprocess_wait. */
GSubprocess *reel_test_spawn (const char *const *argv);

/* Runs a program to completion; returns its stdout and stderr (NULL on failure) and
 * sets *status to its exit status. */
char *reel_test_run (const char *const *argv, int *status);
/* The same with extra environment entries (KEY=VALUE, may be NULL), and
 * stdout and stderr apart (*err may be NULL to merge them). */
char *reel_test_run_env (const char *const *argv, const char *const *env, char **err, int *status);

typedef struct
{
  guint status;
  char *body;     /* NUL-terminated, but may hold NULs (media) */
  gsize body_len; /* its bytes */
  JsonNode *json; /* NULL unless the body parsed as JSON */
  char *content_type;
  GHashTable *headers; /* lower-case name -> value */
} ReelTestResponse;

void reel_test_response_free (ReelTestResponse *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelTestResponse, reel_test_response_free)

/* One HTTP request to 127.0.0.1:port. status 0 means the connection failed. */
ReelTestResponse *reel_test_http (guint16 port, const char *method, const char *path,
                                  const char *token, const char *body, gsize body_len);

/* The same with a body made of body_fmt (NULL: none). */
ReelTestResponse *reel_test_httpf (guint16 port, const char *method, const char *path,
                                   const char *token, const char *body_fmt, ...)
    G_GNUC_PRINTF (5, 6);

/* GET path as token's user (NULL: anonymous), which must answer status;
 * prints the answer when it is another. */
ReelTestResponse *reel_test_get_status (guint16 port, const char *path, const char *token,
                                        guint status);

/* The same with extra request headers (name, value, ..., NULL) and a body
 * content type (default application/json). */
ReelTestResponse *reel_test_http_full (guint16 port, const char *method, const char *path,
                                       const char *token, const char *const *headers,
                                       const char *content_type, const void *body, gsize body_len);

/* GET of a path sent byte for byte as given (no client-side normalisation
 * of "..", percent-escapes or NULs), over a raw socket; returns the status
 * (0 when there was no answer) and the body. */
guint reel_test_raw_get (guint16 port, const char *path, char **body);

/* A response header (any case), or NULL. */
const char *reel_test_header (ReelTestResponse *r, const char *name);

/* A member of a JSON object response, or NULL.  */
const char *reel_test_json_str (ReelTestResponse *r, const char *member);
/* The error code of an error response ({"error":{"code":...}}), or NULL. */
const char *reel_test_error_code (ReelTestResponse *r);
/* Whether the items of a list (videos by "id", or entries naming one by
 * "video_id") include video. */
gboolean reel_test_items_have_video (JsonArray *items, const char *video);

/* Registers and logs in; returns the token. */
char *reel_test_register_login (guint16 port, const char *username, const char *password);

/* CPU-seconds (user + system) proc has used so far; with children, also
 * those of its children it has waited for. NAN once it has ended. */
double reel_test_cpu_seconds (GSubprocess *proc, gboolean children);

/* The pids (strings) of the processes proc started that are running,
 * from every one of its threads. */
GStrv reel_test_children (GSubprocess *proc);
/* The name of process pid (its /proc comm, what ps shows), or NULL once it
 * is gone. */
char *reel_test_proc_name (const char *pid);
/* reel-media, built beside reel (REEL_TEST_REEL). */
char *reel_test_media_path (void);
/* reel-media's "result" for request (one JSON line, no single quote);
 * fails the test when it answers an error or nothing. */
JsonObject *reel_test_media_result (const char *request);
/* The state of process pid as ps shows it ('R', 'S', 'T' when stopped,
 * ...), or 0 once it is gone. */
char reel_test_proc_state (const char *pid);

/* The value of one sample in reeld's /metrics (series is the exact text
 * before the value, e.g. `reel_x_total{a="b"}`), or -1 when absent. */
double reel_test_metric (guint16 port, const char *series);

/* Every message of the event log REEL_EVENTS on the NATS server at url, one
 * JSON envelope per element, and the stream's last sequence. */
GPtrArray *reel_test_event_log (const char *url, guint64 *last_seq);
/* The same for any stream (e.g. REEL_ACTIONS): one record per element, a
 * message of several records (one per line) giving several. */
GPtrArray *reel_test_stream_log (const char *url, const char *stream, guint64 *last_seq);
/* A stream's last sequence. */
guint64 reel_test_stream_last_seq (const char *url, const char *stream);

/* Asserts that every stored viewer action (REEL_ACTIONS) validates against
 * action-record.json and its action schema (tests/tools/validate_actions.py). */
void reel_test_validate_actions (GPtrArray *lines);

/* Waits until reeld's projections of the viewer actions (views, analytics,
 * related) have applied everything in REEL_ACTIONS, per /metrics. */
void reel_test_wait_actions_applied (guint16 port, const char *nats_url);

/* Asserts that every event validates against its JSON Schema in
 * data/schemas (tests/tools/validate_events.py, python3-jsonschema). */
void reel_test_validate_events (GPtrArray *lines);

/* `mdb_dump -a -p` of DATA_DIR/lmdb: a logical dump of every database. */
char *reel_test_dump_lmdb (const char *data_dir);

/* Adds the path (relative to root, "/"-separated) of every file below root
 * to out. */
void reel_test_list_files (const char *root, GPtrArray *out);

/* Runs a tool and asserts it exits 0 (printing its output otherwise);
 * returns its output. */
char *reel_test_run_ok (const char *const *argv);

/* ffmpeg decodes every stream of url (a playlist, a manifest, a file) with
 * no error and no warning at all; prints what it said otherwise. */
void reel_test_assert_decodes (const char *url);

/* The flags of ffmpeg's scale filter that make the reference a rendition's
 * quality is scored against: the source at the rendition's size, Lanczos,
 * rounded exactly. Without accurate_rnd swscale's 8-bit output is biased
 * (a flat 0 comes out 1), which SSIM weighs heavily in dark flat areas: on
 * SMPTE bars' pluge it gave any scaler that rounds exactly 0.983 where it
 * scores 0.999 against the exact reference, and swscale's own bicubic the
 * reverse. */
#define REEL_TEST_REFERENCE_SCALE "lanczos+accurate_rnd"

/* Makes a media file DIR/NAME with `gst-launch-1.0 -e PIPELINE`, where
 * pipeline contains one %s for the output path; returns the path. */
char *reel_test_make_media (const char *dir, const char *name, const char *pipeline);
/* DIR/hlg.mp4: frames of a flat grey at HLG's reference white (75 % of
 * its signal), 10-bit HEVC tagged BT.2100 HLG, as phones record HDR. */
char *reel_test_make_hlg_grey (const char *dir, int width, int height, int frames);
/* A launcher (reel_test_launcher) whose GStreamer tools find the build's
 * plugins, the reel elements among them. */
GSubprocessLauncher *reel_test_gst_launcher (GSubprocessFlags flags);
/* The mean luma of the first picture `gst-launch-1.0 HEAD` gives, as
 * 8-bit I420 (not dithered) scaled to 320x180, with the build's plugins:
 * for comparing flat pictures. */
double reel_test_gst_mean_luma (const char *head);

/* tus creation (POST /api/v1/uploads) of an upload of size bytes with a
 * title and the file name clip.mp4; asserts 201 and returns the video id. */
char *reel_test_tus_create (guint16 port, const char *token, gsize size, const char *title);
/* One tus PATCH of len bytes at offset. */
ReelTestResponse *reel_test_tus_patch (guint16 port, const char *token, const char *id,
                                       guint64 offset, const void *data, gsize len);
/* A whole file through tus, in two PATCH requests; returns the video id. */
char *reel_test_tus_upload (guint16 port, const char *token, const char *path, const char *title);

/* One-shot multipart upload (POST /api/v1/videos); returns the video id. */
char *reel_test_upload (guint16 port, const char *token, const char *path, const char *title);
/* The same with the privacy field (NULL: none, i.e. public). */
char *reel_test_upload_private (guint16 port, const char *token, const char *path,
                                const char *title, const char *privacy);

/* How long a small clip may take to become ready: longer than a media
 * child's stall limit (120 s, media/child_main.c) plus a retry, so a chunk
 * pipeline that stalls on a loaded machine (seen once in a while, not yet
 * understood) is recovered by the worker as in production, not reported
 * as a failure of whatever the test checks. */
#define REEL_TEST_READY_WAIT_S 300

/* GET /api/v1/videos/{id} until its state is one of the '|'-separated
 * states (e.g. "ready|failed"), for at most timeout_s; asserts it got there. */
ReelTestResponse *reel_test_wait_state (guint16 port, const char *id, const char *states,
                                        guint timeout_s);
/* The same asking as token's user (NULL: anonymous): a private video's
 * record answers only its owner and moderators. */
ReelTestResponse *reel_test_wait_state_as (guint16 port, const char *token, const char *id,
                                           const char *states, guint timeout_s);
/* The nats-server(s) (comma-separated URLs) whose job queue a wait that
 * times out prints; by default the one started last. */
void reel_test_jobs_nats (const char *urls);
/* Prints that job queue on stderr: each consumer's pending, in-flight and
 * redelivered counts and every job still queued. */
void reel_test_dump_jobs (void);

/* Environment lookups set by meson for the tests. */
const char *reel_test_env (const char *name);

/* --- S3 --- */

/* s3rver accepts these credentials (and checks no V4 signature: see
 * reel_test_s3_proxy_check_signatures). */
#define REEL_TEST_S3_ACCESS_KEY "S3RVER"
#define REEL_TEST_S3_SECRET_KEY "S3RVER"

typedef struct
{
  GSubprocess *proc;
  guint16 port;
  char *dir;
  char *url;    /* http://127.0.0.1:PORT */
  char *bucket; /* created at start */
} ReelTestS3;

/* Starts s3rver (npm) on a free loopback port with a new data directory and
 * one bucket; it also answers virtual-host requests for
 * BUCKET.s3.localhost:PORT. */
ReelTestS3 *reel_test_s3_start (const char *bucket);
/* Stops the server (connections are refused until it is started again). */
void reel_test_s3_pause (ReelTestS3 *s3);
/* Starts it again on the same port and data; returns once it accepts. */
void reel_test_s3_resume (ReelTestS3 *s3);
void reel_test_s3_stop (ReelTestS3 *s3);

/* Runs awscli (args after "aws --endpoint-url URL") against the server with
 * its credentials and region; returns stdout (stderr on failure) and sets
 * *status. */
char *reel_test_aws (ReelTestS3 *s3, const char *region, const char *const *args, int *status);

/* tests/tools/s3_proxy.py in front of an S3 server: records every request
 * in log (JSON lines) and injects faults on demand. */
typedef struct
{
  GSubprocess *proc;
  guint16 port;
  char *log;
  char *url; /* http://127.0.0.1:PORT */
} ReelTestS3Proxy;

ReelTestS3Proxy *reel_test_s3_proxy_start (guint16 upstream_port);
/* Arms a fault: "status?n=3&code=503", "cut?n=1&after=65536", "reset". */
void reel_test_s3_proxy_fault (ReelTestS3Proxy *p, const char *fault);
/* The recorded requests so far, one parsed JSON object each. */
GPtrArray *reel_test_s3_proxy_requests (ReelTestS3Proxy *p);
/* Recomputes the SigV4 signature of every recorded request with botocore
 * (tests/tools/check_sigv4.py); returns its summary line and sets *status
 * (0: all verified). */
char *reel_test_s3_proxy_check_signatures (ReelTestS3Proxy *p, const char *access_key,
                                           const char *secret_key, const char *region, int *status);
void reel_test_s3_proxy_stop (ReelTestS3Proxy *p);

G_END_DECLS
