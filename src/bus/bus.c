/* See bus.h. */
#include "bus/bus-private.h"
#include "core/error.h"
#include "core/metrics.h"

/* The duplicate window: a retried publish within it is stored once. Two
 * minutes is JetStream's default and far longer than any client retry. */
#define DUPLICATE_WINDOW_NS ((int64_t)120 * G_GINT64_CONSTANT (1000000000))
/* How long a publish waits for the stream's ack before reporting 503. */
#define PUBLISH_TIMEOUT_MS 5000
/* Reconnect attempts are spaced so an outage is noticed quickly but a dead
 * server is not hammered. */
#define RECONNECT_WAIT_MS 250
/* How long freeing the bus waits for nats.c's last connection callback. */
#define CLOSE_TIMEOUT_US (2 * G_USEC_PER_SEC)

static ReelErrorCode
code_for (natsStatus s, jsErrCode jerr)
{
  ReelErrorCode code = REEL_ERROR_INTERNAL;
  switch (s)
    {
    case NATS_CONNECTION_CLOSED:
    case NATS_NO_SERVER:
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_NOT_YET_CONNECTED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
      code = REEL_ERROR_UNAVAILABLE;
      break;
    default:
      break;
    }
  /* A JetStream cluster between leaders answers these until it has one. */
  if (jerr == JSClusterNotAvailErr || jerr == JSClusterNotLeaderErr || jerr == JSClusterNoPeersErr)
    code = REEL_ERROR_UNAVAILABLE;
  if (jerr == JSStreamWrongLastSequenceErr)
    code = REEL_ERROR_CONFLICT;
  return code;
}

void
reel_bus_set_error (GError **error, natsStatus s, jsErrCode jerr, const char *what)
{
  ReelErrorCode code = code_for (s, jerr);
  const char *last = nats_GetLastError (NULL);
  g_set_error (error, REEL_ERROR, code, "NATS %s: %s%s%s (jetstream error %d)", what,
               natsStatus_GetText (s), last && *last ? ": " : "", last ? last : "", (int)jerr);
}

static void
on_disconnected (natsConnection *nc, void *closure)
{
  ReelBus *bus = closure;
  g_atomic_int_set (&bus->connected, 0);
  reel_metrics_set ("reel_nats_connected", NULL, 0);
  if (!g_atomic_int_get (&bus->closing))
    g_warning ("NATS connection lost; reconnecting");
}

static void
on_reconnected (natsConnection *nc, void *closure)
{
  ReelBus *bus = closure;
  g_atomic_int_set (&bus->connected, 1);
  reel_metrics_set ("reel_nats_connected", NULL, 1);
  reel_metrics_add ("reel_nats_reconnects_total", NULL, 1);
  g_message ("NATS connection re-established");
}

static void
on_closed (natsConnection *nc, void *closure)
{
  ReelBus *bus = closure;
  g_mutex_lock (&bus->close_lock);
  bus->closed = TRUE;
  g_cond_signal (&bus->close_cond);
  g_mutex_unlock (&bus->close_lock);
}

ReelBus *
reel_bus_connect (const char *url, const ReelNatsAuth *auth, guint timeout_ms, GError **error)
{
  g_autoptr (ReelBus) bus = g_new0 (ReelBus, 1);
  natsOptions *opts = NULL;
  natsStatus s;
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  g_mutex_init (&bus->batch_lock);
  g_mutex_init (&bus->close_lock);
  g_cond_init (&bus->close_cond);

  reel_metrics_declare ("reel_nats_connected", REEL_METRIC_GAUGE,
                        "1 while reeld is connected to NATS");
  reel_metrics_declare ("reel_nats_reconnects_total", REEL_METRIC_COUNTER,
                        "Times the NATS connection was re-established after an outage");
  reel_metrics_declare ("reel_events_published_total", REEL_METRIC_COUNTER,
                        "Events published to the event log, by type");

  g_auto (GStrv) urls = g_strsplit (url, ",", -1);
  bus->url = g_strdup (url);
  reel_nats_auth_copy (&bus->auth, auth);
  s = natsOptions_Create (&opts);
  if (s == NATS_OK)
    s = natsOptions_SetServers (opts, (const char **)urls, (int)g_strv_length (urls));
  if (s == NATS_OK)
    s = reel_nats_auth_apply (opts, auth);
  if (s == NATS_OK)
    s = natsOptions_SetName (opts, "reeld");
  if (s == NATS_OK)
    s = natsOptions_SetMaxReconnect (opts, -1);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait (opts, RECONNECT_WAIT_MS);
  if (s == NATS_OK)
    s = natsOptions_SetDisconnectedCB (opts, on_disconnected, bus);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectedCB (opts, on_reconnected, bus);
  if (s == NATS_OK)
    s = natsOptions_SetClosedCB (opts, on_closed, bus);
  if (s != NATS_OK)
    {
      natsOptions_Destroy (opts);
      reel_bus_set_error (error, s, 0, "options");
      return NULL;
    }
  /* Retry by hand until the deadline: a cluster that is still booting is
   * normal at start-up, a clear error after the deadline is better than a
   * silent hang. Refused credentials and a TLS mismatch will not get
   * better by waiting. */
  for (;;)
    {
      s = natsConnection_Connect (&bus->conn, opts);
      if (s == NATS_OK || s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED
          || s == NATS_SECURE_CONNECTION_WANTED || s == NATS_SECURE_CONNECTION_REQUIRED
          || s == NATS_SSL_ERROR || g_get_monotonic_time () > deadline)
        break;
      g_usleep (100 * 1000);
    }
  natsOptions_Destroy (opts);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, 0, "connect");
      g_prefix_error (error, "%s: ", url);
      return NULL;
    }
  jsOptions jo;
  jsOptions_Init (&jo);
  jo.Wait = PUBLISH_TIMEOUT_MS;
  s = natsConnection_JetStream (&bus->js, bus->conn, &jo);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, 0, "jetstream context");
      return NULL;
    }
  g_atomic_int_set (&bus->connected, 1);
  reel_metrics_set ("reel_nats_connected", NULL, 1);
  return g_steal_pointer (&bus);
}

/* A JetStream context of the batch pool. Acks arrive on the context's
 * reply-subscription thread; pending maps each natsMsg in flight to its
 * index in msgs (plus one, so 0 means absent). */
typedef struct
{
  jsCtx *js;
  GMutex lock;
  GHashTable *pending;
  ReelBusBatchMsg *msgs;
} BatchCtx;

static void
batch_ctx_free (gpointer p)
{
  BatchCtx *bc = p;
  jsCtx_Destroy (bc->js);
  g_hash_table_destroy (bc->pending);
  g_mutex_clear (&bc->lock);
  g_free (bc);
}

void
reel_bus_free (ReelBus *bus)
{
  if (!bus)
    return;
  g_atomic_int_set (&bus->closing, 1);
  if (bus->conn)
    {
      gint64 deadline = g_get_monotonic_time () + CLOSE_TIMEOUT_US;
      /* Flush what is buffered, then close, and let the callbacks still
       * queued run before bus goes away. */
      natsConnection_FlushTimeout (bus->conn, 1000);
      natsConnection_Close (bus->conn);
      g_mutex_lock (&bus->close_lock);
      while (!bus->closed)
        if (!g_cond_wait_until (&bus->close_cond, &bus->close_lock, deadline))
          break;
      g_mutex_unlock (&bus->close_lock);
    }
  g_slist_free_full (bus->batch_pool, batch_ctx_free);
  g_mutex_clear (&bus->batch_lock);
  g_mutex_clear (&bus->close_lock);
  g_cond_clear (&bus->close_cond);
  jsCtx_Destroy (bus->js);
  natsConnection_Destroy (bus->conn);
  g_free (bus->url);
  reel_nats_auth_clear (&bus->auth);
  g_free (bus);
}

gboolean
reel_bus_is_connected (ReelBus *bus)
{
  return g_atomic_int_get (&bus->connected)
         && natsConnection_Status (bus->conn) == NATS_CONN_STATUS_CONNECTED;
}

static gboolean
ensure_stream (ReelBus *bus, jsStreamConfig *cfg, GError **error)
{
  jsErrCode jerr = 0;
  natsStatus s = js_AddStream (NULL, bus->js, cfg, NULL, &jerr);
  if (s != NATS_OK && jerr == JSStreamNameExistErr)
    s = js_UpdateStream (NULL, bus->js, cfg, NULL, &jerr);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, jerr, "stream set-up");
      g_prefix_error (error, "%s: ", cfg->Name);
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_bus_ensure_streams (ReelBus *bus, guint replicas, GError **error)
{
  jsStreamConfig ev, jobs;
  const char *ev_subjects[] = { REEL_SUBJECT_EVENTS };
  const char *job_subjects[] = { REEL_SUBJECT_JOBS };

  jsStreamConfig_Init (&ev);
  ev.Name = REEL_STREAM_EVENTS;
  ev.Description = "reel event log: the source of truth, kept forever";
  ev.Subjects = ev_subjects;
  ev.SubjectsLen = 1;
  ev.Retention = js_LimitsPolicy;
  ev.Storage = js_FileStorage;
  ev.Replicas = replicas;
  ev.Duplicates = DUPLICATE_WINDOW_NS;
  ev.DenyDelete = true;
  ev.DenyPurge = true;

  jsStreamConfig_Init (&jobs);
  jobs.Name = REEL_STREAM_JOBS;
  jobs.Description = "reel transcode jobs: removed when a worker acks them";
  jobs.Subjects = job_subjects;
  jobs.SubjectsLen = 1;
  jobs.Retention = js_WorkQueuePolicy;
  jobs.Storage = js_FileStorage;
  jobs.Replicas = replicas;
  jobs.Duplicates = DUPLICATE_WINDOW_NS;

  return ensure_stream (bus, &ev, error) && ensure_stream (bus, &jobs, error);
}

gboolean
reel_bus_publish (ReelBus *bus, const char *subject, const char *msg_id, const void *data,
                  gsize len, gboolean expect_subject_empty, guint64 *seq, GError **error)
{
  natsMsg *msg = NULL;
  jsPubAck *ack = NULL;
  jsErrCode jerr = 0;
  jsPubOptions po;
  natsStatus s;

  if (!reel_bus_is_connected (bus))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "NATS is not connected");
      return FALSE;
    }
  jsPubOptions_Init (&po);
  po.MsgId = msg_id;
  po.ExpectNoMessage = expect_subject_empty;
  po.MaxWait = PUBLISH_TIMEOUT_MS;
  s = natsMsg_Create (&msg, subject, NULL, data, (int)len);
  if (s == NATS_OK)
    s = js_PublishMsg (&ack, bus->js, msg, &po, &jerr);
  natsMsg_Destroy (msg);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, jerr, "publish");
      return FALSE;
    }
  if (seq)
    *seq = ack->Sequence;
  jsPubAck_Destroy (ack);
  return TRUE;
}

/* A stream that keeps what arrived within an age and size window, dropping
 * the oldest first (viewer actions, a live channel). */
static void
window_stream_config (jsStreamConfig *cfg, const char *name, const char *description,
                      const char **subjects, guint replicas, guint64 max_age_s, guint64 max_bytes)
{
  jsStreamConfig_Init (cfg);
  cfg->Name = name;
  cfg->Description = description;
  cfg->Subjects = subjects;
  cfg->SubjectsLen = 1;
  cfg->Retention = js_LimitsPolicy;
  cfg->Storage = js_FileStorage;
  cfg->Replicas = replicas;
  cfg->MaxAge = (int64_t)max_age_s * G_GINT64_CONSTANT (1000000000);
  cfg->MaxBytes = (int64_t)max_bytes;
  cfg->Discard = js_DiscardOld;
}

gboolean
reel_bus_ensure_actions_stream (ReelBus *bus, guint replicas, guint64 max_age_s, guint64 max_bytes,
                                guint64 duplicate_window_s, GError **error)
{
  jsStreamConfig act;
  const char *subjects[] = { REEL_SUBJECT_ACTIONS };
  window_stream_config (&act, REEL_STREAM_ACTIONS,
                        "reel viewer actions: kept for an age/size window, replayed to rebuild "
                        "views, analytics and recommendations",
                        subjects, replicas, max_age_s, max_bytes);
  act.Duplicates = (int64_t)duplicate_window_s * G_GINT64_CONSTANT (1000000000);
  return ensure_stream (bus, &act, error);
}

static void
batch_acked (jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
  BatchCtx *bc = closure;
  guint index;

  g_mutex_lock (&bc->lock);
  index = GPOINTER_TO_UINT (g_hash_table_lookup (bc->pending, msg));
  if (index && bc->msgs)
    {
      ReelBusBatchMsg *m = &bc->msgs[index - 1];
      if (pa)
        m->seq = pa->Sequence;
      else if (!m->error)
        g_set_error (&m->error, REEL_ERROR, code_for (pae->Err, pae->ErrCode),
                     "NATS publish: %s (jetstream error %d)",
                     pae->ErrText ? pae->ErrText : natsStatus_GetText (pae->Err),
                     (int)pae->ErrCode);
      g_hash_table_remove (bc->pending, msg);
    }
  g_mutex_unlock (&bc->lock);
  natsMsg_Destroy (msg);
}

/* An idle context from the pool, or a new one. */
static BatchCtx *
batch_ctx_take (ReelBus *bus, GError **error)
{
  BatchCtx *bc = NULL;
  jsOptions jo;
  natsStatus s;

  g_mutex_lock (&bus->batch_lock);
  if (bus->batch_pool)
    {
      bc = bus->batch_pool->data;
      bus->batch_pool = g_slist_delete_link (bus->batch_pool, bus->batch_pool);
    }
  g_mutex_unlock (&bus->batch_lock);
  if (bc)
    return bc;
  bc = g_new0 (BatchCtx, 1);
  g_mutex_init (&bc->lock);
  bc->pending = g_hash_table_new (g_direct_hash, g_direct_equal);
  jsOptions_Init (&jo);
  jo.Wait = PUBLISH_TIMEOUT_MS;
  jo.PublishAsync.AckHandler = batch_acked;
  jo.PublishAsync.AckHandlerClosure = bc;
  s = natsConnection_JetStream (&bc->js, bus->conn, &jo);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, 0, "jetstream context");
      batch_ctx_free (bc);
      return NULL;
    }
  return bc;
}

static void
batch_ctx_give_back (ReelBus *bus, BatchCtx *bc)
{
  g_mutex_lock (&bus->batch_lock);
  bus->batch_pool = g_slist_prepend (bus->batch_pool, bc);
  g_mutex_unlock (&bus->batch_lock);
}

/* Sends one message of the batch; FALSE when the library refused it. */
static gboolean
batch_send (BatchCtx *bc, ReelBusBatchMsg *m, guint index)
{
  natsMsg *msg = NULL, *key;
  jsPubOptions po;
  natsStatus s;

  jsPubOptions_Init (&po);
  po.MsgId = m->msg_id;
  s = natsMsg_Create (&msg, m->subject, NULL, m->data, (int)m->len);
  if (s == NATS_OK)
    {
      /* Registered before the publish: its ack may come back at once. */
      key = msg;
      g_mutex_lock (&bc->lock);
      g_hash_table_insert (bc->pending, key, GUINT_TO_POINTER (index + 1));
      g_mutex_unlock (&bc->lock);
      s = js_PublishMsgAsync (bc->js, &msg, &po);
      if (s != NATS_OK)
        {
          g_mutex_lock (&bc->lock);
          g_hash_table_remove (bc->pending, key);
          g_mutex_unlock (&bc->lock);
        }
    }
  natsMsg_Destroy (msg);
  if (s != NATS_OK)
    reel_bus_set_error (&m->error, s, 0, "publish");
  return s == NATS_OK;
}

gboolean
reel_bus_publish_batch (ReelBus *bus, ReelBusBatchMsg *msgs, guint n, GError **error)
{
  BatchCtx *bc;
  jsPubOptions po;
  natsMsgList late = { 0 };
  guint sent = 0;

  if (!reel_bus_is_connected (bus))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "NATS is not connected");
      return FALSE;
    }
  if (!(bc = batch_ctx_take (bus, error)))
    return FALSE;
  g_mutex_lock (&bc->lock);
  bc->msgs = msgs;
  g_mutex_unlock (&bc->lock);
  for (guint i = 0; i < n; i++)
    sent += batch_send (bc, &msgs[i], i);
  jsPubOptions_Init (&po);
  po.MaxWait = PUBLISH_TIMEOUT_MS;
  /* What is still unacknowledged after the wait may or may not be stored;
   * reported as unavailable, a retry with the same ids is harmless. */
  if (sent && js_PublishAsyncComplete (bc->js, &po) != NATS_OK
      && js_PublishAsyncGetPendingList (&late, bc->js) == NATS_OK)
    {
      g_mutex_lock (&bc->lock);
      for (int i = 0; i < late.Count; i++)
        {
          guint index = GPOINTER_TO_UINT (g_hash_table_lookup (bc->pending, late.Msgs[i]));
          if (index && !msgs[index - 1].error)
            g_set_error (&msgs[index - 1].error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                         "NATS publish: no acknowledgement within %d ms", PUBLISH_TIMEOUT_MS);
        }
      g_mutex_unlock (&bc->lock);
      natsMsgList_Destroy (&late);
    }
  g_mutex_lock (&bc->lock);
  bc->msgs = NULL;
  g_hash_table_remove_all (bc->pending);
  g_mutex_unlock (&bc->lock);
  batch_ctx_give_back (bus, bc);
  return TRUE;
}

/* The stream's state, within timeout_ms (0: the context's own wait). */
static gboolean
stream_state (ReelBus *bus, const char *stream, guint timeout_ms, guint64 *last_seq,
              gint64 *created_ns, GError **error)
{
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  jsOptions jo;
  natsStatus s;
  jsOptions_Init (&jo);
  if (timeout_ms)
    jo.Wait = timeout_ms;
  s = js_GetStreamInfo (&si, bus->js, stream, timeout_ms ? &jo : NULL, &jerr);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, jerr, "stream info");
      return FALSE;
    }
  *last_seq = si->State.LastSeq;
  if (created_ns)
    *created_ns = si->Created;
  jsStreamInfo_Destroy (si);
  return TRUE;
}

gboolean
reel_bus_stream_state (ReelBus *bus, const char *stream, guint64 *last_seq, gint64 *created_ns,
                       GError **error)
{
  return stream_state (bus, stream, 0, last_seq, created_ns, error);
}

gboolean
reel_bus_stream_last_seq (ReelBus *bus, const char *stream, guint64 *seq, GError **error)
{
  return stream_state (bus, stream, 0, seq, NULL, error);
}

gboolean
reel_bus_stream_last_seq_within (ReelBus *bus, const char *stream, guint timeout_ms, guint64 *seq,
                                 GError **error)
{
  return stream_state (bus, stream, MAX (timeout_ms, 1), seq, NULL, error);
}

const char *
reel_bus_url (ReelBus *bus)
{
  return bus->url;
}

const ReelNatsAuth *
reel_bus_auth (ReelBus *bus)
{
  return &bus->auth;
}

gboolean
reel_bus_reset_live_stream (ReelBus *bus, const char *stream, const char *subject_prefix,
                            guint max_age_s, guint64 max_bytes, guint replicas, GError **error)
{
  jsStreamConfig cfg;
  g_autofree char *subjects = g_strconcat (subject_prefix, ".>", NULL);
  const char *list[] = { subjects };
  jsErrCode jerr = 0;
  natsStatus s;

  window_stream_config (&cfg, stream, "reel live channel: the window viewers can rewind through",
                        list, replicas, max_age_s, max_bytes);
  /* JetStream wants the duplicate window inside the age limit. */
  cfg.Duplicates = MIN (DUPLICATE_WINDOW_NS, cfg.MaxAge);
  if (!ensure_stream (bus, &cfg, error))
    return FALSE;
  s = js_PurgeStream (bus->js, stream, NULL, &jerr);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, jerr, "purge");
      g_prefix_error (error, "%s: ", stream);
      return FALSE;
    }
  return TRUE;
}
