/* Fuzzes a request's query string as the list handlers read it
 * (reel_query_parse, http/query.h) and the paging parameters of every list
 * (reel_page_parse, app/page.h). Properties: an accepted page has a limit
 * of 1 to REEL_PAGE_MAX_LIMIT, written in digits, and a cursor that is
 * exactly the encoding of the bytes it decoded to (cursors are opaque, so
 * a client has no reason to send any other spelling of them). */
#include "app/page.h"
#include "fuzz.h"
#include "http/query.h"

static void
run (const uint8_t *data, size_t size)
{
  g_autofree char *query = reel_fuzz_string (data, size);
  g_autoptr (GHashTable) params = reel_query_parse (query);
  const char *limit = g_hash_table_lookup (params, "limit");
  const char *cursor = g_hash_table_lookup (params, "cursor");
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };

  if (!reel_page_parse (limit, cursor, &page, &error))
    {
      reel_fuzz_check_error (error);
      return;
    }
  REEL_FUZZ_CHECK (page.limit >= 1 && page.limit <= REEL_PAGE_MAX_LIMIT);
  REEL_FUZZ_CHECK (!limit || (*limit && strspn (limit, "0123456789") == strlen (limit)));
  REEL_FUZZ_CHECK ((page.after != NULL) == (cursor != NULL));
  if (page.after)
    {
      gsize len;
      const void *raw = g_bytes_get_data (page.after, &len);
      g_autofree char *again = reel_page_cursor (raw, len);
      if (!g_str_equal (again, cursor))
        fprintf (stderr, "cursor \"%s\" decodes to what encodes as \"%s\"\n", cursor, again);
      REEL_FUZZ_CHECK (g_str_equal (again, cursor));
    }
}

REEL_FUZZ_HARNESS (run)
