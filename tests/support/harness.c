/* See harness.h. */
#include "harness.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
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
  reel_test_jobs_nats (n->auth_url);
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
reel_test_make_hlg_grey (const char *dir, int width, int height, int frames)
{
  g_autofree char *line = g_strdup_printf (
      "videotestsrc pattern=solid-color foreground-color=0xffc0c0c0 num-buffers=%d "
      "! video/x-raw,format=I420_10LE,width=%d,height=%d,framerate=30/1,colorimetry=bt2100-hlg "
      "! x265enc speed-preset=ultrafast ! h265parse ! mp4mux ! filesink location=%%s",
      frames, width, height);
  return reel_test_make_media (dir, "hlg.mp4", line);
}

GSubprocessLauncher *
reel_test_gst_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *l = reel_test_launcher (flags);
  g_subprocess_launcher_setenv (l, "GST_PLUGIN_PATH", reel_test_env ("REEL_TEST_PLUGIN_DIR"), TRUE);
  return l;
}

double
reel_test_gst_mean_luma (const char *head)
{
  enum
  {
    W = 320,
    H = 180
  };
  g_autofree char *cmd
      = g_strdup_printf ("gst-launch-1.0 -q %s ! videoconvert dither=none ! videoscale "
                         "! video/x-raw,format=I420,width=%d,height=%d ! fdsink",
                         head, W, H);
  g_autoptr (GSubprocessLauncher) l = reel_test_gst_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_auto (GStrv) argv = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 *bytes;
  gsize size;
  guint64 sum = 0;
  g_assert_true (g_shell_parse_argv (cmd, NULL, &argv, NULL));
  p = g_subprocess_launcher_spawnv (l, (const char *const *)argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (p, NULL, NULL, &out, NULL, &error));
  g_assert_true (g_subprocess_get_successful (p));
  bytes = g_bytes_get_data (out, &size);
  g_assert_cmpuint (size, >=, W * H);
  for (guint i = 0; i < W * H; i++)
    sum += bytes[i];
  return (double)sum / (W * H);
}
