/* reel's connection to NATS JetStream, seen from the rest of the code.
 *
 * Nothing outside src/bus includes nats.h: this header speaks in subjects,
 * bytes, sequences and GErrors. The connection reconnects forever after an
 * outage (a publish during one fails fast with REEL_ERROR_UNAVAILABLE, which
 * the HTTP edge turns into 503), and the streams of DESIGN.md "Streams" are
 * created or updated idempotently by reel_bus_ensure_streams(). */
#pragma once

#include "bus/natsauth.h"

#include <glib.h>

G_BEGIN_DECLS

/* The event log: every change of state, kept forever. */
#define REEL_STREAM_EVENTS "REEL_EVENTS"
#define REEL_SUBJECT_EVENTS "reel.ev.>"
/* The transcode work queue: a job is removed once a worker acks it. */
#define REEL_STREAM_JOBS "REEL_JOBS"
#define REEL_SUBJECT_JOBS "reel.job.>"
/* Viewer actions (app/analytics/actions.h): kept for an age/size window, not forever. */
#define REEL_STREAM_ACTIONS "REEL_ACTIONS"
#define REEL_SUBJECT_ACTIONS "reel.act.>"

typedef struct ReelBus ReelBus;

/* Connects to url (comma-separated list for a cluster) with auth (may be
 * NULL); waits up to timeout_ms for the first connection, reconnecting
 * forever afterwards. Credentials the server refuses fail at once. */
ReelBus *reel_bus_connect (const char *url, const ReelNatsAuth *auth, guint timeout_ms,
                           GError **error);
void reel_bus_free (ReelBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelBus, reel_bus_free)

gboolean reel_bus_is_connected (ReelBus *bus);

/* Creates or updates the event-log and work-queue streams. */
gboolean reel_bus_ensure_streams (ReelBus *bus, guint replicas, GError **error);

/* Publishes one message to JetStream and waits for the stream's ack.
 * msg_id goes into Nats-Msg-Id, so a retry with the same id is stored once
 * (and answers the first copy's sequence). With expect_subject_empty, the
 * publish succeeds only if no message on this subject exists yet, and fails
 * with REEL_ERROR_CONFLICT otherwise: the way a name is claimed uniquely
 * across any number of API nodes. */
gboolean reel_bus_publish (ReelBus *bus, const char *subject, const char *msg_id, const void *data,
                           gsize len, gboolean expect_subject_empty, guint64 *seq, GError **error);

/* Creates or updates the viewer-action stream: file storage, the oldest
 * actions removed beyond max_age_s or max_bytes, and a duplicate window of
 * duplicate_window_s (a batch sent again within it is stored once). */
gboolean reel_bus_ensure_actions_stream (ReelBus *bus, guint replicas, guint64 max_age_s,
                                         guint64 max_bytes, guint64 duplicate_window_s,
                                         GError **error);

/* One message of a batch publish. The caller fills subject, msg_id, data
 * and len; the publish fills seq, or error when this message was not
 * stored. */
typedef struct
{
  const char *subject;
  const char *msg_id; /* Nats-Msg-Id */
  const char *data;
  gsize len;
  guint64 seq;   /* stream sequence (the first copy's, for a duplicate) */
  GError *error; /* owned by the caller once set */
} ReelBusBatchMsg;

/* Publishes n messages without waiting for each one's ack (JetStream
 * asynchronous publish), then waits for all the acks at once: a batch costs
 * one round trip, not n. FALSE (with error) only when nothing could be
 * sent (NATS down); otherwise per-message failures are in msgs[i].error. */
gboolean reel_bus_publish_batch (ReelBus *bus, ReelBusBatchMsg *msgs, guint n, GError **error);

/* The sequence of the newest message in a stream. */
gboolean reel_bus_stream_last_seq (ReelBus *bus, const char *stream, guint64 *seq, GError **error);
/* The same, answered within timeout_ms or failed (a caller that must not
 * wait long while NATS is away). */
gboolean reel_bus_stream_last_seq_within (ReelBus *bus, const char *stream, guint timeout_ms,
                                          guint64 *seq, GError **error);
/* The same, and when the stream was created (ns since the epoch; may be
 * NULL): a stream deleted and made again is a different stream, even where
 * its sequences have grown past the old ones. */
gboolean reel_bus_stream_state (ReelBus *bus, const char *stream, guint64 *last_seq,
                                gint64 *created_ns, GError **error);

/* The URL (list) and credentials given to reel_bus_connect, for other NATS
 * clients of this process (e.g. the GStreamer elements natssink and
 * natssrc). */
const char *reel_bus_url (ReelBus *bus);
const ReelNatsAuth *reel_bus_auth (ReelBus *bus);

/* Live video (app/live/live.h): creates or updates a live channel's stream on
 * <subject_prefix>.> with its window (age and size: older messages are
 * dropped), then empties it for a new session. */
gboolean reel_bus_reset_live_stream (ReelBus *bus, const char *stream, const char *subject_prefix,
                                     guint max_age_s, guint64 max_bytes, guint replicas,
                                     GError **error);

G_END_DECLS
