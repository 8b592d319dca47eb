/* natssink: publishes every buffer as a NATS (or JetStream) message. */
#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_NATS_SINK (gst_nats_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstNatsSink, gst_nats_sink, GST, NATS_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE (natssink);

G_END_DECLS
