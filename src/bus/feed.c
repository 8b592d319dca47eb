/* See feed.h. The thread loops: ensure a pull subscription exists (deleting
 * and recreating the durable consumer at the caller's resume point), fetch a
 * batch, hand it over, ack the last message (AckAll), repeat. */
#include "bus/feed.h"
#include "bus/bus-private.h"
#include "core/error.h"

/* Large batches make a rebuild fast (one LMDB commit per batch); the fetch
 * returns as soon as anything is there, so small traffic is not delayed. */
#define FEED_BATCH 512
/* How long one fetch waits for messages; also bounds how long stop takes. */
#define FEED_FETCH_TIMEOUT_MS 250
/* Back-off after an error, so a down server is not hammered. */
#define FEED_RETRY_DELAY_US (250 * 1000)
/* The server forgets a node's consumer after a day without it. */
#define FEED_INACTIVE_NS ((int64_t)24 * 3600 * G_GINT64_CONSTANT (1000000000))

struct ReelFeed
{
  ReelBus *bus;
  char *stream;
  char *filter;
  char *name;
  ReelFeedResumeFunc resume;
  ReelFeedBatchFunc batch;
  gpointer user_data;
  GThread *thread;
  gint stopping; /* atomic */
};

static natsSubscription *
subscribe (ReelFeed *feed, GError **error)
{
  natsSubscription *sub = NULL;
  jsErrCode jerr = 0;
  jsSubOptions so;
  natsStatus s;
  guint64 from = feed->resume (feed->user_data);

  s = js_DeleteConsumer (feed->bus->js, feed->stream, feed->name, NULL, &jerr);
  if (s != NATS_OK && jerr != JSConsumerNotFoundErr)
    {
      reel_bus_set_error (error, s, jerr, "delete consumer");
      return NULL;
    }
  jsSubOptions_Init (&so);
  so.Stream = feed->stream;
  so.Config.Durable = feed->name;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = MAX (from, 1);
  so.Config.AckPolicy = js_AckAll;
  so.Config.InactiveThreshold = FEED_INACTIVE_NS;
  so.Config.MaxAckPending = FEED_BATCH * 4;
  s = js_PullSubscribe (&sub, feed->bus->js, feed->filter, feed->name, NULL, &so, &jerr);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, jerr, "pull subscribe");
      return NULL;
    }
  g_debug ("feed %s: consuming %s from sequence %" G_GUINT64_FORMAT, feed->name, feed->stream,
           from);
  return sub;
}

static gboolean
deliver (ReelFeed *feed, natsMsgList *list, GError **error)
{
  g_autofree ReelFeedMsg *msgs = g_new0 (ReelFeedMsg, list->Count);
  guint n = 0;
  for (int i = 0; i < list->Count; i++)
    {
      jsMsgMetaData *meta = NULL;
      natsMsg *m = list->Msgs[i];
      if (natsMsg_GetMetaData (&meta, m) != NATS_OK)
        continue; /* not a JetStream message: nothing to apply */
      msgs[n].seq = meta->Sequence.Stream;
      msgs[n].pending = meta->NumPending;
      msgs[n].subject = natsMsg_GetSubject (m);
      msgs[n].data = natsMsg_GetData (m);
      msgs[n].len = (gsize)natsMsg_GetDataLength (m);
      n++;
      jsMsgMetaData_Destroy (meta);
    }
  if (n && !feed->batch (msgs, n, feed->user_data, error))
    return FALSE;
  natsMsg_Ack (list->Msgs[list->Count - 1], NULL);
  return TRUE;
}

static gpointer
feed_thread (gpointer data)
{
  ReelFeed *feed = data;
  natsSubscription *sub = NULL;
  gint64 last_warning = 0;

  while (!g_atomic_int_get (&feed->stopping))
    {
      g_autoptr (GError) error = NULL;
      natsMsgList list = { 0 };
      jsErrCode jerr = 0;
      natsStatus s;

      if (!sub && !(sub = subscribe (feed, &error)))
        goto failed;
      s = natsSubscription_Fetch (&list, sub, FEED_BATCH, FEED_FETCH_TIMEOUT_MS, &jerr);
      if (s == NATS_TIMEOUT)
        continue;
      if (s != NATS_OK)
        {
          reel_bus_set_error (&error, s, jerr, "fetch");
          goto failed;
        }
      if (deliver (feed, &list, &error))
        {
          natsMsgList_Destroy (&list);
          continue;
        }
      natsMsgList_Destroy (&list);
    failed:
      /* Start over from the caller's position: nothing is skipped, and what
       * was applied already is filtered out by sequence. */
      if (sub)
        natsSubscription_Destroy (sub);
      sub = NULL;
      if (g_get_monotonic_time () - last_warning > G_USEC_PER_SEC)
        {
          g_warning ("feed %s: %s; retrying", feed->name, error ? error->message : "?");
          last_warning = g_get_monotonic_time ();
        }
      g_usleep (FEED_RETRY_DELAY_US);
    }
  if (sub)
    natsSubscription_Destroy (sub);
  return NULL;
}

ReelFeed *
reel_feed_start (ReelBus *bus, const char *stream, const char *filter, const char *consumer_name,
                 ReelFeedResumeFunc resume, ReelFeedBatchFunc batch, gpointer user_data)
{
  ReelFeed *feed = g_new0 (ReelFeed, 1);
  feed->bus = bus;
  feed->stream = g_strdup (stream);
  feed->filter = g_strdup (filter);
  feed->name = g_strdup (consumer_name);
  feed->resume = resume;
  feed->batch = batch;
  feed->user_data = user_data;
  feed->thread = g_thread_new (consumer_name, feed_thread, feed);
  return feed;
}

void
reel_feed_stop (ReelFeed *feed)
{
  if (!feed)
    return;
  g_atomic_int_set (&feed->stopping, 1);
  g_thread_join (feed->thread);
  g_free (feed->stream);
  g_free (feed->filter);
  g_free (feed->name);
  g_free (feed);
}
