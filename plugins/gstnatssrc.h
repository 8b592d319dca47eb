/* natssrc: turns the messages of a NATS subject (or a JetStream stream)
 * back into buffers. */
#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_NATS_SRC (gst_nats_src_get_type ())
G_DECLARE_FINAL_TYPE (GstNatsSrc, gst_nats_src, GST, NATS_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE (natssrc);

/* Where a JetStream consumer starts. */
typedef enum
{
  GST_NATS_SRC_START_LIVE,     /* core NATS: what is published from now on */
  GST_NATS_SRC_START_ALL,      /* the whole stream */
  GST_NATS_SRC_START_NEW,      /* JetStream, messages stored from now on */
  GST_NATS_SRC_START_SEQUENCE, /* from start-sequence */
  GST_NATS_SRC_START_TIME,     /* from start-time */
} GstNatsSrcStart;

#define GST_TYPE_NATS_SRC_START (gst_nats_src_start_get_type ())
GType gst_nats_src_start_get_type (void);

G_END_DECLS
