/* See json.h. */
#include "core/json.h"
#include "core/error.h"

#include <math.h>

/* The value of the four hex digits at p, or -1. */
static gint
hex4 (const char *p)
{
  gint v = 0;
  for (int i = 0; i < 4; i++)
    {
      gint d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* REEL_ERROR_INVALID for an escape json-glib decodes into something no
 * text reel keeps may hold, or reads differently from JSON:
 *   - \u0000 would end the string there, silently ("ann\u0000x" would read
 *     as "ann");
 *   - a UTF-16 surrogate without its partner ("\udc4d", or "\ud83d" not
 *     followed by a low surrogate) would become three bytes that are not
 *     UTF-8: a comment or title holding them would be accepted, published,
 *     and then refused by every consumer of the event, and error messages
 *     quoting them would not be UTF-8 either;
 *   - anything but JSON's escapes: json-glib reads \0 to \377 as octal
 *     bytes (a NUL, or bytes that are not UTF-8), and a \u with fewer than
 *     four hex digits swallows the character after them, even the quote
 *     that ends the string, so json-glib would see strings and brackets
 *     where check_structure () does not. */
static gboolean
check_escapes (const char *data, gsize len, GError **error)
{
  /* Walk the escapes so an escaped backslash followed by "u0000" (the
   * harmless text \u0000) is not mistaken for one. */
  const char *end = data + len;
  for (const char *p = memchr (data, '\\', len); p && p + 1 < end;
       p = memchr (p, '\\', (gsize)(end - p)))
    {
      gint u, low;
      if (p[1] != 'u' && p[1] != '\0' && strchr ("\"\\/bfnrt", p[1]))
        {
          p += 2; /* past the escaped character */
          continue;
        }
      if (p[1] != 'u' || p + 6 > end || (u = hex4 (p + 2)) < 0)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "not valid JSON: invalid escape at byte %" G_GSIZE_FORMAT,
                       (gsize)(p - data));
          return FALSE;
        }
      if (u == 0)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "text must not hold a NUL (\\u0000)");
          return FALSE;
        }
      if (u >= 0xd800 && u <= 0xdbff && p + 12 <= end && p[6] == '\\' && p[7] == 'u'
          && (low = hex4 (p + 8)) >= 0xdc00 && low <= 0xdfff)
        {
          p += 12; /* a pair: one character beyond the BMP */
          continue;
        }
      if (u >= 0xd800 && u <= 0xdfff)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "text must not hold an unpaired UTF-16 surrogate (\\u%04x)", (guint)u);
          return FALSE;
        }
      p += 6;
    }
  return TRUE;
}

/* A UTF-8 byte order mark at the start, which json-glib skips (and RFC
 * 8259 lets a parser ignore). */
static gboolean
is_bom (const char *data, gsize len)
{
  return len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0;
}

/* What JSON allows between strings besides whitespace: structure and bare
 * tokens (numbers, true, false, null). json-glib's scanner (GScanner's)
 * reads more: C comments, which it skips whole, and single-quoted strings.
 * Either would hide brackets from the depth count below while json-glib
 * nests them: a 1 MiB body of "[" followed by a comment holding "]",
 * repeated, counts one level here and 170 000 in json-glib, whose
 * recursion overflows reeld's stack. */
#define STRUCTURE_CHARS "{}[],:"
#define TOKEN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."

static gboolean
is_digit_at (const char *s, gsize i, gsize n)
{
  return i < n && g_ascii_isdigit (s[i]);
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
is_json_number (const char *s, gsize n)
{
  gsize i = s[0] == '-' ? 1 : 0;
  if (!is_digit_at (s, i, n))
    return FALSE;
  if (s[i++] != '0')
    while (is_digit_at (s, i, n))
      i++;
  if (i < n && s[i] == '.')
    {
      if (!is_digit_at (s, ++i, n))
        return FALSE;
      while (is_digit_at (s, i, n))
        i++;
    }
  if (i < n && (s[i] == 'e' || s[i] == 'E'))
    {
      i++;
      if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
      if (!is_digit_at (s, i, n))
        return FALSE;
      while (is_digit_at (s, i, n))
        i++;
    }
  return i == n;
}

/* A bare token (n bytes at s) json-glib reads as JSON does: true, false,
 * null, or a number it can hold. GScanner also reads hex (0x1f), octal
 * (017 is 15) and identifiers, and json-glib turns a number too large for
 * a double into infinity, which it then writes as "inf" (not JSON: an
 * action stored with one could not be read back); an integer past 64 bits
 * would not keep its value either. */
static gboolean
is_json_token (const char *s, gsize n)
{
  /* Every stored record is read through here: copy short tokens (all of
   * reel's) to the stack. */
  char small[64];
  g_autofree char *big = n < sizeof small ? NULL : g_strndup (s, n);
  char *text = big ? big : memcpy (small, s, n);
  text[n] = '\0';
  if (g_str_equal (text, "true") || g_str_equal (text, "false") || g_str_equal (text, "null"))
    return TRUE;
  if (!is_json_number (text, n))
    return FALSE;
  if (!strpbrk (text, ".eE"))
    return g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, NULL, NULL);
  return isfinite (g_ascii_strtod (text, NULL));
}

/* Depth, what lies between strings, and one value only: json-glib 1.6
 * parses a second top-level object or array over the first and never
 * frees the first, so each body of {...}{} leaked the whole first object
 * (up to http.max_body_bytes a request). */
static gboolean
check_structure (const char *data, gsize len, GError **error)
{
  guint depth = 0;
  /* top: the top-level value has begun; ended: and is complete, so only
   * whitespace may follow. */
  gboolean in_string = FALSE, top = FALSE, ended = FALSE;
  for (gsize i = is_bom (data, len) ? 3 : 0; i < len; i++)
    {
      char c = data[i];
      gsize n;
      if (in_string)
        {
          if (c == '\\')
            i++; /* the escaped character cannot end the string */
          else if (c == '"')
            in_string = FALSE, ended = depth == 0;
          continue;
        }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        {
          ended = ended || (depth == 0 && top);
          continue;
        }
      if (c == '\0' || !strchr ("\"" STRUCTURE_CHARS TOKEN_CHARS, c))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "not valid JSON: byte %" G_GSIZE_FORMAT " is not allowed outside a string",
                       i);
          return FALSE;
        }
      if (depth == 0 && (ended || (top && strchr ("[{\"", c))))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "not valid JSON: more than one value at byte %" G_GSIZE_FORMAT, i);
          return FALSE;
        }
      top = TRUE;
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > REEL_JSON_MAX_DEPTH)
            {
              g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "JSON nests deeper than %d levels", REEL_JSON_MAX_DEPTH);
              return FALSE;
            }
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            ended = --depth == 0;
        }
      else if (strchr (TOKEN_CHARS, c))
        {
          for (n = 1; i + n < len && data[i + n] && strchr (TOKEN_CHARS, data[i + n]); n++)
            ;
          if (!is_json_token (data + i, n))
            {
              g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "not valid JSON: the token at byte %" G_GSIZE_FORMAT
                           " is not true, false, null or a number in range",
                           i);
              return FALSE;
            }
          i += n - 1;
        }
    }
  return TRUE;
}

gboolean
reel_json_check_text (const char *data, gsize len, GError **error)
{
  return check_escapes (data, len, error) && check_structure (data, len, error);
}

void
reel_json_set_parse_error (GError **error, const char *what, const GError *json_error)
{
  g_autofree char *message = g_utf8_make_valid (json_error->message, -1);
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s is not valid JSON: %s", what, message);
}

JsonObject *
reel_json_parse_object (const char *data, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  if (!g_utf8_validate (data, len, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "request body is not valid UTF-8");
      return NULL;
    }
  if (!reel_json_check_text (data, len, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data, len, &local))
    {
      reel_json_set_parse_error (error, "request body", local);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "request body must be a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

const char *
reel_json_get_string (JsonObject *obj, const char *member, gboolean required, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (!node || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "missing field \"%s\"", member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "field \"%s\" must be a string", member);
      return NULL;
    }
  return json_node_get_string (node);
}

gint64
reel_json_get_int (JsonObject *obj, const char *member, gint64 default_value)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return default_value;
  return json_node_get_int (node);
}

/* json-glib before 1.10 appends ".0" to every double written without a
 * point, also to one written with an exponent: 1e-22 becomes "1e-22.0"
 * and 1e40 "1e+40.0" (json-glib #67), which no JSON parser reads. An
 * action's position of 1e-22 s was stored so, in a record every consumer
 * refused. This drops such a ".0", in place, outside strings. */
static void
drop_exponent_points (char *text)
{
  char *w = text;
  const char *r = text;
  gboolean in_string = FALSE;
  while (*r)
    {
      if (in_string)
        {
          if (*r == '\\' && r[1])
            *w++ = *r++;
          else if (*r == '"')
            in_string = FALSE;
          *w++ = *r++;
          continue;
        }
      if (*r == '"')
        in_string = TRUE;
      else if ((*r == 'e' || *r == 'E') && (g_ascii_isdigit (r[1]) || r[1] == '-' || r[1] == '+'))
        {
          /* An exponent (true and false end in an 'e' no digit follows). */
          *w++ = *r++;
          if (*r == '-' || *r == '+')
            *w++ = *r++;
          while (g_ascii_isdigit (*r))
            *w++ = *r++;
          if (r[0] == '.' && r[1] == '0' && !g_ascii_isdigit (r[2]))
            r += 2;
          continue;
        }
      *w++ = *r++;
    }
  *w = '\0';
}

char *
reel_json_to_string (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  char *text;
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  drop_exponent_points (text);
  return text;
}

char *
reel_json_object_to_string (JsonObject *obj)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, obj);
  return reel_json_to_string (node);
}

char *
reel_json_now_rfc3339 (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

gint64
reel_json_time_us (const char *text)
{
  g_autoptr (GDateTime) t = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
  if (!t)
    return 0;
  return g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t);
}
