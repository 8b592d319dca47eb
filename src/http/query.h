/* What the read handlers share: query-string parameters, the paging
 * parameters every list takes (?limit=&cursor=, app/page.h), and answering
 * a read with its body or its error. */
#pragma once

#include "app/page.h"
#include "http/server.h"

G_BEGIN_DECLS

/* The parameters of a query string (the part after '?', without it; NULL
 * for none) as name -> decoded value, application/x-www-form-urlencoded;
 * a query string that does not decode gives an empty table. */
GHashTable *reel_query_parse (const char *query);

/* The decoded value of ?name=... (application/x-www-form-urlencoded), or
 * NULL when absent. A query string that does not decode reads as empty. */
const char *reel_request_query (ReelRequest *req, const char *name);

/* ?limit and ?cursor as a page; REEL_ERROR_INVALID when either is bad. */
gboolean reel_request_page (ReelRequest *req, ReelPage *page, GError **error);

/* 200 with body, or the error (exactly one of them is set). */
void reel_request_answer (ReelRequest *req, JsonObject *body, const GError *error);

/* A read whose body depends on the store alone: the same request target
 * (path and query string) on the same version of the store
 * (reel_store_version) always reads the same. Who may see it is not its
 * business: the handler checks that before (a video's comments). */
typedef JsonObject *(*ReelStoreRead) (ReelRequest *req, GError **error);

/* Answers like reel_request_answer with what read gives. Its body is kept,
 * shared by every server thread, and given again to the same target until
 * anything is written to the store: a read after a write (one acknowledged
 * to anyone) never gets a body read before it. Errors are not kept. */
void reel_request_answer_read (ReelRequest *req, ReelStoreRead read);
/* Its counter, by answer="kept" or "read". */
#define REEL_HTTP_READS_METRIC "reel_http_reads_total"

G_END_DECLS
