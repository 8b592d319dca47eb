/* The projections of the viewer-action stream (REEL_ACTIONS): views,
 * analytics and related. Unlike the core projection, each runs as its own
 * consumer with its own tables and its own checkpoint ("applied:<name>" in
 * META), so a slow or rebuilt one holds no other back, and each can be
 * dropped and replayed alone (reeld --rebuild --only NAME). Each applies one
 * action at a time inside the consumer's write transaction (one per batch),
 * deterministically: from the action record and its own tables only. */
#pragma once

#include "app/actions.h"
#include "app/watch.h"

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

/* Every action projection, NULL-terminated. */
const ReelActionProjection *const *reel_action_projections (void);
/* One by name, or NULL. */
const ReelActionProjection *reel_action_projection_find (const char *name);

G_END_DECLS
