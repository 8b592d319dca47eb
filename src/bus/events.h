/* Events: the one path by which reel changes state.
 *
 * An event is a JSON envelope {type, v, id, at, actor, data} published to
 * the event log on a per-aggregate subject (reel.ev.<aggregate>.<key>). Its
 * id doubles as Nats-Msg-Id, so a publish retried with the same event is
 * stored once; so is the event of a client's retried request, whose id is
 * derived from its Idempotency-Key (core/idem.h). data/schemas/<type>.v<v>.json holds the JSON
 * Schema of each type and version; consumers accept every version ever shipped. */
#pragma once

#include "bus/bus.h"
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *type;
  guint v;
  char *id;
  char *at;
  char *actor;      /* username, or NULL for the system */
  JsonObject *data; /* owned */
} ReelEvent;

void reel_event_free (ReelEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelEvent, reel_event_free)

/* Builds the subject of an aggregate: reel.ev.<aggregate>.<key>. key must be
 * a subject-safe token (ids and usernames are). */
char *reel_event_subject (const char *aggregate, const char *key);

/* Wraps data in an envelope and publishes it; returns the stream sequence.
 * See reel_bus_publish() for expect_subject_empty. */
gboolean reel_events_publish (ReelBus *bus, const char *subject, const char *type, guint version,
                              const char *actor, JsonObject *data, gboolean expect_subject_empty,
                              guint64 *seq, GError **error);

/* Parses an envelope; REEL_ERROR_INVALID when it is not one. */
ReelEvent *reel_event_parse (const char *data, gsize len, GError **error);

G_END_DECLS
