/* The audit log: what admins and moderators did, for admins to read
 * (GET /api/v1/admin/audit).
 *
 * Every such action is an event with the admin or moderator as its actor,
 * so the log is the record; this projection keeps the events of those
 * types in the AUDIT table, keyed by time and event id (newest first when
 * read backwards): {"id","type","actor","at","data"}. */
#pragma once

#include "app/page.h"
#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Whether ev is a moderation action the audit log keeps: an event of a
 * type only admins and moderators publish, or one a moderator published
 * in place of its author (marked "moderated", e.g. comment.deleted). */
gboolean reel_audit_keeps (const ReelEvent *ev);

/* One page of the log, newest first. */
JsonObject *reel_audit_list (ReelStore *store, const ReelPage *page, GError **error);

/* Projection: records ev when reel_audit_keeps it. */
gboolean reel_audit_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
