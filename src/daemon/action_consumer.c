/* See action_consumer.h. */
#include "daemon/action_consumer.h"
#include "daemon/batch.h"
#include "app/analytics/actions.h"
#include "bus/feed.h"
#include "core/error.h"
#include "core/metrics.h"

#include <sys/resource.h>

/* How much a background projection's consumer yields (nice value; Linux
 * keeps it per thread). */
#define BACKGROUND_NICE 10

struct ReelActionConsumer
{
  ReelStore *store;
  ReelActionCache *cache; /* not owned; may be NULL */
  const ReelActionProjection *proj;
  ReelWatchRules rules;
  ReelFeed *feed;
  JsonParser *parser; /* feed thread only: one parser for every record */
  char *labels;       /* projection="<name>" */
  gboolean reniced;   /* feed thread only */
  guint64 applied;    /* __atomic */
};

static guint64
resume_from (gpointer data)
{
  ReelActionConsumer *c = data;
  return reel_batch_resume_from (c->store, c->proj->name);
}

typedef struct
{
  ReelActionConsumer *c;
  GArray *actions; /* of ReelAction: every message's, in order */
  guint *first;    /* message i's are actions[first[i] .. first[i + 1]) */
} Batch;

static gboolean
apply_action (ReelTxn *txn, guint i, gpointer data, GError **error)
{
  Batch *b = data;
  for (guint k = b->first[i]; k < b->first[i + 1]; k++)
    {
      g_autoptr (GError) local = NULL;
      if (b->c->proj->apply (txn, &g_array_index (b->actions, ReelAction, k), &b->c->rules, &local))
        continue;
      if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_INVALID))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* One action of a message the projection cannot take: passed over,
       * as a message is (daemon/batch.h). */
      g_warning ("an action of message %u of the batch skipped by %s: %s", i, b->c->proj->name,
                 local->message);
      reel_metrics_add ("reel_events_skipped_total", b->c->labels, 1);
    }
  return TRUE;
}

static gboolean
apply_batch (const ReelFeedMsg *msgs, guint n, gpointer data, GError **error)
{
  ReelActionConsumer *c = data;
  g_autoptr (GArray) actions = g_array_sized_new (FALSE, FALSE, sizeof (ReelAction), n);
  g_autofree guint *first = g_new (guint, n + 1);
  Batch b = { c, actions, first };
  guint64 applied;
  guint parsed = 0, hits = 0;

  if (c->proj->background && !c->reniced)
    {
      /* On the feed's own thread: the calling thread alone is reniced. */
      if (setpriority (PRIO_PROCESS, 0, BACKGROUND_NICE) != 0)
        g_debug ("%s: cannot lower its priority: %s", c->proj->name, g_strerror (errno));
      c->reniced = TRUE;
    }
  /* Parsing is most of the work: done once per message in this process
   * (the cache), and before taking LMDB's one write lock, which the other
   * projections wait for. */
  for (guint i = 0; i < n; i++)
    {
      guint before = actions->len;
      first[i] = before;
      if (reel_action_cache_get (c->cache, msgs[i].seq, msgs[i].data, msgs[i].len, actions))
        hits += actions->len - before;
      else
        {
          g_autoptr (GError) unreadable = NULL;
          guint bad = reel_action_parse_message (c->parser, msgs[i].data, msgs[i].len, actions,
                                                 &unreadable);
          /* A record this version cannot read (a newer node's action
           * version): skipped, as the core projection skips unknown types. */
          if (bad)
            {
              g_warning ("%u records of message %" G_GUINT64_FORMAT " skipped by %s: %s", bad,
                         msgs[i].seq, c->proj->name, unreadable->message);
              reel_metrics_add ("reel_events_skipped_total", c->labels, bad);
            }
          parsed += actions->len - before;
          reel_action_cache_put (c->cache, msgs[i].seq, msgs[i].data, msgs[i].len,
                                 &g_array_index (actions, ReelAction, before),
                                 actions->len - before);
        }
    }
  first[n] = actions->len;
  reel_metrics_add ("reel_action_records_parsed_total", c->labels, parsed);
  reel_metrics_add ("reel_action_records_cached_total", c->labels, hits);
  if (!reel_batch_apply (c->store, c->proj->name, c->labels, msgs, n, apply_action, &b, &applied,
                         error))
    return FALSE;
  __atomic_store_n (&c->applied, applied, __ATOMIC_SEQ_CST);
  return TRUE;
}

ReelActionConsumer *
reel_action_consumer_start (ReelBus *bus, ReelStore *store, ReelActionCache *cache,
                            const ReelActionProjection *proj, const ReelWatchRules *rules,
                            const char *node_key)
{
  ReelActionConsumer *c = g_new0 (ReelActionConsumer, 1);
  g_autofree char *name = g_strdup_printf ("reel-act-%s-%s", proj->name, node_key);
  g_autoptr (GString) labels = g_string_new (NULL);

  reel_batch_declare_metrics ();
  reel_metrics_declare ("reel_action_records_parsed_total", REEL_METRIC_COUNTER,
                        "Viewer-action records an action projection parsed itself");
  reel_metrics_declare ("reel_action_records_cached_total", REEL_METRIC_COUNTER,
                        "Viewer-action records an action projection found already parsed in "
                        "this process");
  reel_metrics_label (labels, "projection", proj->name);
  c->store = store;
  c->cache = cache;
  c->proj = proj;
  c->rules = *rules;
  c->parser = json_parser_new_immutable ();
  c->labels = g_string_free (g_steal_pointer (&labels), FALSE);
  __atomic_store_n (&c->applied, resume_from (c) - 1, __ATOMIC_SEQ_CST);
  reel_metrics_set ("reel_projection_applied_sequence", c->labels,
                    (double)reel_action_consumer_applied (c));
  c->feed = reel_feed_start (bus, REEL_STREAM_ACTIONS, REEL_SUBJECT_ACTIONS, name, resume_from,
                             apply_batch, c);
  return c;
}

void
reel_action_consumer_stop (ReelActionConsumer *c)
{
  if (!c)
    return;
  reel_feed_stop (c->feed);
  g_object_unref (c->parser);
  g_free (c->labels);
  g_free (c);
}

guint64
reel_action_consumer_applied (ReelActionConsumer *c)
{
  return __atomic_load_n (&c->applied, __ATOMIC_SEQ_CST);
}
