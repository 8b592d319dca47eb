/* The core projections: the read models built from the event log (users,
 * sessions, videos, subscriptions, channels, notifications, comments,
 * search, ...). Like the viewer-action projections (action_projection.h),
 * each is described by one descriptor: its name, the tables it owns, the
 * rows it owns in the shared tables (COUNTERS, META), and its apply
 * function; each keeps its own checkpoint ("applied:<name>" in META), so
 * one can be dropped and replayed alone (reeld --rebuild --only NAME) and a
 * projection a later version adds catches up by itself. The projector
 * (daemon/projector.c) applies an event to every projection whose
 * checkpoint is behind it, all inside one write transaction per batch. */
#pragma once

#include "app/analytics/action_projection.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* The name of the projections as a group: "applied:core" in META is the
 * sequence every core projection has applied (what read-your-writes waits
 * for, and the one checkpoint of data directories from before the split),
 * and the consumer name. */
#define REEL_PROJECTION_CORE "core"

/* Applies ev. A malformed event is reported with REEL_ERROR_INVALID (the
 * caller skips it: the log cannot be changed, and one bad event must not
 * stop every read model); any other error aborts the transaction. An event
 * type the projection does not handle is no error. */
typedef gboolean (*ReelProjectionApplyFunc) (ReelTxn *txn, const ReelEvent *ev, GError **error);

/* Rows a projection owns in a table it shares with others: those whose key
 * starts with prefix. */
typedef struct
{
  ReelDb db;
  const char *prefix;
} ReelProjectionRows;

typedef struct
{
  const char *name;  /* checkpoint name: "applied:<name>" */
  const ReelDb *dbs; /* the tables it owns whole: what a rebuild empties */
  guint n_dbs;
  const ReelProjectionRows *rows; /* its rows in shared tables: emptied too */
  guint n_rows;
  ReelProjectionApplyFunc apply;
  /* What it stores and how: raised whenever that changes (a new table, a
   * new kind of row). A data directory whose "layout:<name>" differs has
   * the projection rebuilt from the log at start (daemon/checkpoints.h);
   * before the core projections were split, every one had layout 1. */
  guint layout;
} ReelProjection;

/* Every core projection, NULL-terminated, in the order the projector
 * applies them. None decides anything from another's tables, so the order
 * only has to be fixed, not meaningful. One read remains: search takes the
 * text it indexes (description, the owner's display name, and fields an
 * edit leaves out) from the video and user records; the index a log ends
 * with is the same whether those are read at the event or at the end of a
 * rebuild (--rebuild --only search), as only the last indexing of a video
 * stays. */
const ReelProjection *const *reel_projections (void);
/* One by name, or NULL. */
const ReelProjection *reel_projection_find (const char *name);

/* Every action projection (app/analytics/action_projection.h), NULL-terminated. */
const ReelActionProjection *const *reel_action_projections (void);
/* One by name, or NULL. */
const ReelActionProjection *reel_action_projection_find (const char *name);

/* Applies ev to every core projection in turn (for tests and tools that
 * keep no per-projection checkpoints). */
gboolean reel_projection_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
