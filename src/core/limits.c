/* See limits.h. */
#include "core/limits.h"
#include "core/error.h"

#include <string.h>

/* Upload-Metadata pairs are separated by commas (tus 1.0.0). */
#define METADATA_SEPARATOR ','

/* The bytes a percent-encoded piece decodes to: each valid %XX is one. */
static gsize
decoded_len (const char *p, gsize n)
{
  gsize len = 0;
  for (gsize i = 0; i < n; i++, len++)
    if (p[i] == '%' && i + 2 < n && g_ascii_isxdigit (p[i + 1]) && g_ascii_isxdigit (p[i + 2]))
      i += 2;
  return len;
}

gboolean
reel_limits_check_query (const char *query, GError **error)
{
  gsize total = query ? strlen (query) : 0;
  guint params = 0;
  const char *p = query;

  if (total > REEL_QUERY_MAX_BYTES)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "the query string is longer than %u bytes", REEL_QUERY_MAX_BYTES);
      return FALSE;
    }
  while (p && *p)
    {
      const char *end = strchr (p, '&');
      gsize n = end ? (gsize)(end - p) : strlen (p);
      const char *eq = memchr (p, '=', n);
      gsize name_n = eq ? (gsize)(eq - p) : n;
      if (n > 0 && ++params > REEL_QUERY_MAX_PARAMS)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "the query string has more than %u parameters", REEL_QUERY_MAX_PARAMS);
          return FALSE;
        }
      if (decoded_len (p, name_n) > REEL_QUERY_NAME_MAX_BYTES
          || (eq && decoded_len (eq + 1, n - name_n - 1) > REEL_QUERY_VALUE_MAX_BYTES))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "a query parameter is too long (names up to %u bytes, values up to %u)",
                       REEL_QUERY_NAME_MAX_BYTES, REEL_QUERY_VALUE_MAX_BYTES);
          return FALSE;
        }
      p = end ? end + 1 : NULL;
    }
  return TRUE;
}

gboolean
reel_limits_idempotency_key_valid (const char *value)
{
  gsize n = value ? strlen (value) : 0;
  if (n == 0 || n > REEL_IDEMPOTENCY_KEY_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (value[i] < 0x20 || value[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static gboolean
is_digits (const char *value, guint max)
{
  gsize n = strlen (value);
  if (n == 0 || n > max)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (value[i]))
      return FALSE;
  return TRUE;
}

static guint
count_char (const char *s, char c)
{
  guint n = 0;
  for (; *s; s++)
    n += *s == c;
  return n;
}

/* How long each header reel reads may be, and why. */
static const struct
{
  const char *name;
  gsize max;
} header_max[] = {
  /* "Bearer " and a token of at most 256 characters (server.c), with room
   * for whatever else a client might put there before it is refused 401. */
  { "Authorization", 512 },
  /* bytes=FIRST-LAST with two 19-digit numbers, or a short suffix form;
   * reel serves one range per request. */
  { "Range", 256 },
  { "Tus-Resumable", 16 },
  /* A strong ETag is a quoted hash; a list of a few is plenty. */
  { "If-None-Match", 1024 },
  /* A media type with a multipart boundary (at most 70 characters,
   * RFC 2046) and a charset. */
  { "Content-Type", 256 },
  { "Upload-Metadata", REEL_TUS_METADATA_MAX_BYTES },
};

gboolean
reel_limits_check_header (const char *name, const char *value, GError **error)
{
  if (g_ascii_strcasecmp (name, "Upload-Length") == 0
      || g_ascii_strcasecmp (name, "Upload-Offset") == 0)
    {
      if (is_digits (value, REEL_TUS_NUMBER_MAX_DIGITS))
        return TRUE;
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s must be a non-negative integer of at most %u digits", name,
                   REEL_TUS_NUMBER_MAX_DIGITS);
      return FALSE;
    }
  if (g_ascii_strcasecmp (name, "Idempotency-Key") == 0)
    {
      if (reel_limits_idempotency_key_valid (value))
        return TRUE;
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "Idempotency-Key must be 1 to %u printable ASCII characters",
                   REEL_IDEMPOTENCY_KEY_MAX);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (header_max); i++)
    {
      if (g_ascii_strcasecmp (name, header_max[i].name) != 0)
        continue;
      if (strlen (value) > header_max[i].max)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "the %s header is longer than %" G_GSIZE_FORMAT " bytes", header_max[i].name,
                       header_max[i].max);
          return FALSE;
        }
      break;
    }
  if (g_ascii_strcasecmp (name, "Upload-Metadata") == 0
      && count_char (value, METADATA_SEPARATOR) + 1 > REEL_TUS_METADATA_MAX_PAIRS)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "Upload-Metadata has more than %u key-value pairs", REEL_TUS_METADATA_MAX_PAIRS);
      return FALSE;
    }
  return TRUE;
}
