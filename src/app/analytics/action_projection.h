/* The projections of the viewer-action stream (REEL_ACTIONS): views,
 * analytics and related. Unlike the core projection, each runs as its own
 * consumer with its own tables and its own checkpoint ("applied:<name>" in
 * META), so a slow or rebuilt one holds no other back, and each can be
 * dropped and replayed alone (reeld --rebuild --only NAME). Each applies one
 * action at a time inside the consumer's write transaction (one per batch),
 * deterministically: from the action record and its own tables only.
 * The list of them is in app/projection.h, with the core projections. */
#pragma once

#include "app/analytics/action_record.h"
#include "app/analytics/watch.h"

G_BEGIN_DECLS

typedef gboolean (*ReelActionApplyFunc) (ReelTxn *txn, const ReelAction *a,
                                         const ReelWatchRules *rules, GError **error);

typedef struct
{
  const char *name;  /* checkpoint and consumer name */
  const ReelDb *dbs; /* the tables it owns: what a rebuild empties */
  guint n_dbs;
  ReelActionApplyFunc apply;
  /* May fall behind under load: its consumer yields the CPU to the others
   * (views, which the public counters read) and catches up after. */
  gboolean background;
} ReelActionProjection;

G_END_DECLS
