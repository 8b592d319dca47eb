/* Reports: a logged-in user tells the moderators about a video or a
 * comment (report.created); a moderator resolves it (report.resolved,
 * kept in the audit log) after acting or deciding not to.
 *
 * Tables: REPORTS report id -> {"id","reporter","video_id"?,"comment_id"?,
 * "reason","text"?,"state": "open"|"resolved","created_at","resolved_by"?,
 * "resolved_at"?,"note"?}; REPORTS_OPEN created time \0 id -> "": the
 * queue, oldest first. */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* At most this many characters of explanation. */
#define REEL_REPORT_TEXT_MAX 1000

typedef struct
{
  const char *reporter;
  const char *video_id; /* exactly one of video_id and comment_id */
  const char *comment_id;
  const char *reason; /* spam, harassment, copyright, sexual, violence, illegal, other */
  const char *text;   /* optional */
} ReelReportDraft;

/* Checks the draft (REEL_ERROR_INVALID) and that what it names exists
 * (REEL_ERROR_NOT_FOUND), then publishes report.created; *id is the new
 * report's. */
gboolean reel_reports_create (ReelBus *bus, ReelStore *store, const ReelReportDraft *draft,
                              char **id, guint64 *seq, GError **error);

/* The open reports, oldest first. */
JsonObject *reel_reports_list_open (ReelStore *store, const ReelPage *page, GError **error);

/* Publishes report.resolved by actor (a moderator: the caller checks);
 * REEL_ERROR_NOT_FOUND for no such report, REEL_ERROR_CONFLICT when it is
 * resolved already. note may be NULL. */
gboolean reel_reports_resolve (ReelBus *bus, ReelStore *store, const char *actor, const char *id,
                               const char *note, guint64 *seq, GError **error);

/* Projection: report.created and report.resolved. */
gboolean reel_reports_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
