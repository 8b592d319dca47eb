/* Keyframes on a fixed grid of stream time, for reelrange and reelladder:
 * before the first frame at or past each multiple of an interval, a
 * downstream force-key-unit event asks every encoder after it for a
 * keyframe, so segments cut at those points start with one in every rung
 * of a ladder. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct
{
  GstClockTime interval; /* 0: never */
  GstClockTime next;     /* stream time of the next keyframe */
  guint count;
} ReelKeyUnits;

/* Starts the grid at first (a multiple of the interval). */
void reel_key_units_reset (ReelKeyUnits *k, GstClockTime interval, GstClockTime first);

/* The event to push before a frame at stream time ts, or NULL. */
GstEvent *reel_key_units_check (ReelKeyUnits *k, GstClockTime ts);

G_END_DECLS
