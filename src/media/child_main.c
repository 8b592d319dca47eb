/* reel-media: the process that reads untrusted media. reeld starts one per
 * probe, per transcode, poster or audio job and per live session
 * (media/child.c), under
 * CPU-time, address-space and wall-clock limits, so a decoder that crashes,
 * hangs or allocates without end on a hostile file takes down this process
 * and fails that one job, never reeld.
 *
 * Started as `reel-media --warm`, it loads GStreamer and its decoders
 * before it reads the request: reeld keeps one such process waiting for
 * the work a viewer waits for (media/child.c). While it waits, its name
 * (comm, what ps and top show) is reel-media-warm.
 *
 * It reads one request, a JSON object on one line, on stdin:
 *   {"op": "probe", "path": FILE, "timeout_s": N}
 *   {"op": "pipeline", "line": GST-LAUNCH LINE, "kind": "chunk"|"audio"|"poster"|
 *    "storyboard"|"thumbnail",
 *    "chunk": N, "skip": "audio"|"video", "stall_timeout_s": N}
 *   {"op": "live", "line": GST-LAUNCH LINE}  one live session (below)
 *   {"op": "fingerprint", "path": FILE, "max_seconds": N}  the copyright
 *     check's prints (media/fingerprint.h); with "dir", "interval_s" and
 *     "max_frames" as for "frames", it samples those frames in the same
 *     decode
 *   {"op": "frames", "path": FILE, "dir": DIR, "interval_s": N, "max_frames": N}
 *     JPEG frames for the adult-content check (media/frames.h)
 * Any request may carry "limits": {"cpu_s": N, "cpu_grace_s": N,
 * "memory_bytes": N}: its CPU time (SIGXCPU at cpu_s, SIGKILL cpu_grace_s
 * later) and address space, taken before any media is read (0: none).
 * The line is the one `reel pipeline` prints (media/worker.c fills it from
 * pipelines/); "skip" names the kind of decoder the job does not need.
 * It answers with JSON lines on stdout:
 *   {"progress": {"position_ns": N}}  about once a second while it works
 *                                     (-1 while there is no position yet)
 *   {"result": {...}}                 the probe (media/probe.h), or {} once
 *                                     the pipeline's outputs are complete
 *   {"error": {"code": C, "message": M}}  C a reel_error_code_name()
 * and exits right after its one result or error line, without tearing
 * GStreamer down: a decoder wedged in teardown cannot hold back an answer
 * already given. Its stderr is GLib's and GStreamer's log.
 *
 * Test faults (core/fault.h), WHICH a chunk number or probe, audio, poster,
 * live:
 *   media-crash:WHICH  the decoder's first output buffer raises SIGSEGV
 *                      (the probe crashes at once)
 *   media-hang:WHICH   the process stops answering (and working) for good
 *   media-oom:WHICH    the process allocates until its address-space limit
 *                      stops it (refused without one: it would take the
 *                      machine's memory instead)
 *   media-slow:WHICH   decodes no faster than real time
 *   hold-first-chunk:PATH  a video's first chunk waits, before decoding,
 *                      while the file PATH exists */
#include "core/error.h"
#include "core/fault.h"
#include "core/json.h"
#include "media/fingerprint.h"
#include "media/frames.h"
#include "media/niceness.h"
#include "media/probe.h"

#include "gstnatssink.h"
#include "gstreelladder.h"
#include "gstreelrange.h"
#include "gstreelscale.h"
#include "gstreeltonemap.h"
#include "gstreelx264enc.h"

#include <errno.h>
#include <gst/gst.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A request is a pipeline line and a few numbers: a few KiB. */
#define REQUEST_MAX (1024 * 1024)
/* A pipeline whose position does not move for this long is stuck (a
 * decoder waiting forever in its own thread while this one still
 * answers), unless the request says less. */
#define STALL_TIMEOUT_S 120
/* media-oom's steps: big enough to reach any limit quickly. */
#define OOM_STEP (64 * 1024 * 1024)

static void
emit (const char *member, JsonObject *value)
{
  g_autoptr (JsonObject) line = json_object_new ();
  g_autofree char *text = NULL;
  json_object_set_object_member (line, member, value);
  text = reel_json_object_to_string (line);
  /* Whole lines: a live session's handshake thread writes too. */
  flockfile (stdout);
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  funlockfile (stdout);
}

static void
emit_progress (gint64 position_ns)
{
  JsonObject *p = json_object_new ();
  json_object_set_int_member (p, "position_ns", position_ns);
  emit ("progress", p);
}

static void
on_probe_tick (gpointer data)
{
  emit_progress (-1);
}

static void
on_decode_tick (gint64 position_ns, gpointer data)
{
  emit_progress (position_ns);
}

/* The one answer: then the process ends at once (see the top comment). */
G_NORETURN static void
finish (JsonObject *result, const GError *error)
{
  if (error)
    {
      JsonObject *e = json_object_new ();
      json_object_set_string_member (e, "code",
                                     error->domain == REEL_ERROR
                                         ? reel_error_code_name (error->code)
                                         : reel_error_code_name (REEL_ERROR_INTERNAL));
      json_object_set_string_member (e, "message", error->message);
      emit ("error", e);
    }
  else
    emit ("result", result ? result : json_object_new ());
  _exit (0);
}

/* Whether test fault name is set for this request. */
static gboolean
fault_here (const char *name, const char *kind, gint64 chunk)
{
  const char *which = reel_test_fault (name);
  guint64 n;
  if (!which)
    return FALSE;
  if (g_str_equal (which, kind))
    return TRUE;
  return g_str_equal (kind, "chunk")
         && g_ascii_string_to_unsigned (which, 10, 0, G_MAXUINT, &n, NULL) && (gint64)n == chunk;
}

static GstPadProbeReturn
crash_on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  raise (SIGSEGV);
  return GST_PAD_PROBE_OK;
}

static void
crash_on_decoded (GstElement *dec, GstPad *pad, gpointer data)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, crash_on_buffer, NULL, NULL);
}

/* Holds each decoded buffer for its duration: real-time speed. */
static GstPadProbeReturn
slow_on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  if (GST_BUFFER_DURATION_IS_VALID (b))
    g_usleep (GST_TIME_AS_USECONDS (GST_BUFFER_DURATION (b)));
  return GST_PAD_PROBE_OK;
}

static void
slow_on_decoded (GstElement *dec, GstPad *pad, gpointer data)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, slow_on_buffer, NULL, NULL);
}

static void
inject_faults (const char *kind, gint64 chunk, GstElement *dec)
{
  if (dec && fault_here ("media-slow", kind, chunk))
    g_signal_connect (dec, "pad-added", G_CALLBACK (slow_on_decoded), NULL);
  const char *hold = reel_test_fault ("hold-first-chunk");
  if (hold && g_str_equal (kind, "chunk") && chunk == 0)
    while (g_file_test (hold, G_FILE_TEST_EXISTS))
      g_usleep (G_USEC_PER_SEC / 10);
  if (fault_here ("media-hang", kind, chunk))
    for (;;)
      pause ();
  if (fault_here ("media-oom", kind, chunk))
    {
      struct rlimit as;
      if (getrlimit (RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY)
        {
          g_autoptr (GError) e = g_error_new_literal (REEL_ERROR, REEL_ERROR_INVALID,
                                                      "media-oom needs an address-space limit");
          finish (NULL, e);
        }
      for (;;)
        memset (g_malloc (OOM_STEP), 1, OOM_STEP);
    }
  if (fault_here ("media-crash", kind, chunk))
    {
      if (!dec)
        raise (SIGSEGV);
      g_signal_connect (dec, "pad-added", G_CALLBACK (crash_on_decoded), NULL);
    }
}

static void
run_probe (JsonObject *req)
{
  g_autoptr (GError) error = NULL;
  const char *path = json_object_get_string_member_with_default (req, "path", NULL);
  gint64 timeout_s = json_object_get_int_member_with_default (req, "timeout_s", 60);
  JsonArray *heights = json_object_has_member (req, "copy_heights")
                           ? json_object_get_array_member (req, "copy_heights")
                           : NULL;
  g_autoptr (GArray) copy_heights = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (ReelProbe) p = NULL;

  if (!path || timeout_s < 1 || timeout_s > G_MAXINT)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID, "probe request lacks a path");
      finish (NULL, error);
    }
  for (guint i = 0; heights && i < json_array_get_length (heights); i++)
    {
      gint64 h = json_array_get_int_element (heights, i);
      guint v = (guint)CLAMP (h, 0, G_MAXINT);
      g_array_append_val (copy_heights, v);
    }
  inject_faults ("probe", -1, NULL);
  p = reel_probe_file (path, (guint)timeout_s, copy_heights, on_probe_tick, NULL, &error);
  finish (p ? reel_probe_to_json (p) : NULL, error);
}

/* decodebin decodes every stream of a file, linked or not: the audio job
 * would decode the whole picture (for a 1080p upload, most of its CPU) and
 * every chunk the whole sound. So the decoders of the kind a job does not
 * use are skipped; the stream then stays undecoded and unlinked. Only a
 * matter of work: the output is the same as running the line by hand. */
/* decodebin's GstAutoplugSelectResult (gst-plugins-base, not in its public
 * headers): 0 = try the factory, 2 = skip it. */
enum
{
  AUTOPLUG_SELECT_TRY = 0,
  AUTOPLUG_SELECT_SKIP = 2,
};

static gint
skip_unused_decoders (GstElement *bin, GstPad *pad, GstCaps *caps, GstElementFactory *factory,
                      gpointer unused_kind)
{
  GstElementFactoryListType kind = GPOINTER_TO_SIZE (unused_kind);
  return gst_element_factory_list_is_type (factory, GST_ELEMENT_FACTORY_TYPE_DECODER | kind)
             ? AUTOPLUG_SELECT_SKIP
             : AUTOPLUG_SELECT_TRY;
}

/* What starved_us keeps of a thread between calls. */
typedef struct
{
  guint64 ran, wait; /* ns, schedstat's first two fields */
} ThreadTimes;

/* How long, in µs, the threads of this process waited for a CPU they
 * were ready to run on in the last elapsed_us (the time since the last
 * call), as the longest of any one thread. A thread's wait is the second
 * field of /proc/self/task/TID/schedstat, but the kernel adds a wait to
 * it only when the thread gets a CPU: a thread starved through the whole
 * interval shows none yet. So a thread other than the caller that is
 * runnable now (state R) counts the part of the interval it did not run,
 * when that is more (seen: a nice 19 streaming thread behind a busy loop
 * got a CPU about once a second, so a 2 s stall limit failed a pipeline
 * that was only slow). *times (tid -> ThreadTimes, NULL at first) keeps
 * the totals between calls. 0 where the kernel keeps no schedstat. */
static gint64
starved_us (GHashTable **times, gint64 elapsed_us)
{
  g_autoptr (GDir) d = g_dir_open ("/proc/self/task", 0, NULL);
  GHashTable *now = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *self = g_strdup_printf ("%ld", (long)syscall (SYS_gettid));
  guint64 elapsed_ns = (guint64)MAX (elapsed_us, 0) * 1000;
  const char *tid;
  guint64 most = 0;
  while (d && (tid = g_dir_read_name (d)))
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/schedstat", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *text = NULL, *stat = NULL;
      ThreadTimes t, *before;
      guint64 starved, ran;
      const char *state;
      if (!g_file_get_contents (path, &text, NULL, NULL)
          || sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &t.ran, &t.wait) != 2)
        continue;
      before = *times ? g_hash_table_lookup (*times, tid) : NULL;
      starved = t.wait - MIN (t.wait, before ? before->wait : 0);
      ran = t.ran - MIN (t.ran, before ? before->ran : 0);
      /* The state follows the command name, which may hold ") ". */
      state = g_file_get_contents (stat_path, &stat, NULL, NULL) ? strrchr (stat, ')') : NULL;
      if (state && state[1] == ' ' && state[2] == 'R' && !g_str_equal (tid, self))
        starved = MAX (starved, elapsed_ns - MIN (elapsed_ns, ran));
      most = MAX (most, starved);
      g_hash_table_insert (now, g_strdup (tid), g_memdup2 (&t, sizeof t));
    }
  g_clear_pointer (times, g_hash_table_unref);
  *times = now;
  return (gint64)(most / 1000);
}

/* Runs a pipeline to EOS, reporting its position every second. The
 * decodebin named "dec" decodes only the media kind the job uses. A
 * position that does not move for stall_timeout_s fails it, counted in
 * the time its threads could run: a job at a lower priority (the poster,
 * the seek previews) that waits for the CPU while transcodes take it is
 * slow, not stuck. */
static void
run_pipeline (JsonObject *req)
{
  g_autoptr (GError) error = NULL, parse_error = NULL;
  const char *line = json_object_get_string_member_with_default (req, "line", NULL);
  const char *kind = json_object_get_string_member_with_default (req, "kind", "chunk");
  const char *skip = json_object_get_string_member_with_default (req, "skip", "");
  gint64 chunk = json_object_get_int_member_with_default (req, "chunk", -1);
  gint64 stall_s
      = CLAMP (json_object_get_int_member_with_default (req, "stall_timeout_s", STALL_TIMEOUT_S), 1,
               STALL_TIMEOUT_S);
  g_autoptr (GstElement) p = NULL;
  g_autoptr (GstElement) dec = NULL;
  g_autoptr (GstBus) bus = NULL;
  gint64 last_position = -1, stalled_us = 0, last_tick = g_get_monotonic_time ();
  g_autoptr (GHashTable) waits = NULL;

  if (!line)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID, "pipeline request lacks a line");
      finish (NULL, error);
    }
  p = gst_parse_launch_full (line, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!p)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL, "pipeline: %s", parse_error->message);
      finish (NULL, error);
    }
  if ((dec = gst_bin_get_by_name (GST_BIN (p), "dec")) && *skip)
    g_signal_connect (dec, "autoplug-select", G_CALLBACK (skip_unused_decoders),
                      GSIZE_TO_POINTER (g_str_equal (skip, "audio")
                                            ? GST_ELEMENT_FACTORY_TYPE_MEDIA_AUDIO
                                            : GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO));
  inject_faults (kind, chunk, dec);
  bus = gst_element_get_bus (p);
  if (gst_element_set_state (p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL, "pipeline failed to start");
      finish (NULL, error);
    }
  for (;;)
    {
      g_autoptr (GstMessage) m
          = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      gint64 pos = -1;
      if (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS)
        {
          /* The sinks close (and flush) their files on the way down. */
          gst_element_set_state (p, GST_STATE_NULL);
          finish (NULL, NULL);
        }
      if (m)
        {
          g_autoptr (GError) gerr = NULL;
          g_autofree char *dbg = NULL;
          gst_message_parse_error (m, &gerr, &dbg);
          g_printerr ("reel-media: pipeline error: %s (%s)\n", gerr->message, dbg ? dbg : "");
          /* A decoder that cannot decode the file is the file's fault. */
          g_set_error (&error, REEL_ERROR,
                       gerr->domain == GST_STREAM_ERROR ? REEL_ERROR_UNSUPPORTED
                                                        : REEL_ERROR_INTERNAL,
                       "the video could not be transcoded: %s", gerr->message);
          finish (NULL, error);
        }
      {
        gint64 now = g_get_monotonic_time (), elapsed = now - last_tick;
        stalled_us += elapsed - MIN (elapsed, starved_us (&waits, elapsed));
        last_tick = now;
      }
      if (gst_element_query_position (p, GST_FORMAT_TIME, &pos) && pos != last_position)
        {
          last_position = pos;
          stalled_us = 0;
        }
      else if (stalled_us > stall_s * G_USEC_PER_SEC)
        {
          g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL,
                       "the pipeline made no progress for %" G_GINT64_FORMAT " s", stall_s);
          finish (NULL, error);
        }
      emit_progress (pos);
    }
}

/* One line from stdin, read a byte at a time so nothing after it is
 * taken: for a live session, reeld's answers follow on the same pipe. */
static JsonObject *
read_line (gsize max, GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint8 c;
  ssize_t n;

  while ((n = read (STDIN_FILENO, &c, 1)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || buf->len >= max)
        break;
      if (c == '\n')
        break;
      g_byte_array_append (buf, &c, 1);
    }
  if (buf->len == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "nothing on stdin");
      return NULL;
    }
  return reel_json_parse_object ((const char *)buf->data, buf->len, error);
}

/* ---- Live sessions ---------------------------------------------------
 *
 * One SRT listener and what it ingests (pipelines/live-ingest.pipeline,
 * filled by media/live/live_ingest.c): the caller's MPEG-TS is decoded here, so
 * a hostile stream can only take this process down. Who may connect is
 * reeld's decision: during the SRT handshake the child asks with a line
 * {"caller": {"stream_id": ID}} and waits for {"accept": true|false} on
 * stdin. SIGTERM ends the session cleanly (reeld stopping). */

/* An answer is a few bytes. */
#define ANSWER_MAX 1024

static GstElement *live_pipeline;
static GstCaps *unix_ref; /* timestamp/x-unix */
static volatile sig_atomic_t live_stop;

static void
on_term (int sig)
{
  live_stop = 1;
}

/* srtsrc's thread, during a caller's handshake: reeld checks the stream
 * key and starts the session before any of its data can flow. */
static gboolean
on_caller_connecting (GstElement *srt, GSocketAddress *addr, const char *stream_id, gpointer data)
{
  static GMutex asking;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&asking);
  g_autoptr (JsonObject) answer = NULL;
  JsonObject *q = json_object_new ();
  JsonNode *accept;

  json_object_set_string_member (q, "stream_id", stream_id ? stream_id : "");
  emit ("caller", q);
  answer = read_line (ANSWER_MAX, NULL);
  accept = answer ? json_object_get_member (answer, "accept") : NULL;
  return accept && JSON_NODE_HOLDS_VALUE (accept)
         && json_node_get_value_type (accept) == G_TYPE_BOOLEAN && json_node_get_boolean (accept);
}

/* Each decoded frame carries the wall-clock time it reached the ladder
 * (the live latency the packager reports). */
static GstPadProbeReturn
stamp_arrival (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  gst_buffer_add_reference_timestamp_meta (buf, unix_ref, (guint64)g_get_real_time () * 1000,
                                           GST_CLOCK_TIME_NONE);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

/* The sender's timestamps, as they are: tsdemux would otherwise correct
 * them for the skew between the sender's clock (PCR) and ours while it
 * learns it, which makes frames a few ms early or late for the first
 * seconds, and segments uneven. Nothing here plays against our clock. */
static void
on_element_added (GstBin *bin, GstBin *sub, GstElement *element, gpointer data)
{
  GstElementFactory *f = gst_element_get_factory (element);
  if (f && g_str_equal (GST_OBJECT_NAME (f), "tsdemux"))
    g_object_set (element, "ignore-pcr", TRUE, NULL);
}

/* A stream without sound (or picture) leaves a branch unlinked; it must
 * still end, or the pipeline never does. */
static void
on_no_more_pads (GstElement *dec, gpointer data)
{
  const char *branches[] = { "video", "audio" };
  for (guint i = 0; i < G_N_ELEMENTS (branches); i++)
    {
      g_autoptr (GstElement) q = gst_bin_get_by_name (GST_BIN (live_pipeline), branches[i]);
      g_autoptr (GstPad) sink = q ? gst_element_get_static_pad (q, "sink") : NULL;
      if (sink && !gst_pad_is_linked (sink))
        gst_pad_send_event (sink, gst_event_new_eos ());
    }
}

static void
run_live (JsonObject *req)
{
  g_autoptr (GError) error = NULL, parse_error = NULL;
  const char *line = json_object_get_string_member_with_default (req, "line", NULL);
  g_autoptr (GstElement) srt = NULL, dec = NULL, ladder = NULL;
  g_autoptr (GstPad) ladder_sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  struct sigaction term = { 0 };

  if (!line)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID, "live request lacks a line");
      finish (NULL, error);
    }
  live_pipeline = gst_parse_launch_full (line, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!live_pipeline)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL, "pipeline: %s", parse_error->message);
      finish (NULL, error);
    }
  srt = gst_bin_get_by_name (GST_BIN (live_pipeline), "srt");
  dec = gst_bin_get_by_name (GST_BIN (live_pipeline), "dec");
  ladder = gst_bin_get_by_name (GST_BIN (live_pipeline), "ladder");
  if (!srt || !dec || !ladder)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID,
                   "a live pipeline needs elements named srt, dec and ladder");
      finish (NULL, error);
    }
  unix_ref = gst_caps_new_empty_simple ("timestamp/x-unix");
  ladder_sink = gst_element_get_static_pad (ladder, "sink");
  g_signal_connect (srt, "caller-connecting", G_CALLBACK (on_caller_connecting), NULL);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), NULL);
  g_signal_connect (dec, "deep-element-added", G_CALLBACK (on_element_added), NULL);
  gst_pad_add_probe (ladder_sink, GST_PAD_PROBE_TYPE_BUFFER, stamp_arrival, NULL, NULL);
  term.sa_handler = on_term;
  sigaction (SIGTERM, &term, NULL);
  inject_faults ("live", -1, dec);
  bus = gst_element_get_bus (live_pipeline);
  if (gst_element_set_state (live_pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL, "the listener failed to start");
      finish (NULL, error);
    }
  for (;;)
    {
      g_autoptr (GstMessage) m
          = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      if (live_stop || (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS))
        {
          /* The recording and the NATS sinks are complete on the way down. */
          gst_element_set_state (live_pipeline, GST_STATE_NULL);
          finish (NULL, NULL);
        }
      if (m)
        {
          g_autoptr (GError) gerr = NULL;
          g_autofree char *dbg = NULL;
          gst_message_parse_error (m, &gerr, &dbg);
          g_printerr ("reel-media: live pipeline error: %s (%s)\n", gerr->message, dbg ? dbg : "");
          g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL, "%s", gerr->message);
          gst_element_set_state (live_pipeline, GST_STATE_NULL);
          finish (NULL, error);
        }
      emit_progress (-1);
    }
}

/* The frames a request asks for ("dir", "interval_s", "max_frames");
 * FALSE when one is missing or out of range. */
static gboolean
frames_spec (JsonObject *req, ReelFramesSpec *spec)
{
  gint64 interval_s = json_object_get_int_member_with_default (req, "interval_s", 0);
  gint64 max_frames = json_object_get_int_member_with_default (req, "max_frames", 0);
  spec->dir = json_object_get_string_member_with_default (req, "dir", NULL);
  if (!spec->dir || interval_s < 1 || interval_s > 3600 || max_frames < 1 || max_frames > G_MAXINT)
    return FALSE;
  spec->interval_s = (guint)interval_s;
  spec->max_frames = (guint)max_frames;
  return TRUE;
}

static void
run_fingerprint (JsonObject *req)
{
  g_autoptr (GError) error = NULL;
  const char *path = json_object_get_string_member_with_default (req, "path", NULL);
  gint64 max_seconds = json_object_get_int_member_with_default (req, "max_seconds", 0);
  gboolean frames = json_object_has_member (req, "dir");
  ReelFramesSpec spec = { 0 };
  JsonObject *prints;

  if (!path || max_seconds < 1 || max_seconds > G_MAXINT || (frames && !frames_spec (req, &spec)))
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID,
                   "fingerprint request lacks a path or max_seconds, or has a dir without "
                   "interval_s or max_frames");
      finish (NULL, error);
    }
  prints = reel_fingerprint_file (path, (guint)max_seconds, frames ? &spec : NULL, on_decode_tick,
                                  NULL, &error);
  finish (prints, error);
}

static void
run_frames (JsonObject *req)
{
  g_autoptr (GError) error = NULL;
  const char *path = json_object_get_string_member_with_default (req, "path", NULL);
  ReelFramesSpec spec = { 0 };
  JsonObject *out;
  if (!path || !frames_spec (req, &spec))
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID,
                   "frames request lacks a path, dir, interval_s or max_frames");
      finish (NULL, error);
    }
  out = reel_frames_sample (path, &spec, on_decode_tick, NULL, &error);
  finish (out, error);
}

/* The request's limits, on this process, before it reads any media. */
static void
take_limits (JsonObject *req)
{
  JsonNode *node = json_object_get_member (req, "limits");
  JsonObject *l = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  gint64 cpu_s = l ? json_object_get_int_member_with_default (l, "cpu_s", 0) : 0;
  gint64 grace_s = l ? json_object_get_int_member_with_default (l, "cpu_grace_s", 0) : 0;
  gint64 memory = l ? json_object_get_int_member_with_default (l, "memory_bytes", 0) : 0;
  if (cpu_s > 0)
    {
      struct rlimit cpu = { (rlim_t)cpu_s, (rlim_t)(cpu_s + MAX (grace_s, 0)) };
      setrlimit (RLIMIT_CPU, &cpu);
    }
  if (memory > 0)
    {
      struct rlimit as = { (rlim_t)memory, (rlim_t)memory };
      setrlimit (RLIMIT_AS, &as);
    }
}

/* GStreamer, reel's elements and the decoders every job loads: a tenth
 * of a second or two, mostly libav's libraries. */
static void
start_gstreamer (gboolean decoders)
{
  gst_init (NULL, NULL);
  /* The reel elements the pipelines use; nothing else of reel's. */
  GST_ELEMENT_REGISTER (reelrange, NULL);
  GST_ELEMENT_REGISTER (reelladder, NULL);
  GST_ELEMENT_REGISTER (reelscale, NULL);
  GST_ELEMENT_REGISTER (reeltonemap, NULL);
  GST_ELEMENT_REGISTER (reelx264enc, NULL);
  GST_ELEMENT_REGISTER (natssink, NULL);
  if (decoders)
    {
      GstPlugin *libav = gst_plugin_load_by_name ("libav");
      if (libav)
        gst_object_unref (libav);
    }
}

/* What the request's work yields the CPU to (media/niceness.h): the
 * checks, the poster and the seek previews yield to the transcode that
 * makes videos playable. */
static void
yield_cpu (JsonObject *req)
{
  int nice = reel_media_niceness (req);
  if (nice)
    setpriority (PRIO_PROCESS, 0, nice);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) req = NULL;
  const char *op;
  gboolean warm = argc == 2 && g_str_equal (argv[1], "--warm");

  if (argc > 1 && !warm)
    {
      g_printerr ("usage: reel-media [--warm] < REQUEST.json (started by reeld; see "
                  "media/child_main.c)\n");
      return 2;
    }
  if (warm)
    {
      prctl (PR_SET_NAME, "reel-media-warm");
      start_gstreamer (TRUE);
    }
  if (!(req = read_line (REQUEST_MAX, &error)))
    finish (NULL, error);
  if (warm)
    prctl (PR_SET_NAME, "reel-media");
  take_limits (req);
  op = json_object_get_string_member_with_default (req, "op", "");
  /* Before anything else (in a cold child): GStreamer's start (its
   * registry, the plugins) is a tenth of a second of CPU, and every job of
   * a new upload starts at once beside its first chunk. */
  yield_cpu (req);
  if (!warm)
    start_gstreamer (FALSE);
  if (g_str_equal (op, "probe"))
    run_probe (req);
  else if (g_str_equal (op, "pipeline"))
    run_pipeline (req);
  else if (g_str_equal (op, "live"))
    run_live (req);
  else if (g_str_equal (op, "fingerprint"))
    run_fingerprint (req);
  else if (g_str_equal (op, "frames"))
    run_frames (req);
  g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID, "unknown request \"%s\"", op);
  finish (NULL, error);
}
