/* The wire format natssink and natssrc share, and their NATS connection.
 *
 * One GstBuffer is one NATS message: the payload is the buffer's bytes, the
 * rest travels in NATS headers (so any NATS client can read the media and
 * the metadata):
 *
 *   Reel-Pts, Reel-Dts, Reel-Duration   nanoseconds, absent when unset
 *   Reel-Offset, Reel-Offset-End        absent when unset
 *   Reel-Flags                          GstBufferFlags, absent when none
 *   Reel-Caps                           gst_caps_to_string(); on the first
 *                                       buffer, when the caps change, and on
 *                                       sync points at most once per
 *                                       natssink::caps-interval, so a
 *                                       consumer can join mid-stream
 *   Reel-Segment                        the segment (a GstStructure string)
 *                                       on the first buffer after a segment
 *                                       event
 *   Reel-Reference                      one per GstReferenceTimestampMeta:
 *                                       "<ns> <duration ns|none> <caps>"
 *   Reel-Event: eos                     an empty message marking the end
 *
 * Caps and segment ride on buffers rather than on messages of their own, so
 * a JetStream consumer that starts at any sequence sees a buffer, never a
 * dangling event; natssrc looks back in the stream for the caps when its
 * first message carries none. */
#pragma once

#include "bus/natsauth.h"

#include <gst/gst.h>
#include <nats/nats.h>

G_BEGIN_DECLS

#define REEL_NATS_HDR_PTS "Reel-Pts"
#define REEL_NATS_HDR_DTS "Reel-Dts"
#define REEL_NATS_HDR_DURATION "Reel-Duration"
#define REEL_NATS_HDR_OFFSET "Reel-Offset"
#define REEL_NATS_HDR_OFFSET_END "Reel-Offset-End"
#define REEL_NATS_HDR_FLAGS "Reel-Flags"
#define REEL_NATS_HDR_CAPS "Reel-Caps"
#define REEL_NATS_HDR_SEGMENT "Reel-Segment"
#define REEL_NATS_HDR_REFERENCE "Reel-Reference"
#define REEL_NATS_HDR_EVENT "Reel-Event"
#define REEL_NATS_EVENT_EOS "eos"

#define REEL_NATS_DEFAULT_URL "nats://127.0.0.1:4222"

/* What nats.c's threads share with an element. Its callbacks may still run
 * after the element closed its connection and went away, so they touch
 * only this, which lives until the connection's closed callback. */
typedef struct
{
  gint refs;
  gint reconnected; /* atomic: an outage ended since the element last looked */
  GMutex lock;
  char *async_error; /* under lock: a failure reported by a callback */
} ReelNatsLink;

ReelNatsLink *reel_nats_link_new (void);
void reel_nats_link_unref (ReelNatsLink *link);
/* Records the first asynchronous failure; takes the text. */
void reel_nats_link_fail (ReelNatsLink *link, char *text);
/* The recorded failure (cleared), or NULL. */
char *reel_nats_link_take_error (ReelNatsLink *link);
gboolean reel_nats_link_has_error (ReelNatsLink *link);

/* The credential properties natssink and natssrc share, one per field of
 * ReelNatsAuth: token (write-only, so a pipeline dump or gst-inspect of a
 * running element never shows it), credentials, tls-ca, tls-cert, tls-key.
 * An element installs them from its property id first_id upward, and
 * passes its set/get calls on (TRUE when the id was one of them; the
 * caller holds the object lock). */
#define REEL_NATS_AUTH_N_PROPS 5
void reel_nats_auth_install_properties (GObjectClass *klass, guint first_id);
gboolean reel_nats_auth_set_property (ReelNatsAuth *auth, guint first_id, guint prop_id,
                                      const GValue *value);
gboolean reel_nats_auth_get_property (const ReelNatsAuth *auth, guint first_id, guint prop_id,
                                      GValue *value);

/* Connects to url (a comma-separated list for a cluster) with auth (may be
 * NULL), reconnecting forever after an outage. name identifies the client
 * in the server's monitoring (the element's name). With a link, the
 * connection holds a reference to it and flags its reconnections there.
 * error_out receives a readable reason. */
natsConnection *reel_nats_connect (const char *url, const ReelNatsAuth *auth, const char *name,
                                   ReelNatsLink *link, char **error_out);
/* Closes and frees *nc (NULL is fine) and clears it. */
void reel_nats_close (natsConnection **nc);
/* A failed call's status with the library's last error, readably. */
char *reel_nats_status_text (natsStatus s);

/* Fills msg's headers from buf (and caps/segment when not NULL). */
natsStatus reel_nats_headers_from_buffer (natsMsg *msg, GstBuffer *buf, const GstCaps *caps,
                                          const GstSegment *segment);

/* The bytes msg will take on the wire besides the payload (its headers), to
 * check a buffer against the server's maximum payload before sending it. */
gsize reel_nats_headers_size (natsMsg *msg);

/* Restores a buffer's timestamps, offsets, flags and reference timestamps
 * from msg's headers; returns the caps and segment it carries (NULL/FALSE
 * when it carries none). */
void reel_nats_headers_to_buffer (natsMsg *msg, GstBuffer *buf);
GstCaps *reel_nats_headers_caps (natsMsg *msg);
gboolean reel_nats_headers_segment (natsMsg *msg, GstSegment *segment);

/* Whether msg is the end-of-stream marker. */
gboolean reel_nats_is_eos (natsMsg *msg);

G_END_DECLS
