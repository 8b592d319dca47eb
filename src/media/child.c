/* See child.h. The child's stdout and stderr are read with poll() on the
 * calling thread (a job worker's own thread), which also keeps the time:
 * the wall-clock deadline, the silence limit and the job's in-progress
 * acks. */
#include "media/child.h"
#include "core/error.h"
#include "core/json.h"
#include "media/niceness.h"

#include "reel-config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* AddressSanitizer reserves terabytes of address space for its shadow
 * memory: under RLIMIT_AS an ASan-built child could not even start, so the
 * address-space limit is left out of such builds (meson
 * -Db_sanitize=address). The other limits still apply. */
#if defined(__SANITIZE_ADDRESS__)
#define REEL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REEL_ASAN 1
#endif
#endif

/* The child writes a line every second; one silent this long is wedged
 * (GstDiscoverer and GStreamer state changes never block its loop for that
 * long), and is stopped before the wall-clock deadline would. */
#define SILENCE_S 60
/* After its answer the child exits at once; one that does not within this
 * is killed (its answer stands). */
#define EXIT_GRACE_S 5
/* Between SIGXCPU at the soft CPU limit and SIGKILL at the hard one. */
#define CPU_GRACE_S 5
/* A reply line is a probe or a progress report: far below this. */
#define LINE_MAX_BYTES (1024 * 1024)
/* How much of the child's stderr is kept for the log and the diagnosis. */
#define STDERR_TAIL_BYTES 4096
#define POLL_INTERVAL_MS 1000
/* How often a ticking run calls its caller back (reel_media_child_run_ticking). */
#define TICK_MS 50
#define REAP_POLL_US (10 * 1000)
/* glibc reserves 64 MiB of address space per malloc arena, up to eight per
 * core: on a big machine that alone would exceed the memory limit. Two
 * arenas serve a pipeline's threads well enough. */
#define CHILD_MALLOC_ARENAS "2"

void
reel_media_limits_for (const ReelConfig *cfg, guint64 media_ns, ReelMediaLimits *limits)
{
  guint64 media_s = (media_ns + G_GUINT64_CONSTANT (999999999)) / G_GUINT64_CONSTANT (1000000000);
  guint64 timeout = cfg->job_timeout_s + (guint64)cfg->job_timeout_factor * media_s;
  limits->timeout_s = (guint)MIN (timeout, (guint64)G_MAXINT32);
  limits->memory_bytes = (guint64)cfg->memory_limit_mb << 20;
}

/* How long background work waits for the first chunks running on its
 * node (media/niceness.h). Beyond that it runs beside them at its
 * niceness, so a stream of uploads cannot starve it. */
#define BACKGROUND_WAIT_S 30
/* How long a first chunk is expected once its upload's jobs are queued
 * here (reel_media_expect_first_chunk): each job kind has its own worker
 * threads, and the poster's may take its job before the chunk's has
 * started; a chunk taken by another node never comes. */
#define EXPECT_US (2 * G_USEC_PER_SEC)

/* The first chunks running in this process, and what signals their end. */
static GMutex gate_lock;
static GCond gate_cond;
static ReelFirstChunks gate;

void
reel_media_expect_first_chunk (void)
{
  g_mutex_lock (&gate_lock);
  reel_first_chunks_expect (&gate, g_get_monotonic_time (), EXPECT_US);
  g_mutex_unlock (&gate_lock);
}

static void
first_chunk_begin (void)
{
  g_mutex_lock (&gate_lock);
  reel_first_chunks_begin (&gate);
  g_mutex_unlock (&gate_lock);
}

static void
first_chunk_end (void)
{
  g_mutex_lock (&gate_lock);
  reel_first_chunks_end (&gate);
  g_cond_broadcast (&gate_cond);
  g_mutex_unlock (&gate_lock);
}

static gboolean
first_chunks_running (void)
{
  gboolean yes;
  g_mutex_lock (&gate_lock);
  yes = gate.running > 0;
  g_mutex_unlock (&gate_lock);
  return yes;
}

/* Waits, keeping job alive, while a first chunk runs or is expected
 * here (at most BACKGROUND_WAIT_S, and not once the job's worker stops). */
static void
wait_for_first_chunks (const ReelJob *job)
{
  gint64 now = g_get_monotonic_time ();
  gint64 until = now + BACKGROUND_WAIT_S * G_USEC_PER_SEC;
  gint64 look;
  g_mutex_lock (&gate_lock);
  while (reel_first_chunks_hold (&gate, now, &look) && now < until
         && !(job && reel_job_stopping (job)))
    {
      g_cond_wait_until (&gate_cond, &gate_lock, MIN (MIN (until, look), now + G_USEC_PER_SEC));
      if (job)
        {
          g_mutex_unlock (&gate_lock);
          reel_job_progress (job);
          g_mutex_lock (&gate_lock);
        }
      now = g_get_monotonic_time ();
    }
  g_mutex_unlock (&gate_lock);
}

/* reel-media beside the running reeld (a build tree, or both copied to one
 * directory), else where meson installs it. */
static const char *
helper_path (void)
{
  static gsize once;
  static char *path;
  if (g_once_init_enter (&once))
    {
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
      char *p = dir ? g_build_filename (dir, "reel-media", NULL) : NULL;
      if (!p || !g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_free (p);
          p = g_build_filename (REEL_INSTALLED_LIBEXECDIR, "reel-media", NULL);
        }
      path = p;
      g_once_init_leave (&once, 1);
    }
  return path;
}

/* What the child does between fork and exec, where only
 * async-signal-safe calls are allowed. Its CPU and address-space limits
 * come with its request (add_limits), so that a warm child can take them. */
typedef struct
{
  pid_t parent;
} ChildSetup;

static void
child_setup (gpointer data)
{
  const ChildSetup *c = data;
  const struct rlimit no_core = { 0, 0 };
  /* Dies with the thread that started it: a reeld killed mid-job leaves no
   * orphan decoding on. The check closes the race with a parent that died
   * before the call. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != c->parent)
    _exit (127);
  /* A crash on a hostile file is expected: no core files in the data dir. */
  setrlimit (RLIMIT_CORE, &no_core);
}

typedef enum
{
  KILLED_NOT,
  KILLED_STOPPING, /* reeld is shutting down */
  KILLED_LATE,     /* past the wall-clock deadline */
  KILLED_SILENT,   /* no line for SILENCE_S */
  KILLED_GARBLED,  /* a line longer than LINE_MAX_BYTES */
  KILLED_ANSWERED, /* answered, but did not exit */
} Killed;

typedef struct
{
  GSubprocess *proc;
  GString *out;      /* stdout not yet split into lines */
  GString *err_tail; /* the last STDERR_TAIL_BYTES of stderr */
  JsonObject *reply; /* the result or error line */
  gint64 last_line;
  gint64 replied_at;
  Killed killed;
  ReelMediaTick tick; /* NULL, or called about every TICK_MS */
  gpointer tick_data;
  gint64 pause_max_us; /* how long it may be paused in all */
} Child;

static void
kill_child (Child *c, Killed why)
{
  if (c->killed == KILLED_NOT)
    {
      c->killed = why;
      g_subprocess_force_exit (c->proc);
    }
}

static void
take_line (Child *c, const char *line, gsize len, gint64 now)
{
  g_autoptr (JsonObject) o = reel_json_parse_object (line, len, NULL);
  JsonNode *result = o ? json_object_get_member (o, "result") : NULL;
  JsonNode *err = o ? json_object_get_member (o, "error") : NULL;

  /* Anything else a library printed on stdout is not for us. */
  if (!o)
    return;
  c->last_line = now;
  if (c->reply
      || !((result && JSON_NODE_HOLDS_OBJECT (result)) || (err && JSON_NODE_HOLDS_OBJECT (err))))
    return;
  c->reply = g_steal_pointer (&o);
  c->replied_at = now;
}

/* Reads what fd has; FALSE at its end. */
static gboolean
drain (Child *c, int fd, gboolean is_stdout, gint64 now)
{
  char block[65536];
  ssize_t n = read (fd, block, sizeof block);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;
  if (n <= 0)
    return FALSE;
  if (!is_stdout)
    {
      g_string_append_len (c->err_tail, block, n);
      if (c->err_tail->len > STDERR_TAIL_BYTES)
        g_string_erase (c->err_tail, 0, (gssize)(c->err_tail->len - STDERR_TAIL_BYTES));
      return TRUE;
    }
  g_string_append_len (c->out, block, n);
  for (char *nl; (nl = memchr (c->out->str, '\n', c->out->len));)
    {
      take_line (c, c->out->str, (gsize)(nl - c->out->str), now);
      g_string_erase (c->out, 0, nl - c->out->str + 1);
    }
  if (c->out->len > LINE_MAX_BYTES)
    kill_child (c, KILLED_GARBLED);
  return TRUE;
}

static int
pipe_fd (GInputStream *stream)
{
  return g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
}

/* Reads the child until both its outputs end or it is killed. */
static void
watch (Child *c, const ReelMediaLimits *limits, const ReelJob *job)
{
  int fds[2] = { pipe_fd (g_subprocess_get_stdout_pipe (c->proc)),
                 pipe_fd (g_subprocess_get_stderr_pipe (c->proc)) };
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64)limits->timeout_s * G_USEC_PER_SEC;
  gint64 last_alive = start;
  gint64 paused_at = 0, paused_us = 0;

  c->last_line = start;
  while ((fds[0] >= 0 || fds[1] >= 0) && c->killed == KILLED_NOT)
    {
      struct pollfd p[2];
      nfds_t n = 0;
      gint64 now;
      for (guint i = 0; i < 2; i++)
        if (fds[i] >= 0)
          p[n++] = (struct pollfd){ fds[i], POLLIN, 0 };
      if (poll (p, n, c->tick ? TICK_MS : POLL_INTERVAL_MS) < 0 && errno != EINTR)
        {
          kill_child (c, KILLED_SILENT); /* cannot watch it: stop it */
          break;
        }
      now = g_get_monotonic_time ();
      for (nfds_t i = 0; i < n; i++)
        if (p[i].revents && !drain (c, p[i].fd, p[i].fd == fds[0], now))
          fds[p[i].fd == fds[0] ? 0 : 1] = -1;
      if (job && reel_job_stopping (job))
        kill_child (c, KILLED_STOPPING);
      else if (now > deadline)
        kill_child (c, KILLED_LATE);
      else if (c->replied_at && now - c->replied_at > EXIT_GRACE_S * G_USEC_PER_SEC)
        kill_child (c, KILLED_ANSWERED);
      else if (now - c->last_line > SILENCE_S * G_USEC_PER_SEC)
        kill_child (c, KILLED_SILENT);
      else if (job && now - last_alive >= G_USEC_PER_SEC)
        {
          last_alive = now;
          reel_job_progress (job);
        }
      if (c->tick && c->killed == KILLED_NOT)
        {
          gint64 paused = paused_us + (paused_at ? now - paused_at : 0);
          gboolean pause
              = c->tick (c->tick_data) && first_chunks_running () && paused < c->pause_max_us;
          if (pause && !paused_at)
            {
              paused_at = now;
              g_subprocess_send_signal (c->proc, SIGSTOP);
            }
          else if (!pause && paused_at)
            {
              paused_us += now - paused_at;
              paused_at = 0;
              g_subprocess_send_signal (c->proc, SIGCONT);
            }
          /* A paused child is silent, and not by its own doing. */
          if (paused_at)
            c->last_line = now;
        }
    }
}

/* Waits for the child to end; one that closed its outputs but lives on
 * is killed after EXIT_GRACE_S, so the wait below cannot hang. */
static void
reap (Child *c)
{
  gint64 until = g_get_monotonic_time () + EXIT_GRACE_S * G_USEC_PER_SEC;
  /* GSubprocess forgets the pid once GLib's worker has reaped it. */
  while (c->killed == KILLED_NOT && g_subprocess_get_identifier (c->proc))
    {
      if (g_get_monotonic_time () > until)
        kill_child (c, c->reply ? KILLED_ANSWERED : KILLED_SILENT);
      else
        g_usleep (REAP_POLL_US);
    }
  g_subprocess_wait (c->proc, NULL, NULL);
}

static ReelErrorCode
code_from_name (const char *name)
{
  for (ReelErrorCode code = REEL_ERROR_INVALID; code < REEL_ERROR_INTERNAL; code++)
    if (g_strcmp0 (reel_error_code_name (code), name) == 0)
      return code;
  return REEL_ERROR_INTERNAL;
}

/* Why a child that gave no answer ended, in words for the uploader. */
static void
explain_death (Child *c, const ReelMediaLimits *limits, const char *what, GError **error)
{
  int sig = g_subprocess_get_if_signaled (c->proc) ? g_subprocess_get_term_sig (c->proc) : 0;
  gboolean out_of_memory = strstr (c->err_tail->str, "failed to allocate")
                           || strstr (c->err_tail->str, "out of memory")
                           || strstr (c->err_tail->str, "bad_alloc");

  /* A sanitizer build's child reports a crash itself and exits with 1:
   * "SUMMARY: AddressSanitizer: SEGV ..." names what happened. */
  const char *summary = strstr (c->err_tail->str, "SUMMARY: AddressSanitizer: ");
  g_autofree char *asan
      = summary ? g_strndup (summary + strlen ("SUMMARY: AddressSanitizer: "),
                             strcspn (summary + strlen ("SUMMARY: AddressSanitizer: "), " \n"))
                : NULL;

  switch (c->killed)
    {
    case KILLED_LATE:
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                   "%s took longer than %u s and was stopped", what, limits->timeout_s);
      return;
    case KILLED_SILENT:
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                   "%s stopped responding for %d s and was stopped", what, SILENCE_S);
      return;
    case KILLED_STOPPING:
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                   "%s was interrupted: the service is shutting down", what);
      return;
    case KILLED_GARBLED:
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                   "the media process sent a malformed answer while %s", what);
      return;
    case KILLED_ANSWERED:
    case KILLED_NOT:
      break;
    }
  if (asan && *asan)
    g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                 "the decoder crashed (AddressSanitizer: %s) while %s", asan, what);
  else if (sig && out_of_memory && limits->memory_bytes)
    g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                 "%s ran out of memory (the limit is %" G_GUINT64_FORMAT " MiB)", what,
                 limits->memory_bytes >> 20);
  else if (sig == SIGXCPU)
    g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "%s used more than %u s of CPU time", what,
                 limits->timeout_s * g_get_num_processors ());
  else if (sig == SIGKILL)
    g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                 "the media process was killed (signal 9, perhaps for lack of memory) while %s",
                 what);
  else if (sig)
    g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                 "the decoder crashed (signal %d, %s) while %s", sig, g_strsignal (sig), what);
  else
    g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                 "the media process exited (status %d) without an answer while %s",
                 g_subprocess_get_exit_status (c->proc), what);
}

/* The request's limits, for the child to take before it reads media
 * (timeout_s 0: no CPU limit). */
static void
add_limits (JsonObject *request, const ReelMediaLimits *limits)
{
  JsonObject *l = json_object_new ();
  guint64 cpu_s = (guint64)limits->timeout_s * MAX (1, g_get_num_processors ());
  json_object_set_int_member (l, "cpu_s", (gint64)MIN (cpu_s, (guint64)G_MAXINT64));
  json_object_set_int_member (l, "cpu_grace_s", CPU_GRACE_S);
#ifndef REEL_ASAN
  json_object_set_int_member (l, "memory_bytes", (gint64)limits->memory_bytes);
#endif
  json_object_set_object_member (request, "limits", l);
}

/* Starts reel-media (with --warm: loading GStreamer before it reads) on
 * stdin_fd (taken), its stdout a pipe, its stderr a pipe when asked, else
 * reeld's. */
static GSubprocess *
spawn (int stdin_fd, gboolean stderr_pipe, gboolean warm, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | (stderr_pipe ? G_SUBPROCESS_FLAGS_STDERR_PIPE : 0));
  ChildSetup setup = { getpid () };
  GSubprocess *proc;

  g_subprocess_launcher_take_stdin_fd (launcher, stdin_fd);
  g_subprocess_launcher_setenv (launcher, "MALLOC_ARENA_MAX", CHILD_MALLOC_ARENAS, TRUE);
  /* Every other descriptor of reeld's (sockets, LMDB, the NATS store) is
   * closed in the child: GSubprocess marks them close-on-exec. */
  g_subprocess_launcher_set_child_setup (launcher, child_setup, &setup, NULL);
  proc
      = g_subprocess_launcher_spawn (launcher, error, helper_path (), warm ? "--warm" : NULL, NULL);
  if (!proc)
    g_prefix_error (error, "cannot start %s: ", helper_path ());
  return proc;
}

/* Starts reel-media as spawn does, its stdin one end of a socket pair;
 * *talk is reeld's end, for reel_media_child_answer. */
static GSubprocess *
spawn_talking (gboolean stderr_pipe, gboolean warm, int *talk, GError **error)
{
  GSubprocess *proc;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "socketpair: %s", g_strerror (errno));
      return NULL;
    }
  /* fds[1] is the launcher's now, closed with it whatever happens. */
  if (!(proc = spawn (fds[1], stderr_pipe, warm, error)))
    {
      close (fds[0]);
      return NULL;
    }
  *talk = fds[0];
  return proc;
}

/* Writes request to proc (started by spawn_talking, talk its end of the
 * socket) and closes talk, so the child reads the request to its end; a
 * request is a few KiB, well within the socket's buffer. Returns proc, or
 * NULL with proc stopped and unreferenced when it cannot take it. */
static GSubprocess *
hand_request (GSubprocess *proc, int talk, JsonObject *request, GError **error)
{
  gboolean handed = FALSE;
  if (!g_subprocess_get_identifier (proc))
    g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                         "reel-media exited before it was given its request");
  else
    handed = reel_media_child_answer (talk, request, error);
  close (talk);
  if (!handed)
    {
      g_subprocess_force_exit (proc);
      g_object_unref (proc);
      return NULL;
    }
  return proc;
}

/* ---- A warm child ----------------------------------------------------
 *
 * Loading GStreamer and libav's libraries takes a fresh reel-media a tenth
 * of a second or two; an upload's probe and its first chunk, one after the
 * other, are what its viewer waits for. So one child, started with --warm,
 * waits here with all that loaded, its stdin a socket: the next request
 * of the work a viewer waits for (niceness 0) is written to it, and a new
 * one is started. It is started from a thread of its own that lives as long
 * as reeld: a child dies with the thread that started it (PR_SET_PDEATHSIG). */

#define WARM_RETRY_S 5

static GMutex warm_lock;
static GCond warm_cond;
static GSubprocess *warm_proc; /* waiting for a request on warm_talk */
static int warm_talk = -1;

static gpointer
keep_warm (gpointer data)
{
  gboolean told = FALSE;
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      GSubprocess *proc;
      int talk;

      g_mutex_lock (&warm_lock);
      /* A waiting child that died (killed from outside) is replaced. */
      while (warm_proc && g_subprocess_get_identifier (warm_proc))
        g_cond_wait_until (&warm_cond, &warm_lock,
                           g_get_monotonic_time () + WARM_RETRY_S * G_USEC_PER_SEC);
      if (warm_proc)
        {
          close (warm_talk);
          warm_talk = -1;
          g_clear_object (&warm_proc);
        }
      g_mutex_unlock (&warm_lock);
      /* Its start is a fifth of a second of CPU: not beside a first chunk. */
      wait_for_first_chunks (NULL);
      if (!(proc = spawn_talking (TRUE, TRUE, &talk, &error)))
        {
          if (!told)
            g_warning ("no warm media process: %s", error->message);
          told = TRUE;
          g_usleep (WARM_RETRY_S * G_USEC_PER_SEC);
          continue;
        }
      g_mutex_lock (&warm_lock);
      warm_proc = proc;
      warm_talk = talk;
      g_mutex_unlock (&warm_lock);
    }
  return NULL;
}

void
reel_media_keep_warm (void)
{
  static gsize once;
  if (g_once_init_enter (&once))
    {
      g_thread_unref (g_thread_new ("reel-media-warm", keep_warm, NULL));
      g_once_init_leave (&once, 1);
    }
}

/* The warm child with request handed to it, or NULL (none is waiting,
 * or it died waiting). */
static GSubprocess *
take_warm (JsonObject *request)
{
  GSubprocess *proc;
  int talk;

  g_mutex_lock (&warm_lock);
  proc = g_steal_pointer (&warm_proc);
  talk = warm_talk;
  warm_talk = -1;
  g_cond_signal (&warm_cond);
  g_mutex_unlock (&warm_lock);
  return proc ? hand_request (proc, talk, request, NULL) : NULL;
}

JsonObject *
reel_media_pipeline_request (const char *line, const char *kind, guint stall_timeout_s)
{
  JsonObject *request = json_object_new ();
  json_object_set_string_member (request, "op", "pipeline");
  json_object_set_string_member (request, "line", line);
  json_object_set_string_member (request, "kind", kind);
  json_object_set_int_member (request, "stall_timeout_s", stall_timeout_s);
  return request;
}

JsonObject *
reel_media_child_run (JsonObject *request, const ReelMediaLimits *limits, const char *what,
                      const ReelJob *job, GError **error)
{
  return reel_media_child_run_ticking (request, limits, what, job, NULL, NULL, error);
}

JsonObject *
reel_media_child_run_ticking (JsonObject *request, const ReelMediaLimits *limits, const char *what,
                              const ReelJob *job, ReelMediaTick tick, gpointer tick_data,
                              GError **error)
{
  Child c = { .tick = tick, .tick_data = tick_data };
  g_autoptr (GError) local = NULL;
  g_autofree char *pid = NULL;
  gboolean first = reel_media_is_first_chunk (request);
  int niceness = reel_media_niceness (request);
  JsonObject *out = NULL;
  JsonNode *node;

  add_limits (request, limits);
  /* Well within its deadline and the child's own stall limit, whose
   * clocks go on while it is paused. */
  c.pause_max_us = MIN (MIN ((gint64)BACKGROUND_WAIT_S, (gint64)limits->timeout_s / 4),
                        json_object_get_int_member_with_default (request, "stall_timeout_s", 0) / 2)
                   * G_USEC_PER_SEC;
  if (first)
    first_chunk_begin ();
  else if (niceness > 0)
    wait_for_first_chunks (job);
  if (niceness == 0)
    c.proc = take_warm (request);
  if (!c.proc)
    {
      int talk;
      if ((c.proc = spawn_talking (TRUE, FALSE, &talk, error)))
        c.proc = hand_request (c.proc, talk, request, error);
    }
  if (!c.proc)
    {
      if (first)
        first_chunk_end ();
      return NULL;
    }
  pid = g_strdup (g_subprocess_get_identifier (c.proc));
  c.out = g_string_new (NULL);
  c.err_tail = g_string_new (NULL);
  watch (&c, limits, job);
  reap (&c);
  if (first)
    first_chunk_end ();

  if (c.reply && (node = json_object_get_member (c.reply, "result")))
    out = json_object_ref (json_node_get_object (node));
  else if (c.reply)
    {
      /* The child's words, checked: it read hostile bytes. */
      JsonObject *e = json_object_get_object_member (c.reply, "error");
      const char *code = reel_json_get_string (e, "code", FALSE, NULL);
      const char *message = reel_json_get_string (e, "message", FALSE, NULL);
      g_set_error (error, REEL_ERROR, code_from_name (code), "%s", message ? message : "failed");
    }
  else
    {
      explain_death (&c, limits, what, &local);
      g_warning ("reel-media (pid %s): %s; the end of its log: %s", pid ? pid : "?", local->message,
                 c.err_tail->str);
      g_propagate_error (error, g_steal_pointer (&local));
    }
  g_clear_pointer (&c.reply, json_object_unref);
  g_string_free (c.out, TRUE);
  g_string_free (c.err_tail, TRUE);
  g_object_unref (c.proc);
  return out;
}

GSubprocess *
reel_media_child_start (JsonObject *request, guint64 memory_bytes, int *talk_fd, GError **error)
{
  ReelMediaLimits limits = { 0, memory_bytes };
  GSubprocess *proc;

  add_limits (request, &limits);
  if (!(proc = spawn_talking (FALSE, FALSE, talk_fd, error)))
    return NULL;
  if (!reel_media_child_answer (*talk_fd, request, error))
    {
      close (*talk_fd);
      g_subprocess_force_exit (proc);
      g_object_unref (proc);
      return NULL;
    }
  return proc;
}

gboolean
reel_media_child_answer (int talk_fd, JsonObject *answer, GError **error)
{
  g_autofree char *json = reel_json_object_to_string (answer);
  g_autofree char *text = g_strconcat (json, "\n", NULL);
  gsize len = strlen (text), done = 0;

  while (done < len)
    {
      /* MSG_NOSIGNAL: a child gone is an error here, not a SIGPIPE. */
      ssize_t n = send (talk_fd, text + done, len - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot talk to reel-media: %s",
                       g_strerror (errno));
          return FALSE;
        }
      done += (gsize)n;
    }
  return TRUE;
}
