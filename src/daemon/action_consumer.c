/* See action_consumer.h. */
#include "daemon/action_consumer.h"
#include "daemon/projector.h"
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
  g_autoptr (ReelTxn) txn = reel_store_begin (c->store, FALSE, NULL);
  return txn ? reel_txn_get_applied (txn, c->proj->name) + 1 : 1;
}

/* Parses msgs into actions (NULL where unreadable: warned and counted). */
static ReelAction *
parse_batch (ReelActionConsumer *c, const ReelFeedMsg *msgs, guint n, gboolean *readable)
{
  ReelAction *actions = g_new (ReelAction, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      readable[i]
          = reel_action_parse_record (c->parser, msgs[i].data, msgs[i].len, &actions[i], &error);
      if (!readable[i])
        {
          /* A record this version cannot read (a newer node's action
           * version): skipped, as the core projection skips unknown types. */
          g_warning ("action %" G_GUINT64_FORMAT " on %s skipped by %s: %s", msgs[i].seq,
                     msgs[i].subject, c->proj->name, error->message);
          reel_metrics_add ("reel_events_skipped_total", c->labels, 1);
        }
    }
  return actions;
}

static gboolean
apply_batch (const ReelFeedMsg *msgs, guint n, gpointer data, GError **error)
{
  ReelActionConsumer *c = data;
  g_autofree gboolean *readable = g_new (gboolean, n);
  g_autofree ReelAction *actions = NULL;
  g_autoptr (ReelTxn) txn = NULL;
  guint64 applied, applied_before;
  guint n_applied = 0;

  if (c->proj->background && !c->reniced)
    {
      /* On the feed's own thread: the calling thread alone is reniced. */
      if (setpriority (PRIO_PROCESS, 0, BACKGROUND_NICE) != 0)
        g_debug ("%s: cannot lower its priority: %s", c->proj->name, g_strerror (errno));
      c->reniced = TRUE;
    }
  /* Parsing is most of the work: done before taking LMDB's one write lock,
   * which the other projections wait for. */
  actions = parse_batch (c, msgs, n, readable);
  if (!(txn = reel_store_begin (c->store, TRUE, error)))
    return FALSE;
  applied = applied_before = reel_txn_get_applied (txn, c->proj->name);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) local = NULL;
      /* Redelivered after a crash between commit and ack: already applied. */
      if (msgs[i].seq <= applied)
        continue;
      if (readable[i] && !c->proj->apply (txn, &actions[i], &c->rules, &local))
        {
          if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_INVALID))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          g_warning ("action %" G_GUINT64_FORMAT " on %s skipped by %s: %s", msgs[i].seq,
                     msgs[i].subject, c->proj->name, local->message);
          reel_metrics_add ("reel_events_skipped_total", c->labels, 1);
        }
      applied = msgs[i].seq;
      n_applied++;
    }
  if (applied != applied_before
      && (!reel_txn_set_applied (txn, c->proj->name, applied, error)
          || !reel_txn_commit (g_steal_pointer (&txn), error)))
    return FALSE;
  __atomic_store_n (&c->applied, applied, __ATOMIC_SEQ_CST);
  reel_metrics_add ("reel_events_applied_total", c->labels, n_applied);
  reel_metrics_set ("reel_projection_applied_sequence", c->labels, (double)applied);
  reel_metrics_set ("reel_projection_lag_events", c->labels, (double)msgs[n - 1].pending);
  return TRUE;
}

ReelActionConsumer *
reel_action_consumer_start (ReelBus *bus, ReelStore *store, const ReelActionProjection *proj,
                            const ReelWatchRules *rules, const char *node_key)
{
  ReelActionConsumer *c = g_new0 (ReelActionConsumer, 1);
  g_autofree char *name = g_strdup_printf ("reel-act-%s-%s", proj->name, node_key);
  g_autoptr (GString) labels = g_string_new (NULL);

  reel_projector_declare_metrics ();
  reel_metrics_label (labels, "projection", proj->name);
  c->store = store;
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
