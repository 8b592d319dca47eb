/* Benchmark (meson benchmark, not a test): natssink -> natssrc throughput
 * against filesink -> filesrc of the same buffers, in one run.
 *
 * The same BUFFERS x BUFFER_SIZE bytes (fakesrc, zero-filled: no
 * producer cost to speak of; with caps, which natssrc needs) go
 *   - to a file with filesink, then back with filesrc (write + read),
 *   - through a real nats-server on loopback with core NATS (natssink ->
 *     natssrc, running at once), and
 *   - through a JetStream stream on the same server (acknowledged, stored
 *     on disk, replayed to the consumer as it arrives).
 * Each line gives MB/s (10^6 bytes per second of wall time, from the first
 * buffer produced to the last one consumed) and the ratio to the file
 * round trip. The consumer counts what it got: a NATS run that lost
 * buffers says so. */
#include "gstreel.h"
#include "harness.h"

#include <gst/gst.h>
#include <nats/nats.h>
#include <stdio.h>

#define BUFFERS 1024
#define BUFFER_SIZE 65536 /* well under nats-server's 1 MiB max payload */

typedef struct
{
  guint64 bytes;
  guint buffers;
} Count;

static GstPadProbeReturn
count (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Count *c = data;
  c->bytes += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  c->buffers++;
  return GST_PAD_PROBE_OK;
}

static GstElement *
launch (const char *line)
{
  g_autoptr (GError) error = NULL;
  GstElement *p = gst_parse_launch_full (line, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!p)
    g_error ("%s: %s", line, error->message);
  return p;
}

/* Runs to EOS; returns FALSE on an error. */
static gboolean
wait_eos (GstElement *p)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (p);
  g_autoptr (GstMessage) m
      = gst_bus_timed_pop_filtered (bus, 300 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      gst_message_parse_error (m, &error, NULL);
      g_printerr ("%s: %s\n", GST_OBJECT_NAME (GST_MESSAGE_SRC (m)), error->message);
    }
  return m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS;
}

static void
stop (GstElement *p)
{
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

/* Producer and consumer running at once; seconds from start to the
 * consumer's end. */
static double
run_pair (const char *producer_line, const char *consumer_line, Count *got)
{
  GstElement *consumer = launch (consumer_line), *producer = launch (producer_line);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (consumer), "out");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");
  gint64 t0;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count, got, NULL);
  /* The consumer subscribes while it starts; only then does data flow. */
  gst_element_set_state (consumer, GST_STATE_PLAYING);
  gst_element_get_state (consumer, NULL, NULL, 10 * GST_SECOND);
  t0 = g_get_monotonic_time ();
  gst_element_set_state (producer, GST_STATE_PLAYING);
  if (!wait_eos (producer) || !wait_eos (consumer))
    g_printerr ("the run did not finish cleanly\n");
  stop (producer);
  stop (consumer);
  return (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
}

static double
run_one (const char *line, Count *got)
{
  GstElement *p = launch (line);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (p), "out");
  gint64 t0 = g_get_monotonic_time ();
  if (got)
    {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count, got, NULL);
    }
  gst_element_set_state (p, GST_STATE_PLAYING);
  if (!wait_eos (p))
    g_printerr ("%s did not finish cleanly\n", line);
  stop (p);
  return (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
}

/* A stream on disk, as reel's live streams are; it must exist before the
 * consumer subscribes. */
static void
create_stream (const char *url)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsStreamConfig cfg;
  const char *subjects[] = { "bench.js" };
  if (natsConnection_ConnectTo (&nc, url) != NATS_OK
      || natsConnection_JetStream (&js, nc, NULL) != NATS_OK)
    g_error ("cannot reach %s", url);
  jsStreamConfig_Init (&cfg);
  cfg.Name = "BENCH";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  if (js_AddStream (NULL, js, &cfg, NULL, NULL) != NATS_OK)
    g_error ("cannot create the stream");
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
}

static void
report (const char *what, double seconds, const Count *got, double reference_mbps)
{
  guint64 total = (guint64)BUFFERS * BUFFER_SIZE;
  double mbps = (double)total / 1e6 / seconds;
  printf ("%-34s %8.1f MB/s  %6.3f s  x%.2f of file  (%u/%u buffers)\n", what, mbps, seconds,
          reference_mbps > 0 ? mbps / reference_mbps : 1.0, got->buffers, BUFFERS);
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL, *file = NULL, *src = NULL, *line = NULL, *line2 = NULL;
  ReelTestNats *nats;
  Count file_got = { 0 }, core_got = { 0 }, js_got = { 0 };
  double t_write, t_read, t_file, t_core, t_js, file_mbps;

  gst_init (&argc, &argv);
  reel_gst_register ();
  dir = reel_test_tmpdir ();
  file = g_build_filename (dir, "buffers.bin", NULL);
  nats = reel_test_nats_start ();
  src = g_strdup_printf ("fakesrc num-buffers=%d sizetype=fixed sizemax=%d filltype=zero "
                         "! application/x-bench",
                         BUFFERS, BUFFER_SIZE);

  line = g_strdup_printf ("%s ! filesink location=%s name=out", src, file);
  t_write = run_one (line, NULL);
  g_free (line);
  line = g_strdup_printf ("filesrc location=%s blocksize=%d ! fakesink name=out sync=false", file,
                          BUFFER_SIZE);
  t_read = run_one (line, &file_got);
  t_file = t_write + t_read;
  file_mbps = (double)BUFFERS * BUFFER_SIZE / 1e6 / t_file;

  g_free (line);
  line = g_strdup_printf ("%s ! natssink url=%s subject=bench.core", src, nats->url);
  line2 = g_strdup_printf ("natssrc url=%s subject=bench.core is-live=false ! fakesink name=out "
                           "sync=false",
                           nats->url);
  t_core = run_pair (line, line2, &core_got);

  g_free (line);
  g_free (line2);
  line = g_strdup_printf ("%s ! natssink url=%s subject=bench.js jetstream=true", src, nats->url);
  line2 = g_strdup_printf ("natssrc url=%s subject=bench.js start=all is-live=false ! fakesink "
                           "name=out sync=false",
                           nats->url);
  create_stream (nats->url);
  t_js = run_pair (line, line2, &js_got);

  printf ("%d buffers of %d bytes (%.1f MB), loopback nats-server %s\n", BUFFERS, BUFFER_SIZE,
          (double)BUFFERS * BUFFER_SIZE / 1e6, nats->url);
  printf ("%-34s %8.1f MB/s  (write %.3f s + read %.3f s)\n", "reference: filesink -> filesrc",
          file_mbps, t_write, t_read);
  report ("natssink -> natssrc (core NATS)", t_core, &core_got, file_mbps);
  report ("natssink -> natssrc (JetStream)", t_js, &js_got, file_mbps);
  (void)file_got;

  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  return core_got.buffers == BUFFERS && js_got.buffers == BUFFERS ? 0 : 1;
}
