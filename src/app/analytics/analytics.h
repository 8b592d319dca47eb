/* Creator analytics, from the viewer-action stream: per video, views per
 * day, total watch time, average view duration, the audience-retention
 * curve (share of viewers who played each 5 % point of the video) and the
 * renditions played (app/analytics/watch.h has the arithmetic).
 *
 * Tables: ANALYTICS_WATCH (video id + session id -> watch state) and
 * ANALYTICS_COUNTERS (video id + counter name -> u64 BE), one prefix scan
 * per video away from the whole report. Counters:
 *   views, viewers (sessions that started playback), watch_ns,
 *   reach:KK (viewers who played retention point KK, 00..20),
 *   day:YYYY-MM-DD (views counted that UTC day, by the API's clock),
 *   rendition:NAME (nanoseconds watched in rendition NAME),
 *   trigger:NAME (playbacks started by user, autoplay, up_next or
 *   unspecified, the last for play v1, which does not say). */
#pragma once

#include "app/analytics/action_projection.h"
#include "app/video/record.h"

G_BEGIN_DECLS

#define REEL_PROJECTION_ANALYTICS "analytics"

extern const ReelActionProjection reel_analytics_projection;

/* The report of GET /api/v1/videos/{id}/analytics for a video's record. */
JsonObject *reel_analytics_report (ReelStore *store, const ReelVideo *video, GError **error);

G_END_DECLS
