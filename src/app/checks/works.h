/* The library of protected works the copyright check matches uploads
 * against, and its index.
 *
 * An admin registers a work (work.registered: title, rights holder, the
 * blob of its file); a check worker fingerprints the file
 * (work.fingerprinted: its prints, media/fingerprint.h) and the work is
 * "indexed"; work.deleted takes it out. The projection "works" keeps:
 *   WORKS       work id -> {id,title,rights_holder,original,state,created_at,
 *                           duration_ns?,audio?,video?}
 *   WORK_INDEX  kind byte, band byte, u16 BE band value, work id, u32 BE
 *               position -> "": the postings of each 16-bit band of each
 *               hash (app/checks/prints.h), so a lookup reads only the
 *               works that share bands with the upload
 *   VIDEO_PRINTS video id -> {audio?,video?} (video.fingerprinted): what a
 *               newly registered work is matched against (the backfill)
 * Every row comes from an event, so a rebuild writes the same bytes. */
#pragma once

#include "app/checks/prints.h"
#include "bus/bus.h"
#include "bus/events.h"
#include "store/store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Registers a work whose file is already in the blob store at original
 * (its id in *work_id); a check worker fingerprints it next. */
gboolean reel_works_register (ReelBus *bus, const char *actor, const char *work_id,
                              const char *title, const char *rights_holder, const char *original,
                              guint64 *seq, GError **error);
gboolean reel_works_delete (ReelBus *bus, ReelStore *store, const char *actor, const char *work_id,
                            guint64 *seq, GError **error);
/* Every work, oldest first, without its prints: {"works": [...]}. */
JsonObject *reel_works_list (ReelStore *store, GError **error);
/* One work without its prints, or NULL (REEL_ERROR_NOT_FOUND). */
JsonObject *reel_works_get (ReelStore *store, const char *work_id, GError **error);

/* Whether any work is registered. */
gboolean reel_works_any (ReelTxn *txn);
/* A work's record with prints, or NULL. */
JsonObject *reel_works_load (ReelTxn *txn, const char *work_id);

/* One match of an upload. */
typedef struct
{
  char *work_id;
  char *title;
  ReelTrackKind kind;
  ReelTrackRun run;
} ReelWorkMatch;

void reel_work_match_free (ReelWorkMatch *match);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelWorkMatch, reel_work_match_free)

/* The longest match of prints ({audio?, video?} as reel-media gives them)
 * among the indexed works, through the index; NULL (no error) when none
 * reaches min_seconds. */
ReelWorkMatch *reel_works_match (ReelTxn *txn, JsonObject *prints, guint min_seconds,
                                 GError **error);
/* The longest match of prints against the one work (its record), without
 * the index: the backfill's side, one work against a video's prints. */
ReelWorkMatch *reel_works_match_one (JsonObject *work, JsonObject *prints, guint min_seconds);

/* "matches <title> (audio) at 0:12–1:40 (work 0:05–1:33)". */
char *reel_work_match_describe (const ReelWorkMatch *match);

gboolean reel_works_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
