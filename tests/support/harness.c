/* See harness.h. */
#include "harness.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <nats/nats.h>
#include <math.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/* A test that fails aborts; its servers must not outlive it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocessLauncher *
reel_test_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  return l;
}

#define READY_TIMEOUT_MS 30000

const char *
reel_test_env (const char *name)
{
  const char *v = g_getenv (name);
  if (!v)
    g_error ("environment variable %s is not set (run the tests through meson test)", name);
  return v;
}

guint16
reel_test_free_port (void)
{
  g_autoptr (GSocket) sock
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_assert_true (g_socket_bind (sock, any, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

char *
reel_test_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("reel-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
reel_test_rmtree (const char *dir)
{
  const char *argv[] = { "rm", "-rf", "--one-file-system", dir, NULL };
  int status;
  g_free (reel_test_run (argv, &status));
}

char *
reel_test_run (const char *const *argv, int *status)
{
  return reel_test_run_env (argv, NULL, NULL, status);
}

char *
reel_test_run_env (const char *const *argv, const char *const *env, char **err, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE
      | (err ? G_SUBPROCESS_FLAGS_STDERR_PIPE : G_SUBPROCESS_FLAGS_STDERR_MERGE));
  g_autoptr (GSubprocess) p = NULL;
  char *out = NULL;
  for (guint i = 0; env && env[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (env[i], "=", 2);
      g_subprocess_launcher_setenv (l, kv[0], kv[1] ? kv[1] : "", TRUE);
    }
  p = g_subprocess_launcher_spawnv (l, argv, &error);
  if (!p || !g_subprocess_communicate_utf8 (p, NULL, NULL, &out, err, &error))
    {
      g_printerr ("cannot run %s: %s\n", argv[0], error->message);
      *status = -1;
      return NULL;
    }
  *status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  return out;
}

gboolean
reel_test_port_open (guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

/* The nats-server started last (or what a test named with
 * reel_test_jobs_nats): where a stalled wait looks for its jobs. */
static char *last_nats_url;

void
reel_test_jobs_nats (const char *urls)
{
  g_free (last_nats_url);
  last_nats_url = g_strdup (urls);
}

static GSubprocess *
nats_spawn (ReelTestNats *n)
{
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", n->port);
  GSubprocess *p
      = g_subprocess_launcher_spawn (l, &error, "nats-server", "-js", "-a", "127.0.0.1", "-p", port,
                                     "-sd", n->dir, n->token ? "--auth" : NULL, n->token, NULL);
  g_assert_no_error (error);
  return p;
}

ReelTestNats *
reel_test_nats_start (void)
{
  return reel_test_nats_start_token (NULL);
}

ReelTestNats *
reel_test_nats_start_token (const char *token)
{
  ReelTestNats *n = g_new0 (ReelTestNats, 1);
  n->token = g_strdup (token);
  n->port = reel_test_free_port ();
  n->dir = reel_test_tmpdir ();
  n->url = g_strdup_printf ("nats://127.0.0.1:%u", n->port);
  n->auth_url
      = token ? g_strdup_printf ("nats://%s@127.0.0.1:%u", token, n->port) : g_strdup (n->url);
  g_free (last_nats_url);
  last_nats_url = g_strdup (n->auth_url);
  n->proc = nats_spawn (n);
  for (int i = 0; i < 300 && !reel_test_port_open (n->port); i++)
    g_usleep (20 * 1000);
  g_assert_true (reel_test_port_open (n->port));
  return n;
}

void
reel_test_nats_restart (ReelTestNats *n)
{
  g_subprocess_send_signal (n->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (n->proc, NULL, NULL));
  g_object_unref (n->proc);
  n->proc = nats_spawn (n);
}

void
reel_test_nats_stop (ReelTestNats *n)
{
  if (!n)
    return;
  g_subprocess_send_signal (n->proc, SIGTERM);
  g_subprocess_wait (n->proc, NULL, NULL);
  g_object_unref (n->proc);
  reel_test_rmtree (n->dir);
  g_free (n->dir);
  g_free (n->url);
  g_free (n->token);
  g_free (n->auth_url);
  g_free (n);
}

char *
reel_test_embedded_nats_url (const char *data_dir)
{
  g_autofree char *token_file = g_build_filename (data_dir, "nats", "token", NULL);
  g_autofree char *conf_file = g_build_filename (data_dir, "nats", "nats-server.conf", NULL);
  g_autofree char *token = NULL, *conf = NULL;
  const char *listen;
  guint port = 0;
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  g_assert_true (g_file_get_contents (conf_file, &conf, NULL, NULL));
  listen = strstr (conf, "listen: 127.0.0.1:");
  g_assert_nonnull (listen);
  g_assert_cmpint (sscanf (listen, "listen: 127.0.0.1:%u", &port), ==, 1);
  return g_strdup_printf ("nats://%s@127.0.0.1:%u", g_strstrip (token), port);
}

GSubprocess *
reel_test_spawn (const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GError) error = NULL;
  GSubprocess *p = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  return p;
}

/* reeld's default adult-content classifier runs nsfwjs on every upload:
 * seconds of CPU each, which every other test would pay. A test that wants
 * a classifier names one in its config; the others get none. Returns the
 * config file the harness wrote for reeld to read instead: config_file with
 * that setting added (a copy beside it), or a new one when there was none;
 * NULL when config_file names a classifier itself. */
static char *
config_without_classifier (const char *config_file)
{
  static const char off[] = "\n[checks]\nclassifier_command =\n";
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  char *path;
  int fd;

  if (config_file)
    {
      g_assert_true (g_file_get_contents (config_file, &text, NULL, NULL));
      if (strstr (text, "classifier_command"))
        return NULL;
      path = g_strconcat (config_file, ".harness", NULL);
    }
  else
    {
      fd = g_file_open_tmp ("reel-test-XXXXXX.conf", &path, &error);
      g_assert_no_error (error);
      close (fd);
    }
  {
    g_autofree char *merged = g_strconcat (text ? text : "", off, NULL);
    g_assert_true (g_file_set_contents (path, merged, -1, NULL));
  }
  return path;
}

static ReelTestReeld *
reeld_spawn (const char *data_dir, const char *nats_url, const char *const *env,
             const char *const *args)
{
  ReelTestReeld *d = g_new0 (ReelTestReeld, 1);
  /* reeld prints the URL to open on stdout, which is the TAP stream here;
   * its log goes to stderr and stays visible. */
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  gboolean given_config = FALSE;

  d->port = reel_test_free_port ();
  d->data_dir = g_strdup (data_dir);
  d->nats_url = g_strdup (nats_url);
  for (guint i = 0; env && env[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (env[i], "=", 2);
      g_subprocess_launcher_setenv (l, kv[0], kv[1], TRUE);
    }
  g_ptr_array_add (argv, g_strdup (reel_test_env ("REEL_TEST_REELD")));
  g_ptr_array_add (argv, g_strdup_printf ("--data-dir=%s", data_dir));
  g_ptr_array_add (argv, g_strdup_printf ("--listen=127.0.0.1:%u", d->port));
  if (nats_url)
    g_ptr_array_add (argv, g_strdup_printf ("--nats-url=%s", nats_url));
  for (guint i = 0; args && args[i]; i++)
    {
      if (g_str_has_prefix (args[i], "--config="))
        {
          given_config = TRUE;
          d->config = config_without_classifier (args[i] + strlen ("--config="));
        }
      g_ptr_array_add (argv, d->config && g_str_has_prefix (args[i], "--config=")
                                 ? g_strdup_printf ("--config=%s", d->config)
                                 : g_strdup (args[i]));
    }
  if (!given_config)
    {
      d->config = config_without_classifier (NULL);
      g_ptr_array_add (argv, g_strdup_printf ("--config=%s", d->config));
    }
  g_ptr_array_add (argv, NULL);
  d->proc = g_subprocess_launcher_spawnv (l, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  return d;
}

ReelTestReeld *
reel_test_reeld_spawn_args (const char *data_dir, const char *nats_url, const char *const *env,
                            const char *const *args)
{
  return reeld_spawn (data_dir, nats_url, env, args);
}

ReelTestReeld *
reel_test_reeld_start_config (const char *data_dir, const char *nats_url, const char *config_file)
{
  g_autofree char *arg = g_strdup_printf ("--config=%s", config_file);
  const char *args[] = { arg, NULL };
  return reel_test_reeld_start_args (data_dir, nats_url, NULL, args);
}

gboolean
reel_test_reeld_wait_ready (ReelTestReeld *d, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", "/readyz", NULL, NULL, 0);
      if (r->status == 200)
        return TRUE;
      if (!g_subprocess_get_identifier (d->proc))
        return FALSE; /* exited */
      g_usleep (20 * 1000);
    }
  return FALSE;
}

ReelTestReeld *
reel_test_reeld_start (const char *data_dir, const char *nats_url, const char *const *env)
{
  ReelTestReeld *d = reeld_spawn (data_dir, nats_url, env, NULL);
  g_assert_true (reel_test_reeld_wait_ready (d, READY_TIMEOUT_MS));
  return d;
}

ReelTestReeld *
reel_test_reeld_start_args (const char *data_dir, const char *nats_url, const char *const *env,
                            const char *const *args)
{
  ReelTestReeld *d = reeld_spawn (data_dir, nats_url, env, args);
  g_assert_true (reel_test_reeld_wait_ready (d, READY_TIMEOUT_MS));
  return d;
}

int
reel_test_reeld_stop (ReelTestReeld *d)
{
  g_subprocess_send_signal (d->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (d->proc, NULL, NULL));
  return g_subprocess_get_if_exited (d->proc) ? g_subprocess_get_exit_status (d->proc) : -1;
}

int
reel_test_reeld_wait_killed (ReelTestReeld *d)
{
  g_assert_true (g_subprocess_wait (d->proc, NULL, NULL));
  return g_subprocess_get_if_signaled (d->proc) ? g_subprocess_get_term_sig (d->proc) : 0;
}

void
reel_test_reeld_free (ReelTestReeld *d)
{
  if (!d)
    return;
  if (g_subprocess_get_identifier (d->proc))
    {
      g_subprocess_send_signal (d->proc, SIGKILL);
      g_subprocess_wait (d->proc, NULL, NULL);
    }
  g_object_unref (d->proc);
  if (d->config)
    g_unlink (d->config);
  g_free (d->config);
  g_free (d->data_dir);
  g_free (d->nats_url);
  g_free (d);
}

void
reel_test_response_free (ReelTestResponse *r)
{
  if (!r)
    return;
  g_free (r->body);
  g_free (r->content_type);
  if (r->json)
    json_node_unref (r->json);
  g_clear_pointer (&r->headers, g_hash_table_unref);
  g_free (r);
}

ReelTestResponse *
reel_test_http (guint16 port, const char *method, const char *path, const char *token,
                const char *body, gsize body_len)
{
  return reel_test_http_full (port, method, path, token, NULL, NULL, body,
                              body && !body_len ? strlen (body) : body_len);
}

static void
collect_header (const char *name, const char *value, gpointer data)
{
  g_hash_table_insert (data, g_ascii_strdown (name, -1), g_strdup (value));
}

ReelTestResponse *
reel_test_http_full (guint16 port, const char *method, const char *path, const char *token,
                     const char *const *headers, const char *content_type, const void *body,
                     gsize body_len)
{
  static SoupSession *session;
  ReelTestResponse *r = g_new0 (ReelTestResponse, 1);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) resp = NULL;
  g_autoptr (GError) error = NULL;
  SoupMessageHeaders *rh;

  if (!session)
    session = soup_session_new_with_options ("timeout", 60, "max-conns-per-host", 16, NULL);
  g_assert_nonnull (msg);
  r->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (token)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i],
                                  headers[i + 1]);
  if (body)
    {
      g_autoptr (GBytes) b = g_bytes_new (body, body_len);
      soup_message_set_request_body_from_bytes (
          msg, content_type ? content_type : "application/json", b);
    }
  resp = soup_session_send_and_read (session, msg, NULL, &error);
  if (!resp)
    return r; /* status 0: no answer */
  r->status = soup_message_get_status (msg);
  r->body_len = g_bytes_get_size (resp);
  r->body = g_malloc (r->body_len + 1);
  if (r->body_len)
    memcpy (r->body, g_bytes_get_data (resp, NULL), r->body_len);
  r->body[r->body_len] = '\0';
  rh = soup_message_get_response_headers (msg);
  soup_message_headers_foreach (rh, collect_header, r->headers);
  r->content_type = g_strdup (soup_message_headers_get_content_type (rh, NULL));
  if (r->content_type && g_str_equal (r->content_type, "application/json"))
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      if (json_parser_load_from_data (p, r->body, -1, NULL) && json_parser_get_root (p))
        r->json = json_node_ref (json_parser_get_root (p));
    }
  return r;
}

guint
reel_test_raw_get (guint16 port, const char *path, char **body)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  g_autofree char *req
      = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  g_autoptr (GByteArray) in = g_byte_array_new ();
  guint8 buf[4096];
  gssize n;
  guint status = 0;
  const char *sep;

  *body = g_strdup ("");
  g_assert_nonnull (conn);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req,
                                            strlen (req), NULL, NULL, NULL));
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
                                   sizeof buf, NULL, NULL))
         > 0)
    g_byte_array_append (in, buf, (guint)n);
  g_byte_array_append (in, (const guint8 *)"", 1);
  if (sscanf ((const char *)in->data, "HTTP/1.%*d %u", &status) != 1)
    return 0;
  sep = strstr ((const char *)in->data, "\r\n\r\n");
  if (sep)
    {
      g_free (*body);
      *body = g_strdup (sep + 4);
    }
  return status;
}

const char *
reel_test_header (ReelTestResponse *r, const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (r->headers, lower);
}

const char *
reel_test_json_str (ReelTestResponse *r, const char *member)
{
  if (!r->json || !JSON_NODE_HOLDS_OBJECT (r->json))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (r->json), member, NULL);
}

const char *
reel_test_error_code (ReelTestResponse *r)
{
  if (!r->json || !JSON_NODE_HOLDS_OBJECT (r->json))
    return NULL;
  JsonObject *o = json_node_get_object (r->json);
  JsonObject *e = json_object_get_object_member (o, "error");
  if (!e)
    return NULL;
  g_assert_nonnull (json_object_get_string_member_with_default (e, "message", NULL));
  return json_object_get_string_member_with_default (e, "code", NULL);
}

char *
reel_test_register_login (guint16 port, const char *username, const char *password)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr (ReelTestResponse) reg = reel_test_http (port, "POST", "/api/v1/users", NULL, body, 0);
  g_assert_cmpuint (reg->status, ==, 201);
  g_autoptr (ReelTestResponse) login
      = reel_test_http (port, "POST", "/api/v1/sessions", NULL, body, 0);
  g_assert_cmpuint (login->status, ==, 201);
  g_assert_nonnull (reel_test_json_str (login, "token"));
  return g_strdup (reel_test_json_str (login, "token"));
}

/* The fields of /proc/PID/stat after "pid (comm) ", the state first
 * (comm may hold spaces and parentheses); NULL once pid is gone. */
static char *
stat_after_comm (const char *pid)
{
  g_autofree char *path = pid ? g_strdup_printf ("/proc/%s/stat", pid) : NULL;
  g_autofree char *text = NULL;
  const char *end;
  if (!path || !g_file_get_contents (path, &text, NULL, NULL) || !(end = strrchr (text, ')'))
      || end[1] != ' ')
    return NULL;
  return g_strdup (end + 2);
}

char
reel_test_proc_state (const char *pid)
{
  g_autofree char *fields = stat_after_comm (pid);
  return fields ? fields[0] : 0;
}

double
reel_test_cpu_seconds (GSubprocess *proc, gboolean children)
{
  g_autofree char *fields = stat_after_comm (g_subprocess_get_identifier (proc));
  g_auto (GStrv) f = NULL;
  double ticks = 0;
  if (!fields)
    return NAN;
  /* After "(comm)": state is field 3; utime, stime, cutime, cstime 14-17. */
  f = g_strsplit (fields, " ", -1);
  if (g_strv_length (f) < 15)
    return NAN;
  for (guint i = 11; i <= (children ? 14u : 12u); i++)
    ticks += g_ascii_strtod (f[i], NULL);
  return ticks / sysconf (_SC_CLK_TCK);
}

GStrv
reel_test_children (GSubprocess *proc)
{
  const char *pid = g_subprocess_get_identifier (proc);
  g_autofree char *tasks = pid ? g_strdup_printf ("/proc/%s/task", pid) : NULL;
  g_autoptr (GDir) d = tasks ? g_dir_open (tasks, 0, NULL) : NULL;
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();
  const char *task;
  while (d && (task = g_dir_read_name (d)))
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/children", tasks, task);
      g_autofree char *text = NULL;
      g_auto (GStrv) kids = NULL;
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      kids = g_strsplit (g_strstrip (text), " ", -1);
      for (guint i = 0; kids[i]; i++)
        if (*kids[i])
          g_strv_builder_add (out, kids[i]);
    }
  return g_strv_builder_end (out);
}

char *
reel_test_media_path (void)
{
  g_autofree char *dir = g_path_get_dirname (reel_test_env ("REEL_TEST_REEL"));
  return g_build_filename (dir, "reel-media", NULL);
}

JsonObject *
reel_test_media_result (const char *request)
{
  g_autofree char *media = reel_test_media_path ();
  g_autofree char *script = g_strdup_printf ("echo '%s' | %s", request, media);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  g_autofree char *out = reel_test_run_ok (argv);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *o;
      if (!*lines[i] || !json_parser_load_from_data (p, lines[i], -1, NULL))
        continue;
      o = json_node_get_object (json_parser_get_root (p));
      g_assert_false (json_object_has_member (o, "error"));
      if (json_object_has_member (o, "result"))
        return json_object_ref (json_object_get_object_member (o, "result"));
    }
  g_error ("reel-media did not answer %s: %s", request, out);
}

char *
reel_test_proc_name (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/comm", pid);
  char *comm = NULL;
  if (!g_file_get_contents (path, &comm, NULL, NULL))
    return NULL;
  return g_strchomp (comm);
}

double
reel_test_metric (guint16 port, const char *series)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", "/metrics", NULL, NULL, 0);
  g_auto (GStrv) lines = NULL;
  gsize n = strlen (series);
  g_assert_cmpuint (r->status, ==, 200);
  lines = g_strsplit (r->body, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], series) && lines[i][n] == ' ')
      return g_ascii_strtod (lines[i] + n + 1, NULL);
  return -1;
}

/* How long a reading of a stream waits for its server: reeld restarts an
 * embedded nats-server that died 500 ms later, and JetStream then
 * recovers its streams (the fault suite kills it at random). */
#define STREAM_INFO_WAIT_US (15 * G_USEC_PER_SEC)

/* Opens a JetStream context on url and reads a stream's info, waiting
 * (bounded) for a server that is restarting. */
static jsStreamInfo *
stream_info (const char *url, const char *stream, natsConnection **nc, jsCtx **js)
{
  gint64 deadline = g_get_monotonic_time () + STREAM_INFO_WAIT_US;
  jsStreamInfo *si = NULL;
  natsStatus s;
  while ((s = natsConnection_ConnectTo (nc, url)) != NATS_OK && g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  g_assert_cmpint (s, ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (js, *nc, NULL), ==, NATS_OK);
  while ((s = js_GetStreamInfo (&si, *js, stream, NULL, NULL)) != NATS_OK
         && g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  g_assert_cmpint (s, ==, NATS_OK);
  return si;
}

guint64
reel_test_stream_last_seq (const char *url, const char *stream)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsStreamInfo *si = stream_info (url, stream, &nc, &js);
  guint64 last = si->State.LastSeq;
  jsStreamInfo_Destroy (si);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
  return last;
}

GPtrArray *
reel_test_stream_log (const char *url, const char *stream, guint64 *last_seq)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsStreamInfo *si = stream_info (url, stream, &nc, &js);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  *last_seq = si->State.LastSeq;
  for (guint64 seq = si->State.FirstSeq; seq <= si->State.LastSeq && seq > 0; seq++)
    {
      natsMsg *m = NULL;
      g_autofree char *text = NULL;
      g_auto (GStrv) records = NULL;
      g_assert_cmpint (js_GetMsg (&m, js, stream, seq, NULL, NULL), ==, NATS_OK);
      text = g_strndup (natsMsg_GetData (m), natsMsg_GetDataLength (m));
      /* One record a line: a message of viewer actions holds a batch's of
       * one video (app/analytics/actions.h). */
      records = g_strsplit (text, "\n", -1);
      for (guint i = 0; records[i]; i++)
        g_ptr_array_add (lines, g_strdup (records[i]));
      natsMsg_Destroy (m);
    }
  jsStreamInfo_Destroy (si);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
  return lines;
}

GPtrArray *
reel_test_event_log (const char *url, guint64 *last_seq)
{
  return reel_test_stream_log (url, "REEL_EVENTS", last_seq);
}

void
reel_test_wait_actions_applied (guint16 port, const char *nats_url)
{
  const char *const projections[] = { "views", "analytics", "related" };
  guint64 last = reel_test_stream_last_seq (nats_url, "REEL_ACTIONS");
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  for (guint i = 0; i < G_N_ELEMENTS (projections); i++)
    {
      g_autofree char *series
          = g_strdup_printf ("reel_projection_applied_sequence{projection=\"%s\"}", projections[i]);
      while (reel_test_metric (port, series) < (double)last)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_usleep (20 * 1000);
        }
    }
}

/* Runs a validator script over lines (one JSON document each) and asserts
 * it exits 0. */
static void
validate_lines (GPtrArray *lines, const char *script, const char *option)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "lines.jsonl", NULL);
  g_autoptr (GString) all = g_string_new (NULL);
  g_autofree char *out = NULL;
  int status;
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (all, "%s\n", (char *)lines->pdata[i]);
  g_assert_true (g_file_set_contents (file, all->str, -1, NULL));
  {
    const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                           reel_test_env (script),
                           option ? option : reel_test_env ("REEL_TEST_SCHEMA_DIR"),
                           option ? reel_test_env ("REEL_TEST_SCHEMA_DIR") : file,
                           option ? file : NULL,
                           NULL };
    out = reel_test_run (argv, &status);
  }
  g_test_message ("%s", out ? out : "");
  g_assert_cmpint (status, ==, 0);
  reel_test_rmtree (dir);
}

void
reel_test_validate_events (GPtrArray *lines)
{
  validate_lines (lines, "REEL_TEST_VALIDATE_EVENTS", NULL);
}

void
reel_test_validate_actions (GPtrArray *lines)
{
  validate_lines (lines, "REEL_TEST_VALIDATE_ACTIONS", "--records");
}

char *
reel_test_dump_lmdb (const char *data_dir)
{
  g_autofree char *lmdb = g_build_filename (data_dir, "lmdb", NULL);
  const char *argv[] = { "mdb_dump", "-a", "-p", lmdb, NULL };
  int status;
  char *out = reel_test_run (argv, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (out);
  return out;
}

static void
list_below (const char *root, const char *rel, GPtrArray *out)
{
  g_autofree char *dir = g_build_filename (root, rel, NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *key = *rel ? g_strconcat (rel, "/", name, NULL) : g_strdup (name);
      g_autofree char *path = g_build_filename (root, key, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        list_below (root, key, out);
      else
        g_ptr_array_add (out, g_steal_pointer (&key));
    }
}

void
reel_test_list_files (const char *root, GPtrArray *out)
{
  list_below (root, "", out);
}

char *
reel_test_run_ok (const char *const *argv)
{
  int status;
  char *out = reel_test_run (argv, &status);
  if (status != 0)
    g_printerr ("%s failed:\n%s\n", argv[0], out ? out : "");
  g_assert_cmpint (status, ==, 0);
  return out;
}

void
reel_test_assert_decodes (const char *url)
{
  const char *argv[]
      = { "ffmpeg", "-nostdin", "-v", "error", "-i", url, "-map", "0", "-f", "null", "-", NULL };
  int status;
  g_autofree char *out = reel_test_run (argv, &status);
  if (status != 0 || (out && *out))
    g_printerr ("ffmpeg on %s said:\n%s\n", url, out ? out : "");
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
}

char *
reel_test_make_media (const char *dir, const char *name, const char *pipeline)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *line = g_strdup_printf (pipeline, path);
  g_autofree char *cmd = g_strdup_printf ("gst-launch-1.0 -q -e %s", line);
  g_auto (GStrv) argv = NULL;
  g_autofree char *out = NULL;
  int status;
  g_assert_true (g_shell_parse_argv (cmd, NULL, &argv, NULL));
  out = reel_test_run ((const char *const *)argv, &status);
  if (status != 0)
    g_printerr ("%s\n%s\n", cmd, out ? out : "");
  g_assert_cmpint (status, ==, 0);
  return g_steal_pointer (&path);
}

char *
reel_test_tus_create (guint16 port, const char *token, gsize size, const char *title)
{
  g_autofree char *len = g_strdup_printf ("%zu", size);
  g_autofree char *t = g_base64_encode ((const guchar *)title, strlen (title));
  g_autofree char *f = g_base64_encode ((const guchar *)"clip.mp4", 8);
  g_autofree char *meta = g_strdup_printf ("title %s,filename %s", t, f);
  const char *h[]
      = { "Tus-Resumable", "1.0.0", "Upload-Length", len, "Upload-Metadata", meta, NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "POST", "/api/v1/uploads", token, h, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpstr (reel_test_header (r, "Tus-Resumable"), ==, "1.0.0");
  const char *id = reel_test_header (r, "Reel-Video-Id");
  g_assert_nonnull (id);
  g_autofree char *loc = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_assert_cmpstr (reel_test_header (r, "Location"), ==, loc);
  return g_strdup (id);
}

ReelTestResponse *
reel_test_tus_patch (guint16 port, const char *token, const char *id, guint64 offset,
                     const void *data, gsize len)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_autofree char *off = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
  const char *h[] = { "Tus-Resumable", "1.0.0", "Upload-Offset", off, NULL };
  return reel_test_http_full (port, "PATCH", path, token, h, "application/offset+octet-stream",
                              data, len);
}

char *
reel_test_tus_upload (guint16 port, const char *token, const char *path, const char *title)
{
  g_autofree char *data = NULL;
  gsize len, half;
  char *id;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  id = reel_test_tus_create (port, token, len, title);
  half = len / 2;
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (port, token, id, 0, data, half);
    g_assert_cmpuint (r->status, ==, 204);
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_tus_patch (port, token, id, half, data + half, len - half);
    g_assert_cmpuint (r->status, ==, 204);
  }
  return id;
}

char *
reel_test_upload (guint16 port, const char *token, const char *path, const char *title)
{
  return reel_test_upload_private (port, token, path, title, NULL);
}

char *
reel_test_upload_private (guint16 port, const char *token, const char *path, const char *title,
                          const char *privacy)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (SoupMultipart) mp = soup_multipart_new ("multipart/form-data");
  g_autoptr (GBytes) file = NULL, body = NULL;
  SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  g_autofree char *ctype = NULL, *base = g_path_get_basename (path);

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  file = g_bytes_new_take (g_steal_pointer (&data), len);
  soup_multipart_append_form_string (mp, "title", title);
  if (privacy)
    soup_multipart_append_form_string (mp, "privacy", privacy);
  soup_multipart_append_form_file (mp, "file", base, "application/octet-stream", file);
  soup_multipart_to_message (mp, h, &body);
  ctype = g_strdup (soup_message_headers_get_one (h, "Content-Type"));
  soup_message_headers_unref (h);
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "POST", "/api/v1/videos", token, NULL, ctype,
                             g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (reel_test_json_str (r, "id"));
}

ReelTestResponse *
reel_test_wait_state (guint16 port, const char *id, const char *states, guint timeout_s)
{
  return reel_test_wait_state_as (port, NULL, id, states, timeout_s);
}

/* What the job queue holds, for a wait that timed out: each consumer's
 * pending, in-flight and redelivered counts and every job still queued
 * (a stalled video is a lost job or a job that keeps failing). */
static void
dump_jobs (void)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsConsumerInfoList *consumers = NULL;
  jsStreamInfo *si = NULL;

  if (!last_nats_url || natsConnection_ConnectTo (&nc, last_nats_url) != NATS_OK)
    return;
  if (natsConnection_JetStream (&js, nc, NULL) == NATS_OK
      && js_Consumers (&consumers, js, "REEL_JOBS", NULL, NULL) == NATS_OK)
    {
      for (int i = 0; i < consumers->Count; i++)
        {
          const jsConsumerInfo *c = consumers->List[i];
          g_printerr ("jobs consumer %s: pending %" G_GUINT64_FORMAT
                      ", ack pending %" G_GINT64_FORMAT ", redelivered %" G_GINT64_FORMAT
                      ", waiting %" G_GINT64_FORMAT ", delivered up to %" G_GUINT64_FORMAT
                      ", acked up to %" G_GUINT64_FORMAT "\n",
                      c->Name, c->NumPending, c->NumAckPending, c->NumRedelivered, c->NumWaiting,
                      c->Delivered.Stream, c->AckFloor.Stream);
        }
      jsConsumerInfoList_Destroy (consumers);
    }
  if (js && js_GetStreamInfo (&si, js, "REEL_JOBS", NULL, NULL) == NATS_OK)
    {
      for (guint64 seq = si->State.FirstSeq; seq <= si->State.LastSeq && seq > 0; seq++)
        {
          natsMsg *m = NULL;
          if (js_GetMsg (&m, js, "REEL_JOBS", seq, NULL, NULL) != NATS_OK)
            continue;
          g_printerr ("queued job %" G_GUINT64_FORMAT " on %s\n", seq, natsMsg_GetSubject (m));
          natsMsg_Destroy (m);
        }
      jsStreamInfo_Destroy (si);
    }
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
}

ReelTestResponse *
reel_test_wait_state_as (guint16 port, const char *token, const char *id, const char *states,
                         guint timeout_s)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_auto (GStrv) wanted = g_strsplit (states, "|", -1);
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_s * G_USEC_PER_SEC;
  g_autofree char *last = NULL;
  while (g_get_monotonic_time () < deadline)
    {
      ReelTestResponse *r = reel_test_http (port, "GET", path, token, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      if (g_strv_contains ((const char *const *)wanted, reel_test_json_str (r, "state")))
        return r;
      g_free (last);
      last = g_strdup (r->body);
      reel_test_response_free (r);
      g_usleep (50 * 1000);
    }
  dump_jobs ();
  g_error ("video %s did not reach %s in %u s; last: %s", id, states, timeout_s, last);
}

/* --- S3 --- */

static void
wait_port (guint16 port, const char *what)
{
  /* node starts in well under a second, but the machine may be busy. */
  for (int i = 0; i < 1500 && !reel_test_port_open (port); i++)
    g_usleep (20 * 1000);
  if (!reel_test_port_open (port))
    g_error ("%s did not start listening on port %u", what, port);
}

static void
s3rver_spawn (ReelTestS3 *s3)
{
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", s3->port);
  /* s3rver makes its listing continuation tokens with DES, which OpenSSL 3
   * keeps in its legacy provider. */
  g_subprocess_launcher_setenv (l, "NODE_OPTIONS", "--openssl-legacy-provider", TRUE);
  s3->proc = g_subprocess_launcher_spawn (
      l, &error, reel_test_env ("REEL_TEST_S3RVER"), "--silent", "-d", s3->dir, "-a", "127.0.0.1",
      "-p", port, "--service-endpoint", "localhost", "--configure-bucket", s3->bucket, NULL);
  g_assert_no_error (error);
  wait_port (s3->port, "s3rver");
}

ReelTestS3 *
reel_test_s3_start (const char *bucket)
{
  ReelTestS3 *s3 = g_new0 (ReelTestS3, 1);
  s3->port = reel_test_free_port ();
  s3->dir = reel_test_tmpdir ();
  s3->bucket = g_strdup (bucket);
  s3->url = g_strdup_printf ("http://127.0.0.1:%u", s3->port);
  s3rver_spawn (s3);
  return s3;
}

void
reel_test_s3_pause (ReelTestS3 *s3)
{
  g_subprocess_send_signal (s3->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (s3->proc, NULL, NULL));
  g_clear_object (&s3->proc);
}

void
reel_test_s3_resume (ReelTestS3 *s3)
{
  s3rver_spawn (s3);
}

void
reel_test_s3_stop (ReelTestS3 *s3)
{
  if (!s3)
    return;
  if (s3->proc)
    reel_test_s3_pause (s3);
  reel_test_rmtree (s3->dir);
  g_free (s3->dir);
  g_free (s3->url);
  g_free (s3->bucket);
  g_free (s3);
}

char *
reel_test_aws (ReelTestS3 *s3, const char *region, const char *const *args, int *status)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *region_env = g_strdup_printf ("AWS_DEFAULT_REGION=%s", region);
  g_autofree char *err = NULL;
  char *out;
  /* Only these credentials: nothing from the user's ~/.aws. */
  const char *env[] = { "AWS_ACCESS_KEY_ID=" REEL_TEST_S3_ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY=" REEL_TEST_S3_SECRET_KEY,
                        region_env,
                        "AWS_CONFIG_FILE=/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                        "AWS_EC2_METADATA_DISABLED=true",
                        "AWS_PAGER=",
                        NULL };
  g_ptr_array_add (argv, (gpointer)reel_test_env ("REEL_TEST_AWS"));
  g_ptr_array_add (argv, (gpointer) "--endpoint-url");
  g_ptr_array_add (argv, s3->url);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  out = reel_test_run_env ((const char *const *)argv->pdata, env, &err, status);
  if (*status != 0)
    {
      g_free (out);
      return g_steal_pointer (&err);
    }
  return out;
}

ReelTestS3Proxy *
reel_test_s3_proxy_start (guint16 upstream_port)
{
  ReelTestS3Proxy *p = g_new0 (ReelTestS3Proxy, 1);
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *port = NULL, *upstream = g_strdup_printf ("%u", upstream_port);
  const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                         reel_test_env ("REEL_TEST_S3_PROXY"),
                         NULL,
                         upstream,
                         NULL,
                         NULL };
  p->port = reel_test_free_port ();
  p->log = g_build_filename (dir, "requests.jsonl", NULL);
  p->url = g_strdup_printf ("http://127.0.0.1:%u", p->port);
  port = g_strdup_printf ("%u", p->port);
  argv[2] = port;
  argv[4] = p->log;
  g_assert_true (g_file_set_contents (p->log, "", 0, NULL));
  p->proc = reel_test_spawn (argv);
  wait_port (p->port, "s3_proxy.py");
  return p;
}

void
reel_test_s3_proxy_fault (ReelTestS3Proxy *p, const char *fault)
{
  g_autofree char *path = g_strdup_printf ("/__proxy/%s", fault);
  g_autoptr (ReelTestResponse) r = reel_test_http (p->port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
}

GPtrArray *
reel_test_s3_proxy_requests (ReelTestS3Proxy *p)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  g_assert_true (g_file_get_contents (p->log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      {
        g_autoptr (JsonNode) node = json_from_string (lines[i], NULL);
        g_assert_nonnull (node);
        g_ptr_array_add (out, json_object_ref (json_node_get_object (node)));
      }
  return out;
}

char *
reel_test_s3_proxy_check_signatures (ReelTestS3Proxy *p, const char *access_key,
                                     const char *secret_key, const char *region, int *status)
{
  const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                         reel_test_env ("REEL_TEST_CHECK_SIGV4"),
                         p->log,
                         access_key,
                         secret_key,
                         region,
                         NULL };
  return reel_test_run (argv, status);
}

void
reel_test_s3_proxy_stop (ReelTestS3Proxy *p)
{
  g_autofree char *dir = NULL;
  if (!p)
    return;
  g_subprocess_send_signal (p->proc, SIGTERM);
  g_subprocess_wait (p->proc, NULL, NULL);
  g_object_unref (p->proc);
  dir = g_path_get_dirname (p->log);
  reel_test_rmtree (dir);
  g_free (p->log);
  g_free (p->url);
  g_free (p);
}
