/* natssink and natssrc (plugins/) with GstHarness against a real
 * nats-server on a free loopback port:
 *
 *   /natssink/roundtrip        core NATS: bytes, caps (and a caps change),
 *                              timestamps, offsets, flags, segment and
 *                              reference timestamps survive byte-exact
 *   /natssrc/replay-sequence   JetStream: a consumer starting at sequence N
 *                              gets exactly buffers N.. (caps found by
 *                              looking back), then the end of the stream
 *   /natssrc/replay-all-time   JetStream from the start and from a time
 *   /natssrc/join-mid-stream   core NATS: a late consumer starts at the
 *                              first message that repeats the caps
 *   /natssink/oversize         a buffer above the server's max payload is
 *                              an element error, not a crash
 *   /auth/token                against a server that requires a token,
 *                              both elements fail without it (an element
 *                              error naming the refusal) and work with it
 *   /reconnect/natssink        the server restarts mid-stream: the sink
 *                              reconnects and JetStream holds every buffer
 *                              exactly once */
#include "gstreel.h"
#include "harness.h"

#include <gst/check/gstharness.h>
#include <nats/nats.h>
#include <signal.h>

static ReelTestNats *nats;

static GstHarness *harness (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static GstHarness *
harness (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *line = NULL;
  va_start (ap, fmt);
  line = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return gst_harness_new_parse (line);
}

static GstBuffer *
make_buffer (guint i, GstClockTime pts)
{
  g_autofree char *text = g_strdup_printf ("buffer %u payload", i);
  GstBuffer *buf = gst_buffer_new_memdup (text, strlen (text) + 1);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = pts - 10 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 40 * GST_MSECOND;
  GST_BUFFER_OFFSET (buf) = i;
  GST_BUFFER_OFFSET_END (buf) = i + 1;
  if (i % 3)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (i == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_HEADER);
  return buf;
}

static void
assert_same (GstBuffer *got, GstBuffer *sent)
{
  GstMapInfo map;
  g_assert_true (gst_buffer_map (sent, &map, GST_MAP_READ));
  g_assert_cmpuint (gst_buffer_get_size (got), ==, map.size);
  g_assert_cmpint (gst_buffer_memcmp (got, 0, map.data, map.size), ==, 0);
  gst_buffer_unmap (sent, &map);
  g_assert_cmpuint (GST_BUFFER_PTS (got), ==, GST_BUFFER_PTS (sent));
  g_assert_cmpuint (GST_BUFFER_DTS (got), ==, GST_BUFFER_DTS (sent));
  g_assert_cmpuint (GST_BUFFER_DURATION (got), ==, GST_BUFFER_DURATION (sent));
  g_assert_cmpuint (GST_BUFFER_OFFSET (got), ==, GST_BUFFER_OFFSET (sent));
  g_assert_cmpuint (GST_BUFFER_OFFSET_END (got), ==, GST_BUFFER_OFFSET_END (sent));
  g_assert_cmphex (GST_BUFFER_FLAGS (got) & ~GST_BUFFER_FLAG_TAG_MEMORY, ==,
                   GST_BUFFER_FLAGS (sent) & ~GST_BUFFER_FLAG_TAG_MEMORY);
}

/* The payload of a buffer made by make_buffer, or -1. */
static int
buffer_index (GstBuffer *buf)
{
  GstMapInfo map;
  guint i = 0;
  int n = -1;
  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
  if (sscanf ((const char *)map.data, "buffer %u payload", &i) == 1)
    n = (int)i;
  gst_buffer_unmap (buf, &map);
  return n;
}

/* The first segment event the harness received (later ones follow
 * later segments of the producer). */
static gboolean
first_segment (GstHarness *h, GstSegment *out)
{
  GstEvent *e;
  while ((e = gst_harness_try_pull_event (h)))
    {
      gboolean found = GST_EVENT_TYPE (e) == GST_EVENT_SEGMENT;
      if (found)
        gst_event_copy_segment (e, out);
      gst_event_unref (e);
      if (found)
        return TRUE;
    }
  return FALSE;
}

/* Records the caps in force when each buffer leaves natssrc. */
static GstPadProbeReturn
record_caps (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  g_ptr_array_add (data, gst_pad_get_current_caps (pad));
  return GST_PAD_PROBE_OK;
}

static void
test_roundtrip (void)
{
  GstHarness *src = harness ("natssrc url=%s subject=rt.one is-live=false", nats->url);
  GstHarness *sink = harness ("natssink url=%s subject=rt.one", nats->url);
  g_autoptr (GstCaps) caps_a = gst_caps_from_string ("video/x-h264,width=320,height=240");
  g_autoptr (GstCaps) caps_b = gst_caps_from_string ("video/x-h264,width=160,height=120");
  g_autoptr (GstCaps) unix_ref = gst_caps_new_empty_simple ("timestamp/x-unix");
  GPtrArray *sent = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_buffer_unref);
  g_autoptr (GPtrArray) caps_seen = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_caps_unref);
  g_autoptr (GstPad) srcpad = gst_element_get_static_pad (src->element, "src");
  GstSegment seg, got_seg;

  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER, record_caps, caps_seen, NULL);
  gst_harness_play (src);
  gst_harness_set_src_caps (sink, gst_caps_ref (caps_a));
  /* A producer whose stream time runs 10 s ahead of its timestamps. */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.time = 10 * GST_SECOND;
  g_assert_true (gst_harness_push_event (sink, gst_event_new_segment (&seg)));
  for (guint i = 0; i < 6; i++)
    {
      GstBuffer *buf = make_buffer (i, GST_SECOND + i * 40 * GST_MSECOND);
      if (i == 2)
        gst_buffer_add_reference_timestamp_meta (buf, unix_ref, 1700000000123456789,
                                                 GST_CLOCK_TIME_NONE);
      if (i == 4)
        gst_harness_set_src_caps (sink, gst_caps_ref (caps_b));
      g_ptr_array_add (sent, gst_buffer_ref (buf));
      g_assert_cmpint (gst_harness_push (sink, buf), ==, GST_FLOW_OK);
    }
  for (guint i = 0; i < 6; i++)
    {
      GstBuffer *got = gst_harness_pull (src);
      g_assert_nonnull (got);
      assert_same (got, sent->pdata[i]);
      g_assert_cmpuint (caps_seen->len, >, i);
      g_assert_true (gst_caps_is_equal (caps_seen->pdata[i], i < 4 ? caps_a : caps_b));
      if (i == 2)
        {
          GstReferenceTimestampMeta *m = gst_buffer_get_reference_timestamp_meta (got, unix_ref);
          g_assert_nonnull (m);
          g_assert_cmpuint (m->timestamp, ==, 1700000000123456789);
        }
      if (i == 0)
        {
          g_assert_true (first_segment (src, &got_seg));
          /* The producer's stream time survives. */
          g_assert_cmpuint (
              gst_segment_to_stream_time (&got_seg, GST_FORMAT_TIME, GST_BUFFER_PTS (got)), ==,
              11 * GST_SECOND);
        }
      gst_buffer_unref (got);
    }
  /* natssink's end marker ends natssrc's stream. */
  g_assert_true (gst_harness_push_event (sink, gst_event_new_eos ()));
  for (;;)
    {
      GstEvent *e = gst_harness_pull_event (src);
      gboolean eos = GST_EVENT_TYPE (e) == GST_EVENT_EOS;
      gst_event_unref (e);
      if (eos)
        break;
    }
  g_ptr_array_unref (sent);
  gst_harness_teardown (sink);
  gst_harness_teardown (src);
}

/* Publishes buffers first..last (caps only on the first) into JetStream. */
static void
publish_js (GstHarness *sink, guint first, guint last)
{
  for (guint i = first; i <= last; i++)
    g_assert_cmpint (gst_harness_push (sink, make_buffer (i, i * 40 * GST_MSECOND)), ==,
                     GST_FLOW_OK);
}

/* Pulls from src until EOS; returns the buffer indexes seen. Buffers and
 * events wait in separate queues: the EOS may be pulled before the last
 * buffers are. */
static GArray *
pull_all (GstHarness *src, GstCaps *expect_caps)
{
  GArray *seen = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean eos = FALSE;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      GstEvent *e;
      GstBuffer *b = gst_harness_try_pull (src);
      if (b)
        {
          g_autoptr (GstCaps) caps = gst_pad_get_current_caps (src->sinkpad);
          int n = buffer_index (b);
          g_assert_nonnull (caps);
          g_assert_true (gst_caps_is_equal (caps, expect_caps));
          g_assert_cmpuint (GST_BUFFER_PTS (b), ==, (guint64)n * 40 * GST_MSECOND);
          g_array_append_val (seen, n);
          gst_buffer_unref (b);
          continue;
        }
      if (eos)
        return seen;
      e = gst_harness_try_pull_event (src);
      if (e)
        {
          eos = GST_EVENT_TYPE (e) == GST_EVENT_EOS;
          gst_event_unref (e);
          continue;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (5000);
    }
}

static jsCtx *
jetstream (natsConnection **nc)
{
  jsCtx *js = NULL;
  g_assert_cmpint (natsConnection_ConnectTo (nc, nats->url), ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (&js, *nc, NULL), ==, NATS_OK);
  return js;
}

static void
create_stream (const char *name, const char *subject)
{
  natsConnection *nc = NULL;
  jsCtx *js = jetstream (&nc);
  jsStreamConfig cfg;
  jsStreamInfo *si = NULL;
  const char *subjects[] = { subject };
  jsStreamConfig_Init (&cfg);
  cfg.Name = name;
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_MemoryStorage;
  g_assert_cmpint (js_AddStream (&si, js, &cfg, NULL, NULL), ==, NATS_OK);
  jsStreamInfo_Destroy (si);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
}

/* Waits until the stream holds n messages. */
static void
wait_stored (const char *name, guint64 n)
{
  natsConnection *nc = NULL;
  jsCtx *js = jetstream (&nc);
  guint64 have = 0;
  for (int i = 0; i < 500 && have < n; i++)
    {
      jsStreamInfo *si = NULL;
      g_assert_cmpint (js_GetStreamInfo (&si, js, name, NULL, NULL), ==, NATS_OK);
      have = si->State.Msgs;
      jsStreamInfo_Destroy (si);
      if (have < n)
        g_usleep (10 * 1000);
    }
  g_assert_cmpuint (have, ==, n);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
}

static void
test_replay_sequence (void)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string ("video/x-h264,width=64,height=48");
  GstHarness *sink, *src;
  g_autoptr (GArray) seen = NULL;

  /* caps-interval=0: the caps travel on the first message only, so the
   * consumer must find them by looking back. The sink creates the stream. */
  sink = harness ("natssink url=%s subject=js.seq stream=SEQ caps-interval=0", nats->url);
  gst_harness_set_src_caps (sink, gst_caps_ref (caps));
  publish_js (sink, 1, 10);
  g_assert_true (gst_harness_push_event (sink, gst_event_new_eos ()));
  gst_harness_teardown (sink);
  wait_stored ("SEQ", 11);

  /* Sequence 1 holds buffer 1, so sequence 5 holds buffer 5. */
  src = harness ("natssrc url=%s subject=js.seq start=sequence start-sequence=5 is-live=false",
                 nats->url);
  gst_harness_play (src);
  seen = pull_all (src, caps);
  g_assert_cmpuint (seen->len, ==, 6);
  for (guint i = 0; i < seen->len; i++)
    g_assert_cmpint (g_array_index (seen, int, i), ==, (int)i + 5);
  gst_harness_teardown (src);
}

static void
test_replay_all_time (void)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string ("audio/x-test,rate=48000");
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *mark = NULL;
  g_autoptr (GArray) all = NULL, later = NULL;
  GstHarness *sink, *src;

  create_stream ("TIMED", "js.time");
  sink = harness ("natssink url=%s subject=js.time jetstream=true", nats->url);
  gst_harness_set_src_caps (sink, gst_caps_ref (caps));
  publish_js (sink, 0, 4);
  wait_stored ("TIMED", 5);
  gst_harness_teardown (sink);
  /* A mark less than 0.1 s into its second: nats.c 3.4 would send such a
   * start time's fraction wrong (natssrc works around it). */
  while (g_get_real_time () % G_USEC_PER_SEC < 20000 || g_get_real_time () % G_USEC_PER_SEC > 60000)
    g_usleep (1000);
  now = g_date_time_new_now_utc ();
  mark = g_date_time_format_iso8601 (now);
  g_usleep (20 * 1000);
  sink = harness ("natssink url=%s subject=js.time jetstream=true", nats->url);
  gst_harness_set_src_caps (sink, gst_caps_ref (caps));
  publish_js (sink, 5, 9);
  g_assert_true (gst_harness_push_event (sink, gst_event_new_eos ()));
  gst_harness_teardown (sink);
  wait_stored ("TIMED", 11);

  src = harness ("natssrc url=%s subject=js.time start=all is-live=false", nats->url);
  gst_harness_play (src);
  all = pull_all (src, caps);
  gst_harness_teardown (src);
  g_assert_cmpuint (all->len, ==, 10);
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpint (g_array_index (all, int, i), ==, (int)i);

  src = harness ("natssrc url=%s subject=js.time start=time start-time=%s is-live=false", nats->url,
                 mark);
  gst_harness_play (src);
  later = pull_all (src, caps);
  gst_harness_teardown (src);
  g_assert_cmpuint (later->len, ==, 5);
  for (guint i = 0; i < later->len; i++)
    g_assert_cmpint (g_array_index (later, int, i), ==, (int)i + 5);
}

/* A consumer that joins a core NATS subject mid-stream starts at the next
 * sync point that carries the caps (once per caps-interval). */
static void
test_join_mid_stream (void)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string ("video/x-h264,width=32,height=32");
  /* max-pending=1: each push returns once the server has the message, so
   * buffers 0 and 1 are gone before the consumer subscribes. */
  GstHarness *sink
      = harness ("natssink url=%s subject=rt.join max-pending=1 caps-interval=%" G_GUINT64_FORMAT,
                 nats->url, (guint64)(100 * GST_MSECOND));
  GstHarness *src = NULL;
  GstBuffer *first;

  gst_harness_set_src_caps (sink, gst_caps_ref (caps));
  publish_js (sink, 0, 1);
  src = harness ("natssrc url=%s subject=rt.join is-live=false", nats->url);
  gst_harness_play (src);
  /* Buffers 2..10, 40 ms apart: 3, 6 and 9 are sync points (make_buffer);
   * caps ride again on the first sync point 100 ms after buffer 0: 3. */
  publish_js (sink, 2, 10);
  first = gst_harness_pull (src);
  g_assert_nonnull (first);
  g_assert_cmpint (buffer_index (first), ==, 3);
  gst_buffer_unref (first);
  gst_harness_teardown (sink);
  gst_harness_teardown (src);
}

static void
test_oversize (void)
{
  GstHarness *sink = harness ("natssink url=%s subject=big.one", nats->url);
  g_autoptr (GstBus) bus = gst_bus_new ();
  g_autoptr (GstMessage) m = NULL;
  g_autoptr (GError) error = NULL;
  /* nats-server's default max_payload is 1 MiB. */
  GstBuffer *big = gst_buffer_new_allocate (NULL, 2 << 20, NULL);
  gst_buffer_memset (big, 0, 7, 2 << 20);
  gst_element_set_bus (sink->element, bus);
  gst_harness_set_src_caps_str (sink, "video/x-raw,format=I420,width=1920,height=1080");
  g_assert_cmpint (gst_harness_push (sink, big), ==, GST_FLOW_ERROR);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_assert_nonnull (m);
  gst_message_parse_error (m, &error, NULL);
  g_assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, "too large"));
  /* Small buffers still go through afterwards. */
  g_assert_cmpint (gst_harness_push (sink, make_buffer (1, 0)), ==, GST_FLOW_OK);
  gst_element_set_bus (sink->element, NULL);
  gst_harness_teardown (sink);
}

/* Runs a pipeline to its end; returns NULL at EOS or the error's text. */
static char *
run_to_end (const char *line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (line, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) m = NULL;
  char *result = NULL;
  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (m);
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
    {
      g_autofree char *debug = NULL;
      g_autoptr (GError) err = NULL;
      gst_message_parse_error (m, &err, &debug);
      result = g_strdup_printf ("%s %s", err->message, debug ? debug : "");
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return result;
}

/* Runs produce or consume with extra properties (the credentials). */
static char *
run_with (const char *tpl, const char *url, const char *extra)
{
  g_autofree char *line = g_strdup_printf (tpl, url, extra);
  return run_to_end (line);
}

static void
test_token (void)
{
  ReelTestNats *locked = reel_test_nats_start_token ("s3cret-test-token");
  const char *produce = "fakesrc num-buffers=3 sizetype=fixed sizemax=16 filltype=pattern "
                        "! natssink url=%s subject=tok.a stream=TOK %s";
  const char *consume = "natssrc url=%s subject=tok.a start=all is-live=false %s ! fakesink";
  g_autofree char *sink_open = run_with (produce, locked->url, "");
  g_autofree char *sink_wrong = run_with (produce, locked->url, "token=not-the-token");
  g_autofree char *sink_auth = run_with (produce, locked->url, "token=s3cret-test-token");
  g_autofree char *src_open = run_with (consume, locked->url, "");
  /* natssrc reads the three buffers and natssink's end marker. */
  g_autofree char *src_auth = run_with (consume, locked->url, "token=s3cret-test-token");

  g_assert_nonnull (sink_open);
  g_assert_nonnull (strstr (sink_open, "Authorization Violation"));
  g_assert_nonnull (sink_wrong);
  g_assert_nonnull (strstr (sink_wrong, "Authorization Violation"));
  g_assert_null (sink_auth);
  g_assert_nonnull (src_open);
  g_assert_nonnull (strstr (src_open, "Authorization Violation"));
  g_assert_null (src_auth);
  reel_test_nats_stop (locked);
}

/* Waits until the restarted server answers JetStream requests again. */
static void
wait_jetstream (void)
{
  for (int i = 0; i < 500; i++)
    {
      natsConnection *nc = NULL;
      jsCtx *js = NULL;
      jsAccountInfo *ai = NULL;
      gboolean up = natsConnection_ConnectTo (&nc, nats->url) == NATS_OK
                    && natsConnection_JetStream (&js, nc, NULL) == NATS_OK
                    && js_GetAccountInfo (&ai, js, NULL, NULL) == NATS_OK;
      jsAccountInfo_Destroy (ai);
      jsCtx_Destroy (js);
      natsConnection_Destroy (nc);
      if (up)
        return;
      g_usleep (10 * 1000);
    }
  g_assert_not_reached ();
}

static void
test_reconnect (void)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string ("video/x-h264,width=64,height=48");
  GstHarness *sink, *src;
  g_autoptr (GArray) seen = NULL;

  sink = harness ("natssink url=%s subject=js.recon stream=RECON", nats->url);
  gst_harness_set_src_caps (sink, gst_caps_ref (caps));
  publish_js (sink, 0, 4);
  wait_stored ("RECON", 5);
  reel_test_nats_restart (nats);
  /* Published while the client reconnects: buffered, then acknowledged. */
  publish_js (sink, 5, 9);
  g_assert_true (gst_harness_push_event (sink, gst_event_new_eos ()));
  gst_harness_teardown (sink);
  wait_jetstream ();
  wait_stored ("RECON", 11);

  src = harness ("natssrc url=%s subject=js.recon start=all is-live=false", nats->url);
  gst_harness_play (src);
  seen = pull_all (src, caps);
  gst_harness_teardown (src);
  g_assert_cmpuint (seen->len, ==, 10);
  for (guint i = 0; i < seen->len; i++)
    g_assert_cmpint (g_array_index (seen, int, i), ==, (int)i);
}

int
main (int argc, char **argv)
{
  int ret;
  gst_init (&argc, &argv);
  reel_gst_register ();
  g_test_init (&argc, &argv, NULL);
  nats = reel_test_nats_start ();
  g_test_add_func ("/natssink/roundtrip", test_roundtrip);
  g_test_add_func ("/natssrc/replay-sequence", test_replay_sequence);
  g_test_add_func ("/natssrc/replay-all-time", test_replay_all_time);
  g_test_add_func ("/natssrc/join-mid-stream", test_join_mid_stream);
  g_test_add_func ("/natssink/oversize", test_oversize);
  g_test_add_func ("/auth/token", test_token);
  /* Last: it restarts the server under the others' feet. */
  g_test_add_func ("/reconnect/natssink", test_reconnect);
  ret = g_test_run ();
  reel_test_nats_stop (nats);
  return ret;
}
