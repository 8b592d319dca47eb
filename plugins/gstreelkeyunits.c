/* See gstreelkeyunits.h. */
#include "gstreelkeyunits.h"

#include <gst/video/video.h>

/* 1 µs of slack: a frame at 5.999999 s (rounded timestamps) opens the 6 s
 * segment. */
#define SLACK_NS 1000

void
reel_key_units_reset (ReelKeyUnits *k, GstClockTime interval, GstClockTime first)
{
  k->interval = interval;
  k->next = first;
  k->count = 0;
}

GstEvent *
reel_key_units_check (ReelKeyUnits *k, GstClockTime ts)
{
  if (!k->interval || !GST_CLOCK_TIME_IS_VALID (ts) || ts + SLACK_NS < k->next)
    return NULL;
  while (k->next <= ts + SLACK_NS)
    k->next += k->interval;
  /* The request names no running time ("the next frame", which is this
   * one): GstVideoEncoder in 1.22 compares timed requests against its own
   * shifted timestamps and drops all but the first. */
  return gst_video_event_new_downstream_force_key_unit (GST_CLOCK_TIME_NONE, ts,
                                                        GST_CLOCK_TIME_NONE, TRUE, ++k->count);
}
