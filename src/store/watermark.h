/* A watermark: "the local read models have applied the event log up to
 * sequence N", with waiters for a sequence to be reached.
 *
 * The projector (daemon/projector.c) owns one and raises it after each
 * committed batch, on its feed thread; what depends on its writes only
 * reads or waits on it: a command's read-your-writes wait (http/server.c),
 * the reactor's wait for the event a side effect is about
 * (daemon/reactor.c), `reeld --rebuild`'s wait for the end of the log. So
 * the layers above the store see "how far are the read models" without
 * knowing who applies the events.
 *
 * Waiters live on the main context that was the thread default when the
 * watermark was made; reel_watermark_raise() may be called from any thread
 * and wakes them there. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct ReelWatermark ReelWatermark;

/* A watermark at reached (the newest sequence already applied). */
ReelWatermark *reel_watermark_new (guint64 reached);
ReelWatermark *reel_watermark_ref (ReelWatermark *w);
void reel_watermark_unref (ReelWatermark *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelWatermark, reel_watermark_unref)

/* The newest sequence applied; any thread. */
guint64 reel_watermark_reached (ReelWatermark *w);

/* seq is applied now (a watermark never goes down); any thread. */
void reel_watermark_raise (ReelWatermark *w, guint64 seq);

typedef void (*ReelWatermarkFunc) (gboolean reached, gpointer user_data);

/* Calls func on the watermark's main context once seq is reached (at
 * once when it is), or with FALSE after timeout_ms or at
 * reel_watermark_close(). Main context only. */
void reel_watermark_wait (ReelWatermark *w, guint64 seq, guint timeout_ms, ReelWatermarkFunc func,
                          gpointer user_data);

/* Blocks, iterating the main context, until seq is reached; FALSE after
 * timeout_ms. For `reeld --rebuild`, which has no main loop running. */
gboolean reel_watermark_wait_sync (ReelWatermark *w, guint64 seq, guint timeout_ms);

/* Blocks the calling thread, without running any main context, until seq
 * is reached; FALSE after timeout_ms. For a short wait where the caller
 * cannot be suspended (a synchronous check inside a request handler);
 * whoever raises it must not need the caller's thread. Any thread. */
gboolean reel_watermark_block (ReelWatermark *w, guint64 seq, guint timeout_ms);

/* The one who raises it stops: every waiter is answered FALSE now. Main
 * context only. */
void reel_watermark_close (ReelWatermark *w);

G_END_DECLS
