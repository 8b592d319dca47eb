/* See harness.h: what a test reads beside HTTP (the event and action
 * streams, the job queue, the LMDB read models, files on disk) and the
 * validators it runs over them. */
#include "harness.h"

#include <nats/nats.h>

/* The nats-server started last (or what a test named with
 * reel_test_jobs_nats): where a stalled wait looks for its jobs. */
static char *last_nats_url;

void
reel_test_jobs_nats (const char *urls)
{
  g_free (last_nats_url);
  last_nats_url = g_strdup (urls);
}

/* What the job queue holds, for a wait that timed out: each consumer's
 * pending, in-flight and redelivered counts and every job still queued
 * (a stalled video is a lost job or a job that keeps failing). */
void
reel_test_dump_jobs (void)
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
