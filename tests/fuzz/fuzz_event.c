/* Fuzzes the event envelope parser every consumer of the event log runs
 * on each message (reel_event_parse, bus/events.h). Property: a parsed
 * envelope has a type, id and time, the version it holds (at least 1) and
 * a data object, and its time reads without a crash (projections key rows
 * by it). */
#include "bus/events.h"
#include "core/json.h"
#include "fuzz.h"

static void
run (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelEvent) ev = reel_event_parse ((const char *)data, size, &error);
  if (!ev)
    {
      reel_fuzz_check_error (error);
      return;
    }
  REEL_FUZZ_CHECK (ev->type && ev->id && ev->at && ev->v >= 1 && ev->data);
  /* The version read is the version written (no wrap-around). */
  {
    g_autoptr (JsonObject) env = reel_json_parse_object ((const char *)data, size, NULL);
    REEL_FUZZ_CHECK ((gint64)ev->v == json_object_get_int_member (env, "v"));
  }
  (void)reel_json_time_us (ev->at);
}

REEL_FUZZ_HARNESS (run)
