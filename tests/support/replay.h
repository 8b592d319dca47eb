/* A recorded event log, and a replay of it into a fresh data directory:
 * the fixture of the replay test (tests/integration/test_replay.c), which
 * checks that a rebuild by this version writes the same read models as the
 * version that recorded the log (tests/tools/record_replay.c). And the
 * rebuilds every other test runs to check its read models are the log's. */
#pragma once

#include "harness.h"

G_BEGIN_DECLS

/* Every message of REEL_EVENTS and REEL_ACTIONS on the NATS server at url,
 * in stream order, as JSON lines {"stream","subject","data"} (data: the
 * message as stored, a JSON envelope). */
char *reel_test_record_log (const char *url);

/* Replays such lines into a fresh NATS server and a fresh data directory:
 * `reeld --rebuild` once (it creates the streams), every message published
 * to its stream in order, `reeld --rebuild` again. Returns the data
 * directory's LMDB dump (reel_test_dump_lmdb) without the meta rows naming
 * the streams' identity (origin:*, new with every server); the directory
 * is removed. */
char *reel_test_replay_log (const char *lines);
/* The same into dir, which is kept, as is the NATS server (returned) that
 * holds the log, for further rebuilds of it. */
ReelTestNats *reel_test_replay_into (const char *lines, const char *dir);
/* `reeld --rebuild [--only only]` of the data directory dir (reeld not
 * running) from the log at url (NULL: the directory's own embedded
 * nats-server), with --config=config unless NULL. Returns its output;
 * fails the test, printing the output, unless it exits 0. */
char *reel_test_rebuild (const char *dir, const char *url, const char *config, const char *only);
/* The read model is the log's: a full reel_test_rebuild of dir leaves its
 * LMDB dump (reel_test_dump_lmdb) as it was before. Returns the dump. */
char *reel_test_rebuild_same (const char *dir, const char *url, const char *config);
/* Stops d (which must exit cleanly) and frees it, then
 * reel_test_rebuild_same of its data directory. */
char *reel_test_stop_rebuild_same (ReelTestReeld *d, const char *url, const char *config);
/* For a data directory just rebuilt in full from the log at url (reeld not
 * running; config: its --config or NULL): `reeld --rebuild --only NAME`
 * for every projection reeld names, each of which must leave every table
 * as the full rebuild left it. Returns how many core projections (those
 * that replay events) were checked. */
guint reel_test_rebuild_each_alone (const char *dir, const char *url, const char *config);
/* An mdb_dump text (reel_test_dump_lmdb) cut into its databases: name ->
 * that database's text. */
GHashTable *reel_test_dump_databases (const char *dump);

G_END_DECLS
