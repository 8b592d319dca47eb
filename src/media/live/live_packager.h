/* The live packager (api role): live HLS of every live channel, read back
 * from the channel's JetStream stream (app/live/live.h).
 *
 * For each session the read models show (live, or ended less than a
 * window ago), one pipelines/live-package.pipeline per rendition (every
 * rung, and the sound) reads the rendition's subject from the start of the
 * stream's window with natssrc and cuts it into CMAF fragments with mp4mux;
 * the fragments, split with media/cmaf.c and given their absolute decode
 * times, are kept in memory as the segments of a sliding window as long as
 * live.window_seconds (a picture fragment is a segment; the sound's short
 * fragments are gathered into segments on the same grid). Reading from the start of the window is
 * what makes rewind survive a restart: a new node, or this one after a crash, rebuilds the same
 * window from the broker.
 *
 * Segment n of a rendition covers stream time [n, n+1) segment lengths (the
 * live ladder puts keyframes on that grid), so every node names the same
 * media the same way; each segment remembers the wall-clock arrival of its
 * first and last frame (stamped by the live ingest), which gives the
 * playlist's program date times and the reel_live_segment_latency_seconds
 * histogram: from the last frame's arrival at the ingest to the segment's
 * appearance in the playlist.
 *
 * Thread use: the pipelines' appsinks fill a channel under its lock; the
 * HTTP handlers read it on the main context under the same lock. */
#pragma once

#include "bus/natsauth.h"
#include "core/config.h"
#include "store/store.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct ReelLivePackager ReelLivePackager;

/* nats_url and nats_auth are for the natssrc elements that read the live
 * streams back (reel_bus_url and reel_bus_auth of the service's bus). */
ReelLivePackager *reel_live_packager_start (const ReelConfig *cfg, ReelStore *store,
                                            const char *nats_url, const ReelNatsAuth *nats_auth);
void reel_live_packager_stop (ReelLivePackager *pk);

/* The HLS multivariant playlist of a channel's current (or last) session;
 * rewind_ns > 0 asks players to start that far behind the live edge.
 * REEL_ERROR_NOT_FOUND when there is nothing to play (yet). */
char *reel_live_packager_master (ReelLivePackager *pk, const char *channel, guint64 rewind_ns,
                                 GError **error);
/* The media playlist of one rendition ("<name>.m3u8" in the master). */
char *reel_live_packager_media (ReelLivePackager *pk, const char *channel, const char *rendition,
                                guint64 rewind_ns, GError **error);
/* A segment ("<n>.m4s") or init segment ("init.mp4") while in the window. */
GBytes *reel_live_packager_segment (ReelLivePackager *pk, const char *channel, const char *session,
                                    const char *rendition, const char *file, GError **error);

G_END_DECLS
