/* reel's HTTP API as one table: the routes of every edge in http/api_*.c,
 * and the UI's 404 page for a person following a dead link. The daemon
 * hands reel_http_add_routes to reel_http_start (http/server.h), which
 * knows no edge itself; the router fuzzer (tests/fuzz/fuzz_router.c)
 * builds the same table. */
#pragma once

#include "http/router.h"

G_BEGIN_DECLS

/* Adds every route of the API to router, and the routes whose handlers run
 * before the body is read to early. */
void reel_http_add_routes (ReelRouter *router, ReelRouter *early);

G_END_DECLS
