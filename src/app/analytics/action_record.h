/* The viewer action as the action projections read it: its kind and the
 * parsed record (app/analytics/actions.h parses and checks it, and says where it
 * comes from). A header of its own so the projections (app/analytics/watch.h,
 * app/analytics/action_projection.h) need only the type, not the commands that
 * accept actions, which read the video records. */
#pragma once

#include "core/id.h"
#include "core/text.h"

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  REEL_ACTION_PLAY,
  REEL_ACTION_PAUSE,
  REEL_ACTION_SEEK,
  REEL_ACTION_PROGRESS,
  REEL_ACTION_ENDED,
  REEL_ACTION_QUALITY_CHANGE,
} ReelActionKind;

/* What started a playback (play v2); v1 plays say nothing. */
typedef enum
{
  REEL_TRIGGER_UNSPECIFIED,
  REEL_TRIGGER_USER,
  REEL_TRIGGER_AUTOPLAY,
  REEL_TRIGGER_UP_NEXT,
} ReelTrigger;

#define REEL_ACTION_TOKEN_MAX 64
#define REEL_ACTION_RENDITION_MAX 32
/* Players' timelines can run a little past the probed duration (the audio
 * track is a few frames longer, or the last segment is padded): positions up
 * to this much beyond it are accepted and read as the end. */
#define REEL_ACTION_POSITION_SLACK_NS ((gint64)1000000000)

/* One action, parsed. Fixed-size fields: consumers parse tens of thousands
 * a second and allocate nothing per action. */
typedef struct
{
  ReelActionKind kind;
  guint v;
  char id[REEL_ACTION_TOKEN_MAX + 1];
  char video_id[REEL_ID_LEN + 1];
  char session_id[REEL_ACTION_TOKEN_MAX + 1];
  char rendition[REEL_ACTION_RENDITION_MAX + 1]; /* "" when not given */
  gint64 position_ns;
  gint64 from_ns; /* seek: where the jump started */
  gint64 at_ms;   /* client clock */
  ReelTrigger trigger;
  /* From the record (zero before the action is accepted): */
  char viewer[REEL_USERNAME_MAX + 1]; /* username, "" when anonymous */
  char received_at[32];               /* RFC 3339 UTC, microseconds */
  gint64 duration_ns;
  gboolean history_off; /* the viewer had paused their watch history */
} ReelAction;

G_END_DECLS
