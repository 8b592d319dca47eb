/* Fuzzes the streaming multipart parser POST /api/v1/videos runs on its
 * body as it arrives (core/multipart.h), with each part's headers read as
 * api_multipart.c reads them (libsoup's Content-Disposition). The input:
 * one byte that sets how the body is cut into pieces, the boundary up to
 * the first line feed, then the body. Properties: the parts (header
 * blocks, bodies, ends) and the outcome are the same whether the body
 * comes in one piece or in many (a parser that depends on where TCP cut
 * the body would lose or invent bytes); callbacks come in order (data
 * only inside a part); the limits on parts and header bytes hold. */
#include "core/limits.h"
#include "core/multipart.h"
#include "fuzz.h"

#include <libsoup/soup.h>

typedef struct
{
  GString *log; /* S<headers>, D<data>..., E per part */
  gboolean in_part;
  guint parts;
} Trace;

static gboolean
on_start (gpointer data, const char *headers, gsize len, GError **error)
{
  Trace *t = data;
  g_autofree char *block = g_strconcat ("part\r\n", headers, NULL);
  SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  g_autoptr (GHashTable) params = NULL;
  g_autofree char *disposition = NULL;

  REEL_FUZZ_CHECK (!t->in_part);
  REEL_FUZZ_CHECK (len <= REEL_MULTIPART_HEADER_MAX_BYTES);
  REEL_FUZZ_CHECK (++t->parts <= REEL_MULTIPART_MAX_PARTS);
  if (soup_headers_parse (block, (int)strlen (block), h))
    soup_message_headers_get_content_disposition (h, &disposition, &params);
  soup_message_headers_unref (h);
  t->in_part = TRUE;
  g_string_append_c (t->log, 'S');
  g_string_append_len (t->log, headers, (gssize)len);
  g_string_append_c (t->log, '\n');
  return TRUE;
}

static gboolean
on_data (gpointer data, const guint8 *bytes, gsize len, GError **error)
{
  Trace *t = data;
  REEL_FUZZ_CHECK (t->in_part);
  g_string_append_len (t->log, (const char *)bytes, (gssize)len);
  return TRUE;
}

static gboolean
on_end (gpointer data, GError **error)
{
  Trace *t = data;
  REEL_FUZZ_CHECK (t->in_part);
  t->in_part = FALSE;
  g_string_append (t->log, "\nE\n");
  return TRUE;
}

static const ReelMultipartCallbacks callbacks = { on_start, on_data, on_end };

/* Parses body fed in pieces of at most step bytes (0: all at once);
 * returns the outcome: -1 for success, else the error code. */
static gint
parse (const char *boundary, const guint8 *body, gsize len, gsize step, Trace *t)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelMultipart) mp = reel_multipart_new (
      boundary, REEL_MULTIPART_MAX_PARTS, REEL_MULTIPART_HEADER_MAX_BYTES, &callbacks, t, &error);
  gboolean ok = TRUE;
  if (!mp)
    {
      reel_fuzz_check_error (error);
      return error->code;
    }
  for (gsize off = 0; ok && off < len;)
    {
      gsize n = step ? MIN (step, len - off) : len;
      ok = reel_multipart_feed (mp, body + off, n, &error);
      off += n;
      /* Vary the pieces: 1, 2, ... step bytes. */
      step = step ? step % 61 + 1 : 0;
    }
  if (ok)
    ok = reel_multipart_finish (mp, &error);
  if (ok)
    return -1;
  reel_fuzz_check_error (error);
  return error->code;
}

static void
run (const uint8_t *data, size_t size)
{
  g_autofree char *boundary = NULL;
  const guint8 *nl, *body;
  gsize len, step;
  Trace whole = { g_string_new (NULL), FALSE, 0 }, pieces = { g_string_new (NULL), FALSE, 0 };
  gint a, b;

  if (size < 2 || !(nl = memchr (data + 1, '\n', size - 1)))
    goto out;
  step = data[0] % 61 + 1;
  boundary = g_strndup ((const char *)data + 1, (gsize)(nl - data - 1));
  body = nl + 1;
  len = size - (gsize)(body - data);
  a = parse (boundary, body, len, 0, &whole);
  b = parse (boundary, body, len, step, &pieces);
  if (a != b || !g_string_equal (whole.log, pieces.log))
    fprintf (stderr, "in one piece: %d\n%s\nin pieces from %zu bytes: %d\n%s\n", a, whole.log->str,
             step, b, pieces.log->str);
  REEL_FUZZ_CHECK (a == b);
  REEL_FUZZ_CHECK (g_string_equal (whole.log, pieces.log));
out:
  g_string_free (whole.log, TRUE);
  g_string_free (pieces.log, TRUE);
}

REEL_FUZZ_HARNESS (run)
