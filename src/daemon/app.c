/* See app.h. */
#include "daemon/app.h"
#include "app/projection.h"
#include "bus/bus.h"
#include "bus/jobs.h"
#include "bus/natsd.h"
#include "bus/userkeys.h"
#include "app/users/users.h"
#include "core/error.h"
#include "daemon/janitor.h"
#include "daemon/action_consumer.h"
#include "daemon/checkpoints.h"
#include "daemon/projector.h"
#include "daemon/reactor.h"
#include "media/checker.h"
#include "media/child.h"
#include "http/routes.h"
#include "http/server.h"
#include "media/ingest.h"
#include "media/worker.h"
#include "media/live/live_ingest.h"
#include "media/live/live_packager.h"
#include "store/blobs.h"
#include "store/store.h"
#include "app/cdn.h"
#include "app/uploads.h"

/* How long start-up waits for NATS before giving up with a clear error (an
 * embedded server is ready before we connect, unless it died since), in
 * tries of NATS_CONNECT_TRY_MS with the main context run between. */
#define NATS_CONNECT_TIMEOUT_MS 15000
#define NATS_CONNECT_TRY_MS 1000
#define NATS_CONNECT_PAUSE_US (100 * 1000)
/* How long start-up keeps trying to set up the streams while JetStream
 * answers "not now" (a cluster electing a leader after a node died: a
 * worker restarted then must wait, not exit), and the pause between. */
#define NATS_SETUP_PATIENCE_US (90 * G_USEC_PER_SEC)
#define NATS_SETUP_RETRY_US (G_USEC_PER_SEC)
/* How long shutdown waits for requests in flight. */
#define DRAIN_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* How long a rebuild may take per event before it is declared stuck. */
#define REBUILD_TIMEOUT_MS (60 * 60 * 1000)
/* Parsed viewer actions kept for the action projections. A consumer that
 * keeps up is within a fetch (bus/feed.c takes 512 messages at a time) of
 * the API and of the others; this much also covers one that fell seconds
 * behind under a burst: about 120,000 actions (a message and its parsed
 * actions take about 540 bytes an action), as 16,384 messages of one
 * action or a few hundred whole batches. */
#define ACTION_CACHE_SLOTS 16384
#define ACTION_CACHE_BYTES (64 * 1024 * 1024)

struct ReelDaemon
{
  ReelStore *store;
  ReelBlobs *blobs;
  ReelUploads *uploads;
  ReelNatsd *natsd;
  ReelBus *bus;
  ReelProjector *projector;
  GPtrArray *action_consumers;   /* ReelActionConsumer, one per action projection */
  ReelActionCache *action_cache; /* records parsed once for all of them and the API */
  ReelIngest *ingest;
  ReelWorker *worker;
  ReelHttp *http;
  ReelBlobs *cdn; /* the CDN origin, when configured */
  ReelReactor *reactor;
  ReelChecker *checker;
  ReelJanitor *janitor;
  ReelLiveIngest *live;
  ReelLivePackager *live_packager;
};

/* A stable name for this node's consumers: the same data directory on the
 * same host resumes the same consumer; another node gets its own. */
static char *
node_key (const ReelConfig *cfg)
{
  g_autofree char *abs = g_canonicalize_filename (cfg->data_dir, NULL);
  g_autofree char *id = g_strconcat (g_get_host_name (), ":", abs, NULL);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
  return g_strndup (sum, 16);
}

/* Waits us with the main context running: the embedded nats-server's
 * supervisor restarts a server that died from there (bus/natsd.h), and
 * start-up runs before the main loop, so a server that died while reeld
 * was starting would otherwise stay down for every try that follows. */
static void
wait_running (gint64 us)
{
  gint64 until = g_get_monotonic_time () + us, left;
  for (;;)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      left = until - g_get_monotonic_time ();
      if (left <= 0)
        return;
      g_usleep ((gulong)MIN (left, 50 * 1000));
    }
}

/* Connects to NATS, trying again while it is unavailable, until
 * NATS_CONNECT_TIMEOUT_MS. */
static ReelBus *
connect_bus (const char *url, const ReelNatsAuth *auth, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)NATS_CONNECT_TIMEOUT_MS * 1000;
  for (;;)
    {
      g_autoptr (GError) local = NULL;
      ReelBus *bus = reel_bus_connect (url, auth, NATS_CONNECT_TRY_MS, &local);
      if (bus)
        return bus;
      if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_UNAVAILABLE)
          || g_get_monotonic_time () > deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      wait_running (NATS_CONNECT_PAUSE_US);
    }
}

/* Creates or updates the streams and buckets, waiting out a JetStream
 * that is there but cannot answer yet (REEL_ERROR_UNAVAILABLE). */
static gboolean
set_up_streams (ReelBus *bus, const ReelConfig *cfg, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + NATS_SETUP_PATIENCE_US;
  for (;;)
    {
      g_autoptr (GError) local = NULL;
      if (reel_bus_ensure_streams (bus, cfg->stream_replicas, &local)
          && reel_bus_ensure_actions_stream (bus, cfg->stream_replicas, cfg->actions_max_age_s,
                                             cfg->actions_max_bytes,
                                             cfg->actions_duplicate_window_s, &local)
          && reel_userkeys_ensure (bus, cfg->stream_replicas, &local))
        return TRUE;
      if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_UNAVAILABLE)
          || g_get_monotonic_time () > deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_warning ("%s; retrying", local->message);
      wait_running (NATS_SETUP_RETRY_US);
    }
}

static gboolean
open_parts (ReelDaemon *d, const ReelConfig *cfg, GError **error)
{
  g_autofree char *lmdb_dir = reel_config_data_path (cfg, "lmdb");
  const char *url = cfg->nats_url;
  /* An external server's credentials come from the configuration; the
   * embedded one's token from natsd. */
  ReelNatsAuth auth = { cfg->nats_token, cfg->nats_credentials, cfg->nats_tls_ca,
                        cfg->nats_tls_cert, cfg->nats_tls_key };

  g_autofree char *uploads_dir = reel_config_data_path (cfg, "uploads");

  d->store = reel_store_open (lmdb_dir, error);
  if (!d->store)
    return FALSE;
  d->blobs = reel_blobs_open_config (cfg, error);
  if (!d->blobs)
    return FALSE;
  d->uploads = reel_uploads_open (uploads_dir, error);
  if (!d->uploads)
    return FALSE;
  /* API nodes with no shared disk resume each other's uploads through the
   * store; on the filesystem a partial upload stays a local file. */
  if (g_strcmp0 (reel_blobs_backend_name (d->blobs), "fs") != 0)
    reel_uploads_share (d->uploads, d->blobs);
  if (!url)
    {
      g_autofree char *nats_dir = reel_config_data_path (cfg, "nats");
      d->natsd = reel_natsd_start (cfg->nats_server_binary, nats_dir, cfg->nats_sync, error);
      if (!d->natsd)
        return FALSE;
      url = reel_natsd_url (d->natsd);
      auth = (ReelNatsAuth){ .token = (char *)reel_natsd_token (d->natsd) };
    }
  if (cfg->actions_duplicate_window_s > cfg->actions_max_age_s)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "actions.duplicate_window_seconds must not exceed actions.max_age_seconds");
      return FALSE;
    }
  /* Accounts that must verify their address could never log in. */
  if (cfg->verify_email && !cfg->smtp_url)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "auth.verify_email needs smtp.url: the verification links are mailed");
      return FALSE;
    }
  d->bus = connect_bus (url, &auth, error);
  return d->bus && set_up_streams (d->bus, cfg, error) && (reel_users_set_keyring (d->bus), TRUE);
}

/* Starts a consumer for each of projections (NULL-terminated). */
static void
start_action_consumers (ReelDaemon *d, const ReelConfig *cfg,
                        const ReelActionProjection *const *projections, const char *key)
{
  ReelWatchRules rules = { (gint64)cfg->views_min_watch_s * G_GINT64_CONSTANT (1000000000) };
  d->action_consumers = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_action_consumer_stop);
  if (!d->action_cache)
    d->action_cache = reel_action_cache_new (ACTION_CACHE_SLOTS, ACTION_CACHE_BYTES);
  for (guint i = 0; projections[i]; i++)
    g_ptr_array_add (d->action_consumers,
                     reel_action_consumer_start (d->bus, d->store, d->action_cache, projections[i],
                                                 &rules, key));
}

ReelDaemon *
reel_daemon_start (const ReelConfig *cfg, GError **error)
{
  ReelDaemon *d = g_new0 (ReelDaemon, 1);
  g_autofree char *key = node_key (cfg);

  if (!open_parts (d, cfg, error))
    {
      reel_daemon_stop (d);
      return NULL;
    }
  if (cfg->roles & REEL_ROLE_PROJECTOR)
    {
      if (!reel_checkpoints_verify (d->bus, d->store, error))
        {
          reel_daemon_stop (d);
          return NULL;
        }
      d->projector = reel_projector_start (d->bus, d->store, key);
      start_action_consumers (d, cfg, reel_action_projections (), key);
    }
  if ((cfg->roles & (REEL_ROLE_INGEST | REEL_ROLE_WORKER)) && cfg->warm_child)
    reel_media_keep_warm ();
  if (cfg->roles & REEL_ROLE_INGEST)
    d->ingest = reel_ingest_start (cfg, d->bus, d->blobs,
                                   cfg->roles & REEL_ROLE_PROJECTOR ? d->store : NULL);
  if (cfg->roles & REEL_ROLE_WORKER)
    d->worker = reel_worker_start (cfg, d->bus, d->blobs);
  /* Side effects and clean-up need an up-to-date local projection. */
  if (cfg->roles & REEL_ROLE_PROJECTOR)
    {
      if (cfg->cdn_origin_dir && !(d->cdn = reel_blobs_open (cfg->cdn_origin_dir, error)))
        {
          reel_daemon_stop (d);
          return NULL;
        }
      /* Matching reads the works index: where a projection is. */
      d->checker = reel_checker_start (cfg, d->bus, d->store, d->blobs);
      d->reactor = reel_reactor_start (cfg, d->bus, d->store, d->blobs,
                                       reel_cdn_enabled (cfg) ? d->cdn : NULL,
                                       reel_projector_watermark (d->projector));
      d->janitor = reel_janitor_start (cfg, d->bus, d->store, d->blobs, d->cdn,
                                       cfg->roles & REEL_ROLE_API ? d->uploads : NULL,
                                       reel_projector_watermark (d->projector));
    }
  if (cfg->roles & REEL_ROLE_API)
    {
      d->http = reel_http_start (cfg, d->store, d->blobs, d->uploads, d->bus,
                                 d->projector ? reel_projector_watermark (d->projector) : NULL,
                                 reel_http_add_routes, error);
      if (!d->http)
        {
          reel_daemon_stop (d);
          return NULL;
        }
      d->live_packager
          = reel_live_packager_start (cfg, d->store, reel_bus_url (d->bus), reel_bus_auth (d->bus));
      d->http->live_packager = d->live_packager;
      d->http->action_cache = d->action_cache; /* NULL without local consumers */
    }
  if (cfg->roles & REEL_ROLE_LIVE)
    d->live = reel_live_ingest_start (cfg, d->bus, d->store, d->blobs);
  return d;
}

const char *
reel_daemon_url (ReelDaemon *d)
{
  return d->http ? d->http->base_url : NULL;
}

void
reel_daemon_stop (ReelDaemon *d)
{
  /* Every role's job workers at once, before the requests in flight are
   * drained (no job starts meanwhile); each role's stop below then waits
   * for its own. */
  if (d->bus)
    reel_jobs_request_stop (d->bus);
  if (d->http)
    reel_http_drain (d->http, DRAIN_TIMEOUT_US);
  g_clear_pointer (&d->janitor, reel_janitor_stop);
  g_clear_pointer (&d->reactor, reel_reactor_stop);
  g_clear_pointer (&d->checker, reel_checker_stop);
  g_clear_pointer (&d->live, reel_live_ingest_stop);
  g_clear_pointer (&d->worker, reel_worker_stop);
  g_clear_pointer (&d->ingest, reel_ingest_stop);
  g_clear_pointer (&d->action_consumers, g_ptr_array_unref);
  g_clear_pointer (&d->projector, reel_projector_stop);
  g_clear_pointer (&d->http, reel_http_stop);
  g_clear_pointer (&d->action_cache, reel_action_cache_free);
  g_clear_pointer (&d->live_packager, reel_live_packager_stop);
  g_clear_pointer (&d->bus, reel_bus_free);
  g_clear_pointer (&d->natsd, reel_natsd_stop);
  g_clear_pointer (&d->uploads, reel_uploads_close);
  g_clear_pointer (&d->blobs, reel_blobs_close);
  g_clear_pointer (&d->cdn, reel_blobs_close);
  g_clear_pointer (&d->store, reel_store_close);
  g_free (d);
}

/* The projections named in only ("views,comments"; NULL = all): the
 * action ones into actions and the core ones into core, each
 * NULL-terminated. */
static gboolean
select_projections (const char *only, GPtrArray *actions, GPtrArray *core, GError **error)
{
  g_auto (GStrv) names = g_strsplit (only ? only : "", ",", -1);
  if (!only)
    {
      for (const ReelActionProjection *const *p = reel_action_projections (); *p; p++)
        g_ptr_array_add (actions, (gpointer)*p);
      for (const ReelProjection *const *p = reel_projections (); *p; p++)
        g_ptr_array_add (core, (gpointer)*p);
    }
  for (guint i = 0; names[i]; i++)
    {
      const char *name = g_strstrip (names[i]);
      gconstpointer a = reel_action_projection_find (name), c = reel_projection_find (name);
      GPtrArray *into = a ? actions : core;
      if (!a && !c)
        {
          g_autoptr (GString) known = g_string_new (NULL);
          for (const ReelProjection *const *p = reel_projections (); *p; p++)
            g_string_append_printf (known, "%s, ", (*p)->name);
          for (const ReelActionProjection *const *p = reel_action_projections (); *p; p++)
            g_string_append_printf (known, "%s%s", (*p)->name, p[1] ? ", " : "");
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "no projection \"%s\" to rebuild alone (known: %s)", name, known->str);
          return FALSE;
        }
      if (!g_ptr_array_find (into, a ? a : c, NULL))
        g_ptr_array_add (into, (gpointer)(a ? a : c));
    }
  g_ptr_array_add (actions, NULL);
  g_ptr_array_add (core, NULL);
  return TRUE;
}

/* Waits until every action consumer has applied seq. */
static gboolean
wait_action_consumers (ReelDaemon *d, guint64 seq, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)REBUILD_TIMEOUT_MS * 1000;
  for (guint i = 0; i < d->action_consumers->len; i++)
    while (reel_action_consumer_applied (d->action_consumers->pdata[i]) < seq)
      {
        if (g_get_monotonic_time () > deadline)
          {
            g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                         "rebuild of the action projections stopped at sequence %" G_GUINT64_FORMAT
                         " of %" G_GUINT64_FORMAT,
                         reel_action_consumer_applied (d->action_consumers->pdata[i]), seq);
            return FALSE;
          }
        g_usleep (10 * 1000);
      }
  return TRUE;
}

/* Starts the projector and waits until every core projection has applied
 * the log up to last. */
static gboolean
wait_projector (ReelDaemon *d, const char *key, guint64 last, GError **error)
{
  d->projector = reel_projector_start (d->bus, d->store, key);
  if (reel_watermark_wait_sync (reel_projector_watermark (d->projector), last, REBUILD_TIMEOUT_MS))
    return TRUE;
  g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
               "rebuild stopped at sequence %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
               reel_watermark_reached (reel_projector_watermark (d->projector)), last);
  return FALSE;
}

gboolean
reel_daemon_rebuild (const ReelConfig *cfg, const char *only, guint64 *n_events, guint64 *n_actions,
                     GError **error)
{
  ReelDaemon *d = g_new0 (ReelDaemon, 1);
  g_autofree char *key = node_key (cfg);
  g_autoptr (GPtrArray) actions = g_ptr_array_new ();
  g_autoptr (GPtrArray) core = g_ptr_array_new ();
  guint64 last = 0, last_action = 0;
  gboolean ok = select_projections (only, actions, core, error) && open_parts (d, cfg, error)
                && reel_bus_stream_last_seq (d->bus, REEL_STREAM_EVENTS, &last, error)
                && reel_bus_stream_last_seq (d->bus, REEL_STREAM_ACTIONS, &last_action, error);

  if (ok && !only)
    {
      /* Everything: the core projections first, then the action ones. */
      /* Then the streams' origins are recorded again, as at any start. */
      ok = reel_store_drop_all (d->store, error)
           && reel_checkpoints_verify (d->bus, d->store, error)
           && wait_projector (d, key, last, error);
    }
  if (ok && only && core->pdata[0])
    {
      /* Some core projections: dropped alone (a data directory from before
       * their own checkpoints is split first, so the others keep theirs,
       * and those stored in an older layout are rebuilt with them);
       * the projector replays the log into them while the others skip it. */
      ok = reel_checkpoints_upgrade (d->store, error);
      for (guint i = 0; ok && core->pdata[i]; i++)
        ok = reel_checkpoints_drop (d->store, core->pdata[i], error);
      ok = ok && wait_projector (d, key, last, error);
    }
  for (guint i = 0; ok && only && actions->pdata[i]; i++)
    {
      const ReelActionProjection *p = actions->pdata[i];
      ok = reel_store_drop_projection (d->store, p->name, p->dbs, p->n_dbs, error);
    }
  if (ok && actions->pdata[0])
    {
      start_action_consumers (d, cfg, (const ReelActionProjection *const *)actions->pdata, key);
      ok = wait_action_consumers (d, last_action, error);
    }
  *n_events = ok && core->pdata[0] ? last : 0;
  *n_actions = ok && actions->pdata[0] ? last_action : 0;
  reel_daemon_stop (d);
  return ok;
}
