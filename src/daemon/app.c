/* See app.h. */
#include "daemon/app.h"
#include "bus/bus.h"
#include "bus/natsd.h"
#include "core/error.h"
#include "daemon/projector.h"
#include "http/server.h"
#include "media/ingest.h"
#include "media/worker.h"
#include "media/live_ingest.h"
#include "media/live_packager.h"
#include "store/blobs.h"
#include "store/store.h"
#include "app/uploads.h"

/* How long start-up waits for an external NATS before giving up with a
 * clear error (an embedded one is ready before we connect). */
#define NATS_CONNECT_TIMEOUT_MS 15000
/* How long shutdown waits for requests in flight. */
#define DRAIN_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* How long a rebuild may take per event before it is declared stuck. */
#define REBUILD_TIMEOUT_MS (60 * 60 * 1000)

struct ReelDaemon
{
  ReelStore *store;
  ReelBlobs *blobs;
  ReelUploads *uploads;
  ReelNatsd *natsd;
  ReelBus *bus;
  ReelProjector *projector;
  ReelIngest *ingest;
  ReelWorker *worker;
  ReelHttp *http;
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

static gboolean
open_parts (ReelDaemon *d, const ReelConfig *cfg, GError **error)
{
  g_autofree char *lmdb_dir = reel_config_data_path (cfg, "lmdb");
  const char *url = cfg->nats_url;

  g_autofree char *blobs_dir = reel_config_data_path (cfg, "blobs");
  g_autofree char *uploads_dir = reel_config_data_path (cfg, "uploads");

  d->store = reel_store_open (lmdb_dir, error);
  if (!d->store)
    return FALSE;
  d->blobs = reel_blobs_open (blobs_dir, error);
  if (!d->blobs)
    return FALSE;
  d->uploads = reel_uploads_open (uploads_dir, error);
  if (!d->uploads)
    return FALSE;
  if (!url)
    {
      g_autofree char *nats_dir = reel_config_data_path (cfg, "nats");
      d->natsd = reel_natsd_start (cfg->nats_server_binary, nats_dir, error);
      if (!d->natsd)
        return FALSE;
      url = reel_natsd_url (d->natsd);
    }
  d->bus = reel_bus_connect (url, NATS_CONNECT_TIMEOUT_MS, error);
  return d->bus && reel_bus_ensure_streams (d->bus, cfg->stream_replicas, error);
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
    d->projector = reel_projector_start (d->bus, d->store, key);
  if (cfg->roles & REEL_ROLE_INGEST)
    d->ingest = reel_ingest_start (cfg, d->bus, d->blobs);
  if (cfg->roles & REEL_ROLE_WORKER)
    d->worker = reel_worker_start (cfg, d->bus, d->blobs);
  if (cfg->roles & REEL_ROLE_API)
    {
      d->http = reel_http_start (cfg, d->store, d->blobs, d->uploads, d->bus, d->projector, error);
      if (!d->http)
        {
          reel_daemon_stop (d);
          return NULL;
        }
      d->live_packager = reel_live_packager_start (cfg, d->store, reel_bus_url (d->bus));
      d->http->live_packager = d->live_packager;
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
  if (d->http)
    reel_http_drain (d->http, DRAIN_TIMEOUT_US);
  g_clear_pointer (&d->live, reel_live_ingest_stop);
  g_clear_pointer (&d->worker, reel_worker_stop);
  g_clear_pointer (&d->ingest, reel_ingest_stop);
  g_clear_pointer (&d->projector, reel_projector_stop);
  g_clear_pointer (&d->http, reel_http_stop);
  g_clear_pointer (&d->live_packager, reel_live_packager_stop);
  g_clear_pointer (&d->bus, reel_bus_free);
  g_clear_pointer (&d->natsd, reel_natsd_stop);
  g_clear_pointer (&d->uploads, reel_uploads_close);
  g_clear_pointer (&d->blobs, reel_blobs_close);
  g_clear_pointer (&d->store, reel_store_close);
  g_free (d);
}

gboolean
reel_daemon_rebuild (const ReelConfig *cfg, guint64 *n_events, GError **error)
{
  ReelDaemon *d = g_new0 (ReelDaemon, 1);
  g_autofree char *key = node_key (cfg);
  guint64 last = 0;
  gboolean ok = FALSE;

  if (open_parts (d, cfg, error) && reel_store_drop_all (d->store, error)
      && reel_bus_stream_last_seq (d->bus, REEL_STREAM_EVENTS, &last, error))
    {
      d->projector = reel_projector_start (d->bus, d->store, key);
      ok = reel_projector_wait_sync (d->projector, last, REBUILD_TIMEOUT_MS);
      if (!ok)
        g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                     "rebuild stopped at sequence %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
                     reel_projector_applied (d->projector), last);
    }
  *n_events = last;
  reel_daemon_stop (d);
  return ok;
}
