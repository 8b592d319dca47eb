/* See natsd.h. Runs on the GLib main context: the child's exit is noticed by
 * g_subprocess_wait_async and the restart is a main-loop timeout. */
#include "bus/natsd.h"
#include "core/error.h"
#include "core/fault.h"
#include "core/metrics.h"
#include "core/secret.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/* A fresh JetStream server is ready in well under a second; 15 s allows for
 * recovering a large store after a crash. */
#define READY_TIMEOUT_US (15 * G_USEC_PER_SEC)
/* Pause before a restart so a server that dies at once does not spin. */
#define RESTART_DELAY_MS 500
/* How long a graceful stop may take before the server is killed. */
#define STOP_TIMEOUT_US (10 * G_USEC_PER_SEC)

struct ReelNatsd
{
  char *binary;
  char *store_dir;
  char *pid_file;
  char *conf_file;
  char *url;
  char *token;
  guint16 port;
  GSubprocess *proc;
  GCancellable *cancel; /* cancels the exit watch on stop */
  guint restart_source;
  gboolean stopping;
  gboolean killed; /* the last server to exit was killed by a signal */
};

static void watch_exit (ReelNatsd *nd);

static gboolean
pick_free_port (guint16 *port, GError **error)
{
  g_autoptr (GSocket) sock
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  if (!sock || !g_socket_bind (sock, any, FALSE, error))
    return FALSE;
  bound = g_socket_get_local_address (sock, error);
  if (!bound)
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return TRUE;
}

static void
child_setup (gpointer data)
{
  /* Dies with its parent: no orphaned server holding the store. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  /* Its own process group: a Ctrl-C at the terminal reaches reeld only, which
   * then stops the server after the work that needs it. */
  setpgid (0, 0);
}

/* A previous reeld that was killed left its server shutting down (it got
 * SIGTERM from PDEATHSIG); wait for it so two servers never share a store. */
static void
wait_for_stale_server (const char *pid_file)
{
  g_autofree char *text = NULL;
  guint64 pid;
  if (!g_file_get_contents (pid_file, &text, NULL, NULL)
      || !g_ascii_string_to_unsigned (g_strstrip (text), 10, 2, G_MAXINT32, &pid, NULL))
    return;
  g_autofree char *cmdline_path = g_strdup_printf ("/proc/%" G_GUINT64_FORMAT "/cmdline", pid);
  g_autofree char *cmdline = NULL;
  if (!g_file_get_contents (cmdline_path, &cmdline, NULL, NULL) || !strstr (cmdline, "nats-server"))
    return;
  g_message ("waiting for the previous nats-server (pid %" G_GUINT64_FORMAT ") to exit", pid);
  gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;
  while (kill ((pid_t)pid, 0) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  if (kill ((pid_t)pid, 0) == 0)
    kill ((pid_t)pid, SIGKILL);
}

/* The client token, generated once and kept in DATA_DIR/nats/token (0600):
 * the server's config is rewritten at every start, the token must not
 * change under clients that read it (tests, an operator's nats CLI). */
static char *
load_or_create_token (const char *store_dir, GError **error)
{
  g_autofree char *path = g_build_filename (store_dir, "token", NULL);
  g_autofree char *text = NULL;
  g_autofree char *hash = NULL;
  char *token;
  GStatBuf st;

  if (g_file_get_contents (path, &text, NULL, NULL) && *g_strstrip (text))
    {
      /* Tightened rather than refused: an operator's copy or restore may
       * have widened it, and the fix is obvious. */
      if (g_stat (path, &st) == 0 && (st.st_mode & 077) && g_chmod (path, 0600) == 0)
        g_warning ("%s was readable by others; made it 0600", path);
      return g_steal_pointer (&text);
    }
  token = reel_secret_new (&hash, error);
  if (!token)
    return NULL;
  if (!g_file_set_contents_full (path, token, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      g_free (token);
      return NULL;
    }
  g_message ("generated the embedded nats-server's client token in %s", path);
  return token;
}

/* A string for the server's config: double-quoted, with the two characters
 * its parser treats specially escaped. */
static void
append_quoted (GString *out, const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* nats-server's configuration, 0600 (it holds the token). */
static gboolean
write_config (ReelNatsd *nd, const char *sync, GError **error)
{
  g_autoptr (GString) c = g_string_new ("# Written by reeld at every start of its embedded "
                                        "nats-server; changes are lost.\n");
  g_autofree char *log_file = g_build_filename (nd->store_dir, "nats-server.log", NULL);

  g_string_append_printf (c, "server_name: reel-embedded\nlisten: 127.0.0.1:%u\n", nd->port);
  g_string_append (c, "pid_file: ");
  append_quoted (c, nd->pid_file);
  g_string_append (c, "\nlog_file: ");
  append_quoted (c, log_file);
  g_string_append (c, "\njetstream {\n  store_dir: ");
  append_quoted (c, nd->store_dir);
  if (g_strcmp0 (sync, "default") != 0)
    {
      g_string_append (c, "\n  sync_interval: ");
      append_quoted (c, sync);
    }
  g_string_append (c, "\n}\nauthorization {\n  token: ");
  append_quoted (c, nd->token);
  g_string_append (c, "\n}\n");
  return g_file_set_contents_full (nd->conf_file, c->str, (gssize)c->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* Lets the server itself judge the config (nats-server -t), so a setting
 * this server version does not know (sync_interval before 2.10) fails with
 * the server's own words instead of a server that never comes up. */
static gboolean
check_config (ReelNatsd *nd, const char *sync, GError **error)
{
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, error,
                           nd->binary, "-c", nd->conf_file, "-t", NULL);
  if (!proc || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, error))
    return FALSE;
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return TRUE;
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s refuses its configuration: %s%s",
               nd->binary, g_strstrip (out ? out : ""),
               g_strcmp0 (sync, "default") != 0
                   ? " (nats.sync other than \"default\" needs nats-server 2.10 or newer)"
                   : "");
  return FALSE;
}

static gboolean
spawn (ReelNatsd *nd, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;

  wait_for_stale_server (nd->pid_file);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  /* Everything, the token above all, is in the 0600 config file: a
   * command line is readable by every user in ps. */
  nd->proc = g_subprocess_launcher_spawn (launcher, error, nd->binary, "-c", nd->conf_file, NULL);
  if (!nd->proc)
    return FALSE;
  g_message ("started nats-server (pid %s) on %s, store %s, config %s",
             g_subprocess_get_identifier (nd->proc), nd->url, nd->store_dir, nd->conf_file);
  watch_exit (nd);
  return TRUE;
}

static gboolean
restart_cb (gpointer data)
{
  ReelNatsd *nd = data;
  g_autoptr (GError) error = NULL;
  nd->restart_source = 0;
  if (nd->stopping)
    return G_SOURCE_REMOVE;
  reel_metrics_add ("reel_nats_server_restarts_total", NULL, 1);
  if (!spawn (nd, &error))
    {
      g_warning ("restarting nats-server failed: %s; trying again", error->message);
      nd->restart_source = g_timeout_add (RESTART_DELAY_MS, restart_cb, nd);
    }
  return G_SOURCE_REMOVE;
}

static void
on_server_exit (GObject *source, GAsyncResult *res, gpointer data)
{
  GSubprocess *proc = G_SUBPROCESS (source);
  g_autoptr (GError) error = NULL;
  if (!g_subprocess_wait_finish (proc, res, &error))
    return; /* cancelled: we are stopping and own the process again */
  ReelNatsd *nd = data;
  nd->killed = g_subprocess_get_if_signaled (proc);
  g_warning ("nats-server exited unexpectedly (status %d); restarting in %d ms",
             g_subprocess_get_status (proc), RESTART_DELAY_MS);
  g_clear_object (&nd->proc);
  nd->restart_source = g_timeout_add (RESTART_DELAY_MS, restart_cb, nd);
}

static void
watch_exit (ReelNatsd *nd)
{
  g_clear_object (&nd->cancel);
  nd->cancel = g_cancellable_new ();
  g_subprocess_wait_async (nd->proc, nd->cancel, on_server_exit, nd);
}

static gboolean
accepts_connections (guint16 port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

/* Test hook (core/fault.h): the server dies before it listens, or after
 * it listened and before reeld connects; start-up must let the supervisor
 * restart it either way. */
static void
kill_at_start (ReelNatsd *nd, const char *when)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  g_message ("test fault: killing nats-server %s", when);
  g_subprocess_force_exit (nd->proc);
  while (accepts_connections (nd->port) && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
}

ReelNatsd *
reel_natsd_start (const char *binary, const char *store_dir, const char *sync, GError **error)
{
  g_autoptr (ReelNatsd) nd = g_new0 (ReelNatsd, 1);
  g_autofree char *path = g_find_program_in_path (binary);

  reel_metrics_declare ("reel_nats_server_restarts_total", REEL_METRIC_COUNTER,
                        "Times the embedded nats-server was restarted after it died");
  if (!path)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                   "cannot find \"%s\": install it (Debian: apt-get install nats-server), set "
                   "nats.server_binary to its path, or point --nats-url at a running server",
                   binary);
      return NULL;
    }
  if (g_mkdir_with_parents (store_dir, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", store_dir,
                   g_strerror (errno));
      return NULL;
    }
  nd->binary = g_steal_pointer (&path);
  nd->store_dir = g_strdup (store_dir);
  nd->pid_file = g_build_filename (store_dir, "nats-server.pid", NULL);
  nd->conf_file = g_build_filename (store_dir, "nats-server.conf", NULL);
  if (!pick_free_port (&nd->port, error))
    return NULL;
  nd->url = g_strdup_printf ("nats://127.0.0.1:%u", nd->port);
  if (!(nd->token = load_or_create_token (store_dir, error)) || !write_config (nd, sync, error)
      || !check_config (nd, sync, error) || !spawn (nd, error))
    return NULL;

  if (g_strcmp0 (reel_test_fault ("kill-nats-at-start"), "spawned") == 0)
    kill_at_start (nd, "before it listens");

  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  while (!accepts_connections (nd->port))
    {
      /* Let on_server_exit and restart_cb run: a server that exits by
       * itself at start-up cannot start (its log says why), one that was
       * killed (by the OOM killer, an operator) is restarted as at any
       * other time. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if ((!nd->proc && !nd->killed) || g_get_monotonic_time () > deadline)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                       "nats-server did not start on %s; see %s/nats-server.log", nd->url,
                       store_dir);
          return NULL;
        }
      g_usleep (20 * 1000);
    }
  if (g_strcmp0 (reel_test_fault ("kill-nats-at-start"), "") == 0)
    kill_at_start (nd, "before connecting");
  return g_steal_pointer (&nd);
}

const char *
reel_natsd_url (ReelNatsd *nd)
{
  return nd->url;
}

const char *
reel_natsd_token (ReelNatsd *nd)
{
  return nd->token;
}

void
reel_natsd_stop (ReelNatsd *nd)
{
  if (!nd)
    return;
  nd->stopping = TRUE;
  g_clear_handle_id (&nd->restart_source, g_source_remove);
  if (nd->cancel)
    g_cancellable_cancel (nd->cancel);
  if (nd->proc)
    {
      gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;
      g_subprocess_send_signal (nd->proc, SIGTERM);
      /* GSubprocess reaps the child on GLib's worker thread; the identifier
       * turns NULL once that has happened. */
      while (g_subprocess_get_identifier (nd->proc) && g_get_monotonic_time () < deadline)
        g_usleep (20 * 1000);
      if (g_subprocess_get_identifier (nd->proc))
        {
          g_warning ("nats-server did not stop in time; killing it");
          g_subprocess_force_exit (nd->proc);
          g_subprocess_wait (nd->proc, NULL, NULL);
        }
      g_clear_object (&nd->proc);
    }
  g_clear_object (&nd->cancel);
  g_free (nd->binary);
  g_free (nd->store_dir);
  g_free (nd->pid_file);
  g_free (nd->conf_file);
  g_free (nd->url);
  g_free (nd->token);
  g_free (nd);
}
