/* See gstreelnats.h. */
#include "gstreelnats.h"

#include <stdlib.h>

/* Reconnect attempts are spaced so an outage is noticed quickly but a dead
 * server is not hammered (the service's own connection does the same). */
#define RECONNECT_WAIT_MS 250
/* How long the first connection may take before start-up fails. */
#define CONNECT_TIMEOUT_MS 5000

/* The buffer flags worth carrying: everything but the memory bookkeeping. */
#define CARRIED_FLAGS                                                                              \
  (GST_BUFFER_FLAG_LIVE | GST_BUFFER_FLAG_DECODE_ONLY | GST_BUFFER_FLAG_DISCONT                    \
   | GST_BUFFER_FLAG_RESYNC | GST_BUFFER_FLAG_CORRUPTED | GST_BUFFER_FLAG_MARKER                   \
   | GST_BUFFER_FLAG_HEADER | GST_BUFFER_FLAG_GAP | GST_BUFFER_FLAG_DROPPABLE                      \
   | GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_SYNC_AFTER | GST_BUFFER_FLAG_NON_DROPPABLE)

ReelNatsLink *
reel_nats_link_new (void)
{
  ReelNatsLink *link = g_new0 (ReelNatsLink, 1);
  link->refs = 1;
  g_mutex_init (&link->lock);
  return link;
}

void
reel_nats_link_unref (ReelNatsLink *link)
{
  if (!link || !g_atomic_int_dec_and_test (&link->refs))
    return;
  g_mutex_clear (&link->lock);
  g_free (link->async_error);
  g_free (link);
}

void
reel_nats_link_fail (ReelNatsLink *link, char *text)
{
  g_mutex_lock (&link->lock);
  if (!link->async_error)
    link->async_error = g_steal_pointer (&text);
  g_mutex_unlock (&link->lock);
  g_free (text);
}

char *
reel_nats_link_take_error (ReelNatsLink *link)
{
  char *error;
  g_mutex_lock (&link->lock);
  error = g_steal_pointer (&link->async_error);
  g_mutex_unlock (&link->lock);
  return error;
}

gboolean
reel_nats_link_has_error (ReelNatsLink *link)
{
  gboolean set;
  g_mutex_lock (&link->lock);
  set = link->async_error != NULL;
  g_mutex_unlock (&link->lock);
  return set;
}

static void
on_disconnected (natsConnection *nc, void *closure)
{
  GST_WARNING ("disconnected from NATS; reconnecting");
}

static void
on_reconnected (natsConnection *nc, void *closure)
{
  ReelNatsLink *link = closure;
  GST_INFO ("reconnected to NATS");
  g_atomic_int_set (&link->reconnected, 1);
}

/* nats.c's last word on a connection. */
static void
on_closed (natsConnection *nc, void *closure)
{
  reel_nats_link_unref (closure);
}

void
reel_nats_auth_install_properties (GObjectClass *klass, guint first_id)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  g_object_class_install_property (
      klass, first_id,
      g_param_spec_string ("token", "Token",
                           "Authentication token the NATS server requires (write-only). reeld's "
                           "embedded server keeps its token in DATA_DIR/nats/token",
                           NULL,
                           G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      klass, first_id + 1,
      g_param_spec_string ("credentials", "Credentials",
                           "Path of a NATS .creds file (user JWT and nkey seed) to authenticate "
                           "with",
                           NULL, flags));
  g_object_class_install_property (
      klass, first_id + 2,
      g_param_spec_string ("tls-ca", "TLS CA",
                           "Path of a PEM file of CA certificates to verify the server with; "
                           "setting it requires TLS",
                           NULL, flags));
  g_object_class_install_property (
      klass, first_id + 3,
      g_param_spec_string ("tls-cert", "TLS certificate",
                           "Path of a PEM client certificate (with tls-key) for mutual TLS", NULL,
                           flags));
  g_object_class_install_property (klass, first_id + 4,
                                   g_param_spec_string ("tls-key", "TLS key",
                                                        "Path of the PEM private key of tls-cert",
                                                        NULL, flags));
}

/* The field of auth that property prop_id sets. */
static char **
auth_field (ReelNatsAuth *auth, guint first_id, guint prop_id)
{
  char **fields[REEL_NATS_AUTH_N_PROPS]
      = { &auth->token, &auth->credentials, &auth->tls_ca, &auth->tls_cert, &auth->tls_key };
  if (prop_id < first_id || prop_id >= first_id + REEL_NATS_AUTH_N_PROPS)
    return NULL;
  return fields[prop_id - first_id];
}

gboolean
reel_nats_auth_set_property (ReelNatsAuth *auth, guint first_id, guint prop_id, const GValue *value)
{
  char **field = auth_field (auth, first_id, prop_id);
  if (!field)
    return FALSE;
  g_free (*field);
  *field = g_value_dup_string (value);
  /* Empty is unset, as for a property never set. */
  if (*field && !**field)
    g_clear_pointer (field, g_free);
  return TRUE;
}

gboolean
reel_nats_auth_get_property (const ReelNatsAuth *auth, guint first_id, guint prop_id, GValue *value)
{
  char **field = auth_field ((ReelNatsAuth *)auth, first_id, prop_id);
  if (!field)
    return FALSE;
  g_value_set_string (value, *field);
  return TRUE;
}

natsConnection *
reel_nats_connect (const char *url, const ReelNatsAuth *auth, const char *name, ReelNatsLink *link,
                   char **error_out)
{
  g_auto (GStrv) urls = g_strsplit (url ? url : REEL_NATS_DEFAULT_URL, ",", -1);
  natsOptions *opts = NULL;
  natsConnection *nc = NULL;
  natsStatus s = natsOptions_Create (&opts);

  if (s == NATS_OK)
    s = natsOptions_SetServers (opts, (const char **)urls, (int)g_strv_length (urls));
  if (s == NATS_OK)
    s = reel_nats_auth_apply (opts, auth);
  if (s == NATS_OK)
    s = natsOptions_SetName (opts, name);
  if (s == NATS_OK)
    s = natsOptions_SetTimeout (opts, CONNECT_TIMEOUT_MS);
  if (s == NATS_OK)
    s = natsOptions_SetMaxReconnect (opts, -1);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait (opts, RECONNECT_WAIT_MS);
  if (s == NATS_OK && link)
    s = natsOptions_SetDisconnectedCB (opts, on_disconnected, link);
  if (s == NATS_OK && link)
    s = natsOptions_SetReconnectedCB (opts, on_reconnected, link);
  if (s == NATS_OK && link)
    s = natsOptions_SetClosedCB (opts, on_closed, link);
  if (s == NATS_OK)
    {
      /* The connection's reference, dropped by on_closed. */
      if (link)
        g_atomic_int_inc (&link->refs);
      s = natsConnection_Connect (&nc, opts);
      if (s != NATS_OK && link)
        reel_nats_link_unref (link);
    }
  natsOptions_Destroy (opts);
  if (s != NATS_OK)
    {
      *error_out = reel_nats_status_text (s);
      return NULL;
    }
  return nc;
}

void
reel_nats_close (natsConnection **nc)
{
  if (!*nc)
    return;
  natsConnection_Close (*nc);
  g_clear_pointer (nc, natsConnection_Destroy);
}

char *
reel_nats_status_text (natsStatus s)
{
  const char *last = nats_GetLastError (NULL);
  return g_strdup_printf ("%s%s%s", natsStatus_GetText (s), last && *last ? ": " : "",
                          last ? last : "");
}

static natsStatus
set_u64 (natsMsg *msg, const char *key, guint64 v, guint64 unset)
{
  char text[24];
  if (v == unset)
    return NATS_OK;
  g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, v);
  return natsMsgHeader_Set (msg, key, text);
}

static char *
segment_to_string (const GstSegment *seg)
{
  g_autoptr (GstStructure) s = gst_structure_new (
      "segment", "format", G_TYPE_INT, (gint)seg->format, "flags", G_TYPE_UINT, (guint)seg->flags,
      "rate", G_TYPE_DOUBLE, seg->rate, "applied-rate", G_TYPE_DOUBLE, seg->applied_rate, "base",
      G_TYPE_UINT64, seg->base, "offset", G_TYPE_UINT64, seg->offset, "start", G_TYPE_UINT64,
      seg->start, "stop", G_TYPE_UINT64, seg->stop, "time", G_TYPE_UINT64, seg->time, "position",
      G_TYPE_UINT64, seg->position, "duration", G_TYPE_UINT64, seg->duration, NULL);
  return gst_structure_to_string (s);
}

static gboolean
add_reference (GstBuffer *buf, GstMeta **meta, gpointer data)
{
  natsMsg *msg = data;
  g_autofree char *caps = NULL, *value = NULL;
  GstReferenceTimestampMeta *ref;
  if ((*meta)->info->api != GST_REFERENCE_TIMESTAMP_META_API_TYPE)
    return TRUE;
  ref = (GstReferenceTimestampMeta *)*meta;
  caps = gst_caps_to_string (ref->reference);
  if (GST_CLOCK_TIME_IS_VALID (ref->duration))
    value = g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %s", ref->timestamp,
                             ref->duration, caps);
  else
    value = g_strdup_printf ("%" G_GUINT64_FORMAT " none %s", ref->timestamp, caps);
  return natsMsgHeader_Add (msg, REEL_NATS_HDR_REFERENCE, value) == NATS_OK;
}

natsStatus
reel_nats_headers_from_buffer (natsMsg *msg, GstBuffer *buf, const GstCaps *caps,
                               const GstSegment *segment)
{
  natsStatus s = NATS_OK;
  guint flags = GST_BUFFER_FLAGS (buf) & CARRIED_FLAGS;

  if (s == NATS_OK)
    s = set_u64 (msg, REEL_NATS_HDR_PTS, GST_BUFFER_PTS (buf), GST_CLOCK_TIME_NONE);
  if (s == NATS_OK)
    s = set_u64 (msg, REEL_NATS_HDR_DTS, GST_BUFFER_DTS (buf), GST_CLOCK_TIME_NONE);
  if (s == NATS_OK)
    s = set_u64 (msg, REEL_NATS_HDR_DURATION, GST_BUFFER_DURATION (buf), GST_CLOCK_TIME_NONE);
  if (s == NATS_OK)
    s = set_u64 (msg, REEL_NATS_HDR_OFFSET, GST_BUFFER_OFFSET (buf), GST_BUFFER_OFFSET_NONE);
  if (s == NATS_OK)
    s = set_u64 (msg, REEL_NATS_HDR_OFFSET_END, GST_BUFFER_OFFSET_END (buf),
                 GST_BUFFER_OFFSET_NONE);
  if (s == NATS_OK)
    s = set_u64 (msg, REEL_NATS_HDR_FLAGS, flags, 0);
  if (s == NATS_OK && caps)
    {
      g_autofree char *text = gst_caps_to_string (caps);
      s = natsMsgHeader_Set (msg, REEL_NATS_HDR_CAPS, text);
    }
  if (s == NATS_OK && segment)
    {
      g_autofree char *text = segment_to_string (segment);
      s = natsMsgHeader_Set (msg, REEL_NATS_HDR_SEGMENT, text);
    }
  if (s == NATS_OK && !gst_buffer_foreach_meta (buf, add_reference, msg))
    s = NATS_NO_MEMORY;
  return s;
}

gsize
reel_nats_headers_size (natsMsg *msg)
{
  const char **keys = NULL;
  int n = 0;
  /* "NATS/1.0\r\n", then "Key: value\r\n" per value, then "\r\n". */
  gsize size = 10 + 2;
  if (natsMsgHeader_Keys (msg, &keys, &n) != NATS_OK)
    return size;
  for (int i = 0; i < n; i++)
    {
      const char **values = NULL;
      int m = 0;
      if (natsMsgHeader_Values (msg, keys[i], &values, &m) != NATS_OK)
        continue;
      for (int j = 0; j < m; j++)
        size += strlen (keys[i]) + 2 + strlen (values[j]) + 2;
      free ((void *)values);
    }
  free ((void *)keys);
  return size;
}

static guint64
get_u64 (natsMsg *msg, const char *key, guint64 unset)
{
  const char *v = NULL;
  guint64 n;
  if (natsMsgHeader_Get (msg, key, &v) != NATS_OK || !v
      || !g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT64, &n, NULL))
    return unset;
  return n;
}

static void
restore_reference (GstBuffer *buf, const char *value)
{
  g_auto (GStrv) parts = g_strsplit (value, " ", 3);
  guint64 ts, duration = GST_CLOCK_TIME_NONE;
  g_autoptr (GstCaps) caps = NULL;
  if (g_strv_length (parts) != 3
      || !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT64, &ts, NULL))
    return;
  if (!g_str_equal (parts[1], "none")
      && !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT64, &duration, NULL))
    return;
  caps = gst_caps_from_string (parts[2]);
  if (caps)
    gst_buffer_add_reference_timestamp_meta (buf, caps, ts, duration);
}

void
reel_nats_headers_to_buffer (natsMsg *msg, GstBuffer *buf)
{
  const char **values = NULL;
  int n = 0;
  GST_BUFFER_PTS (buf) = get_u64 (msg, REEL_NATS_HDR_PTS, GST_CLOCK_TIME_NONE);
  GST_BUFFER_DTS (buf) = get_u64 (msg, REEL_NATS_HDR_DTS, GST_CLOCK_TIME_NONE);
  GST_BUFFER_DURATION (buf) = get_u64 (msg, REEL_NATS_HDR_DURATION, GST_CLOCK_TIME_NONE);
  GST_BUFFER_OFFSET (buf) = get_u64 (msg, REEL_NATS_HDR_OFFSET, GST_BUFFER_OFFSET_NONE);
  GST_BUFFER_OFFSET_END (buf) = get_u64 (msg, REEL_NATS_HDR_OFFSET_END, GST_BUFFER_OFFSET_NONE);
  GST_BUFFER_FLAG_SET (buf, get_u64 (msg, REEL_NATS_HDR_FLAGS, 0) & CARRIED_FLAGS);
  if (natsMsgHeader_Values (msg, REEL_NATS_HDR_REFERENCE, &values, &n) == NATS_OK)
    {
      for (int i = 0; i < n; i++)
        restore_reference (buf, values[i]);
      free ((void *)values);
    }
}

GstCaps *
reel_nats_headers_caps (natsMsg *msg)
{
  const char *v = NULL;
  if (natsMsgHeader_Get (msg, REEL_NATS_HDR_CAPS, &v) != NATS_OK || !v)
    return NULL;
  return gst_caps_from_string (v);
}

gboolean
reel_nats_headers_segment (natsMsg *msg, GstSegment *segment)
{
  const char *v = NULL;
  g_autoptr (GstStructure) s = NULL;
  gint format;
  guint flags;

  if (natsMsgHeader_Get (msg, REEL_NATS_HDR_SEGMENT, &v) != NATS_OK || !v
      || !(s = gst_structure_from_string (v, NULL)))
    return FALSE;
  gst_segment_init (segment, GST_FORMAT_TIME);
  if (!gst_structure_get (s, "format", G_TYPE_INT, &format, "flags", G_TYPE_UINT, &flags, "rate",
                          G_TYPE_DOUBLE, &segment->rate, "applied-rate", G_TYPE_DOUBLE,
                          &segment->applied_rate, "base", G_TYPE_UINT64, &segment->base, "offset",
                          G_TYPE_UINT64, &segment->offset, "start", G_TYPE_UINT64, &segment->start,
                          "stop", G_TYPE_UINT64, &segment->stop, "time", G_TYPE_UINT64,
                          &segment->time, "position", G_TYPE_UINT64, &segment->position, "duration",
                          G_TYPE_UINT64, &segment->duration, NULL)
      || segment->rate == 0.0)
    {
      gst_segment_init (segment, GST_FORMAT_TIME);
      return FALSE;
    }
  segment->format = (GstFormat)format;
  segment->flags = (GstSegmentFlags)flags;
  return TRUE;
}

gboolean
reel_nats_is_eos (natsMsg *msg)
{
  const char *v = NULL;
  return natsMsgHeader_Get (msg, REEL_NATS_HDR_EVENT, &v) == NATS_OK && v
         && g_str_equal (v, REEL_NATS_EVENT_EOS);
}
