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

G_END_DECLS
