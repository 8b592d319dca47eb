/* The start-up check that the read models still belong to the log.
 *
 * A projection's checkpoint ("applied:<projection>" in LMDB) says how far
 * into a stream it has applied. When the stream is lost (its store deleted,
 * the stream recreated, or restored from a backup older than the LMDB
 * directory), the checkpoint points past or beside the log: the feed would
 * resume after the checkpoint and silently skip every new event up to it,
 * and the read models would keep state the log no longer holds. So before
 * the projections start, each checkpoint is compared with its stream:
 *   - applied beyond the stream's last sequence, or
 *   - a stream created at another time than the one the projections were
 *     applied from ("origin:<stream>", recorded here: this catches a
 *     recreated stream that has already grown past the old checkpoint)
 * and a projection that fails either is dropped and rebuilt from the log by
 * its feed, with a warning and reel_projection_rebuilds_total. Each
 * projection is judged by its own stream: losing the event log rebuilds the
 * core projections and leaves the viewer-action projections alone (they
 * never read the core tables), and the other way round. The core
 * projections (app/projection.h) each have their own checkpoint and a
 * layout ("layout:<name>"); one stored in another layout than this
 * version writes is rebuilt from the log as well. */
#pragma once

#include "app/analytics/action_projection.h"
#include "app/projection.h"
#include "bus/bus.h"
#include "store/store.h"

G_BEGIN_DECLS

/* A data directory from before the core projections had checkpoints of
 * their own holds only "applied:core": each core projection starts from it
 * (written once; afterwards a projection without a checkpoint is a new one
 * and is built from the start of the log). */
gboolean reel_checkpoints_split (ReelStore *store, GError **error);

/* reel_checkpoints_split(), then every core projection stored in another
 * layout than this version's (ReelProjection.layout) is dropped, so the
 * projector rebuilds it from the log. Part of reel_checkpoints_verify(). */
gboolean reel_checkpoints_upgrade (ReelStore *store, GError **error);

/* Empties one core projection (its tables, its rows in shared tables, its
 * checkpoint and the group's) in one transaction, so the projector
 * rebuilds it from the log while the others skip what they have. */
gboolean reel_checkpoints_drop (ReelStore *store, const ReelProjection *p, GError **error);

/* Brings the core projections' checkpoints and layouts up to date
 * (reel_checkpoints_upgrade), checks the core projections against
 * REEL_EVENTS and every action projection against REEL_ACTIONS, drops what
 * the log no longer backs, and records the streams' origins. Call it
 * before any projection starts. */
gboolean reel_checkpoints_verify (ReelBus *bus, ReelStore *store, GError **error);

G_END_DECLS
