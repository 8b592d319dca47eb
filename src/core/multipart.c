/* See multipart.h.
 *
 * The delimiter of every part is CRLF "--" boundary; the first one may
 * also open the body without the CRLF, which the parser covers by starting
 * its buffer with a CRLF of its own. A delimiter counts only when "--",
 * padding or a line end follows it, so two bytes past it are looked at
 * before deciding. Unconsumed input waits in buf: in a body, only the last
 * (delimiter length + 1) bytes, which may be the start of a delimiter split
 * across two pieces; in a header block, at most max_header_bytes. */
#include "core/multipart.h"
#include "core/error.h"

#include <string.h>

/* RFC 2046: a boundary is 1 to 70 characters. */
#define BOUNDARY_MAX 70
/* Spaces a sender may put between a delimiter and its CRLF ("transport
 * padding"); nobody sends more than a few. */
#define PADDING_MAX 64
/* Input is appended to the buffer at most this much at a time, so the
 * buffer never grows past it plus what is waiting. */
#define FEED_BLOCK (64 * 1024)

typedef enum
{
  STATE_PREAMBLE,
  STATE_AFTER_DELIMITER,
  STATE_HEADERS,
  STATE_BODY,
  STATE_END,
  STATE_FAILED,
} State;

struct ReelMultipart
{
  char *delimiter; /* "\r\n--" boundary */
  gsize dlen;
  guint max_parts;
  gsize max_header_bytes;
  ReelMultipartCallbacks cb;
  gpointer user_data;
  GByteArray *buf;
  State state;
  guint parts;
  gint error_code; /* of the failure that stopped the parse */
};

static gboolean
boundary_valid (const char *b)
{
  gsize n = b ? strlen (b) : 0;
  if (n == 0 || n > BOUNDARY_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (b[i] < 0x20 || b[i] > 0x7e)
      return FALSE;
  return TRUE;
}

ReelMultipart *
reel_multipart_new (const char *boundary, guint max_parts, gsize max_header_bytes,
                    const ReelMultipartCallbacks *callbacks, gpointer user_data, GError **error)
{
  ReelMultipart *mp;
  if (!boundary_valid (boundary))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "the multipart boundary must be 1 to %u printable characters", BOUNDARY_MAX);
      return NULL;
    }
  mp = g_new0 (ReelMultipart, 1);
  mp->delimiter = g_strconcat ("\r\n--", boundary, NULL);
  mp->dlen = strlen (mp->delimiter);
  mp->max_parts = max_parts;
  mp->max_header_bytes = max_header_bytes;
  mp->cb = *callbacks;
  mp->user_data = user_data;
  mp->buf = g_byte_array_new ();
  g_byte_array_append (mp->buf, (const guint8 *)"\r\n", 2);
  return mp;
}

void
reel_multipart_free (ReelMultipart *mp)
{
  if (!mp)
    return;
  g_byte_array_unref (mp->buf);
  g_free (mp->delimiter);
  g_free (mp);
}

/* The offset of needle in hay, or -1. */
static gssize
find (const guint8 *hay, gsize n, const char *needle, gsize nlen)
{
  const guint8 *p = hay, *end = hay + n;
  while (nlen <= (gsize)(end - p) && (p = memchr (p, needle[0], (gsize)(end - p) - nlen + 1)))
    {
      if (memcmp (p, needle, nlen) == 0)
        return p - hay;
      p++;
    }
  return -1;
}

/* The first delimiter in p that really ends the part: one followed by
 * "--", padding or a line end (like libsoup, "--boundaryX" inside a body
 * is data). Its offset with *ends set; or the offset of a match that needs
 * more input to decide (*ends unset); or -1. */
static gssize
delimiter_in (ReelMultipart *mp, const guint8 *p, gsize n, gboolean *ends)
{
  gsize from = 0;
  gssize at;
  *ends = FALSE;
  while ((at = find (p + from, n - from, mp->delimiter, mp->dlen)) >= 0)
    {
      gsize after = from + (gsize)at + mp->dlen;
      if (after + 2 > n)
        return (gssize)(from + (gsize)at);
      if ((p[after] == '-' && p[after + 1] == '-') || p[after] == '\r' || p[after] == ' '
          || p[after] == '\t')
        {
          *ends = TRUE;
          return (gssize)(from + (gsize)at);
        }
      from += (gsize)at + 1;
    }
  return -1;
}

static void
consume (ReelMultipart *mp, gsize n)
{
  g_byte_array_remove_range (mp->buf, 0, (guint)n);
}

static gboolean
fail (ReelMultipart *mp, GError **error, ReelErrorCode code, const char *message)
{
  if (message)
    g_set_error_literal (error, REEL_ERROR, code, message);
  mp->state = STATE_FAILED;
  mp->error_code = error && *error ? (*error)->code : (gint)code;
  return FALSE;
}

/* One step of the state machine; *progress says whether it consumed input
 * or changed state (otherwise it needs more bytes). */
static gboolean
step (ReelMultipart *mp, gboolean *progress, GError **error)
{
  const guint8 *p = mp->buf->data;
  gsize n = mp->buf->len;
  gssize at;

  *progress = FALSE;
  switch (mp->state)
    {
    case STATE_PREAMBLE:
      {
        gboolean ends;
        at = delimiter_in (mp, p, n, &ends);
        if (at >= 0 && ends)
          {
            consume (mp, (gsize)at + mp->dlen);
            mp->state = STATE_AFTER_DELIMITER;
            *progress = TRUE;
          }
        else if (at >= 0)
          consume (mp, (gsize)at);
        else if (n >= mp->dlen + 1)
          consume (mp, n - (mp->dlen + 1));
        return TRUE;
      }

    case STATE_AFTER_DELIMITER:
      if (n >= 1 && p[0] == '-')
        {
          if (n < 2)
            return TRUE;
          if (p[1] != '-')
            return fail (mp, error, REEL_ERROR_INVALID,
                         "malformed multipart body: a delimiter is not followed by a line end");
          mp->state = STATE_END;
          *progress = TRUE;
          return TRUE;
        }
      for (gsize i = 0; i < n; i++)
        {
          /* The padding limit holds however the body was cut: counted here,
           * not only on what is buffered (the fuzzer found one piece of
           * 100 tabs accepted and the same bytes in pieces refused). */
          if (i >= PADDING_MAX)
            break;
          if (p[i] == ' ' || p[i] == '\t')
            continue;
          if (p[i] != '\r' || (i + 1 < n && p[i + 1] != '\n'))
            return fail (mp, error, REEL_ERROR_INVALID,
                         "malformed multipart body: a delimiter is not followed by a line end");
          if (i + 1 == n)
            return TRUE;
          if (++mp->parts > mp->max_parts)
            {
              g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "the multipart body has more than %u parts", mp->max_parts);
              return fail (mp, error, REEL_ERROR_INVALID, NULL);
            }
          consume (mp, i + 2);
          mp->state = STATE_HEADERS;
          *progress = TRUE;
          return TRUE;
        }
      if (n >= PADDING_MAX)
        return fail (mp, error, REEL_ERROR_INVALID,
                     "malformed multipart body: a delimiter is not followed by a line end");
      return TRUE;

    case STATE_HEADERS:
      {
        gsize hlen = 0, skip = 0;
        if (n >= 2 && p[0] == '\r' && p[1] == '\n')
          skip = 2; /* no headers at all */
        else if ((at = find (p, n, "\r\n\r\n", 4)) >= 0)
          hlen = (gsize)at + 2, skip = (gsize)at + 4;
        if (hlen > mp->max_header_bytes || (!skip && n > mp->max_header_bytes + 2))
          {
            g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                         "a multipart part's headers are longer than %" G_GSIZE_FORMAT " bytes",
                         mp->max_header_bytes);
            return fail (mp, error, REEL_ERROR_INVALID, NULL);
          }
        if (!skip)
          return TRUE;
        {
          g_autofree char *headers = g_strndup ((const char *)p, hlen);
          consume (mp, skip);
          if (!mp->cb.part_start (mp->user_data, headers, hlen, error))
            return fail (mp, error, REEL_ERROR_INVALID, NULL);
        }
        mp->state = STATE_BODY;
        *progress = TRUE;
        return TRUE;
      }

    case STATE_BODY:
      {
        gsize emit;
        gboolean ends = FALSE;
        at = delimiter_in (mp, p, n, &ends);
        emit = at >= 0 ? (gsize)at : (n >= mp->dlen + 1 ? n - (mp->dlen + 1) : 0);
        if (emit > 0 && !mp->cb.part_data (mp->user_data, p, emit, error))
          return fail (mp, error, REEL_ERROR_INVALID, NULL);
        if (!ends)
          {
            consume (mp, emit);
            return TRUE;
          }
        consume (mp, emit + mp->dlen);
        if (!mp->cb.part_end (mp->user_data, error))
          return fail (mp, error, REEL_ERROR_INVALID, NULL);
        mp->state = STATE_AFTER_DELIMITER;
        *progress = TRUE;
        return TRUE;
      }

    case STATE_END:
      g_byte_array_set_size (mp->buf, 0);
      return TRUE;

    case STATE_FAILED:
    default:
      g_set_error_literal (error, REEL_ERROR, mp->error_code, "the multipart body was refused");
      return FALSE;
    }
}

gboolean
reel_multipart_feed (ReelMultipart *mp, const guint8 *data, gsize len, GError **error)
{
  gboolean progress = TRUE;
  if (mp->state == STATE_FAILED)
    return step (mp, &progress, error);
  while (len > 0 && mp->state != STATE_END)
    {
      gsize piece = MIN (len, FEED_BLOCK);
      g_byte_array_append (mp->buf, data, (guint)piece);
      data += piece;
      len -= piece;
      for (progress = TRUE; progress;)
        if (!step (mp, &progress, error))
          return FALSE;
    }
  return TRUE;
}

gboolean
reel_multipart_finish (ReelMultipart *mp, GError **error)
{
  gboolean progress;
  if (mp->state == STATE_FAILED)
    return step (mp, &progress, error);
  if (mp->state != STATE_END)
    return fail (mp, error, REEL_ERROR_INVALID,
                 "the multipart body ends before its closing delimiter");
  return TRUE;
}
