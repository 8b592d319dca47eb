/* Job workers (bus/jobs.h) against a real nats-server.
 *
 *   /jobs/stop-all   reel_jobs_request_stop reaches every worker on the bus
 *                    at once: a job running on one of them sees
 *                    reel_job_stopping and gives its work up, a worker of
 *                    another kind starts no new job (one its waiting fetch
 *                    still takes is handed back unstarted), and the
 *                    interrupted job is handed back, not given up: the
 *                    next node's workers get both jobs (the interrupted
 *                    one on its second delivery). A node's shutdown stops
 *                    all its roles' workers together this way. */
#include "harness.h"
#include "bus/jobs.h"
#include "core/error.h"

#define WAIT_US (30 * G_USEC_PER_SEC)

typedef struct
{
  gint started;  /* atomic: the job is running */
  gint saw_stop; /* atomic: it saw reel_job_stopping */
  gint gave_up;  /* atomic: its give-up ran */
  gint runs;     /* atomic */
  gint attempt;  /* atomic: the last delivery's attempt */
} Seen;

/* Runs until its worker is told to stop (or WAIT_US), then fails as an
 * interrupted job does. */
static gboolean
run_until_stopping (const ReelJob *job, gpointer data, GError **error)
{
  Seen *seen = data;
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  g_atomic_int_set (&seen->started, 1);
  while (!reel_job_stopping (job) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  if (reel_job_stopping (job))
    g_atomic_int_set (&seen->saw_stop, 1);
  g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "interrupted");
  return FALSE;
}

static gboolean
run_once (const ReelJob *job, gpointer data, GError **error)
{
  Seen *seen = data;
  g_atomic_int_set (&seen->attempt, (gint)reel_job_attempt (job));
  g_atomic_int_inc (&seen->runs);
  return TRUE;
}

static void
record_give_up (const ReelJob *job, const GError *error, gpointer data)
{
  g_atomic_int_set (&((Seen *)data)->gave_up, 1);
}

static ReelJobWorker *
start_worker (ReelBus *bus, const char *kind, ReelJobFunc run, Seen *seen)
{
  ReelJobWorkerConfig wc = { 0 };
  wc.kind = kind;
  wc.concurrency = 1;
  wc.ack_wait_s = 30;
  wc.max_attempts = 3;
  wc.run = run;
  wc.give_up = record_give_up;
  wc.user_data = seen;
  return reel_job_worker_start (bus, &wc);
}

static ReelBus *
connect_bus (ReelTestNats *nats)
{
  g_autoptr (GError) error = NULL;
  ReelBus *bus = reel_bus_connect (nats->url, NULL, 5000, &error);
  g_assert_no_error (error);
  reel_bus_ensure_streams (bus, 1, &error);
  g_assert_no_error (error);
  return bus;
}

static void
wait_for (gint *flag)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  while (!g_atomic_int_get (flag) && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  g_assert_cmpint (g_atomic_int_get (flag), !=, 0);
}

static void
test_stop_all (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  ReelBus *bus = connect_bus (nats);
  Seen busy = { 0 }, idle = { 0 }, after = { 0 }, after_b = { 0 };
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (GError) error = NULL;
  ReelJobWorker *a = start_worker (bus, "testa", run_until_stopping, &busy);
  ReelJobWorker *b = start_worker (bus, "testb", run_once, &idle);

  json_object_set_string_member (data, "what", "a long job");
  reel_jobs_publish (bus, "testa", "k1", "job-k1", data, &error);
  g_assert_no_error (error);
  wait_for (&busy.started);

  /* One call for the whole bus, none per worker: the running job sees it,
   * and the other kind's worker starts no more jobs (its fetch may still
   * take one, which it hands back unstarted). */
  reel_jobs_request_stop (bus);
  wait_for (&busy.saw_stop);
  reel_jobs_publish (bus, "testb", "k2", "job-k2", data, &error);
  g_assert_no_error (error);
  g_usleep (2 * G_USEC_PER_SEC);
  g_assert_cmpint (g_atomic_int_get (&idle.runs), ==, 0);
  reel_job_worker_stop (a);
  reel_job_worker_stop (b);
  g_assert_cmpint (g_atomic_int_get (&busy.gave_up), ==, 0);
  reel_bus_free (bus);

  /* Handed back: another node's workers get both jobs. */
  bus = connect_bus (nats);
  a = start_worker (bus, "testa", run_once, &after);
  b = start_worker (bus, "testb", run_once, &after_b);
  wait_for (&after.runs);
  wait_for (&after_b.runs);
  g_assert_cmpint (g_atomic_int_get (&after.attempt), ==, 2);
  reel_job_worker_stop (a);
  reel_job_worker_stop (b);
  g_assert_cmpint (g_atomic_int_get (&after.runs), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&after_b.runs), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&after.gave_up) + g_atomic_int_get (&after_b.gave_up), ==, 0);
  reel_bus_free (bus);
  reel_test_nats_stop (nats);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/jobs/stop-all", test_stop_all);
  return g_test_run ();
}
