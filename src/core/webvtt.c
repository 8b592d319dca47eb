/* See webvtt.h. */
#include "core/webvtt.h"
#include "core/error.h"

#include <string.h>

#define BOM "\xEF\xBB\xBF"
#define ARROW "-->"

typedef struct
{
  char **lines;
  guint n;
  guint at; /* the next line to read, 0-based */
} Lines;

static G_GNUC_PRINTF (3, 4) gboolean fail (GError **error, guint line, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;
  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "captions, line %u: %s", line, what);
  return FALSE;
}

/* The line (1-based) of byte offset at in data. */
static guint
line_of (const char *data, gsize at)
{
  guint line = 1;
  for (gsize i = 0; i < at; i++)
    line += data[i] == '\n';
  return line;
}

static gboolean
blank (const char *line)
{
  return line[strspn (line, " \t")] == '\0';
}

/* n digits at *p, advancing it; -1 when there are fewer. */
static gint64
digits (const char **p, guint min, guint max)
{
  gint64 v = 0;
  guint n = 0;
  while (n < max && g_ascii_isdigit ((*p)[n]))
    v = v * 10 + ((*p)[n++] - '0');
  if (n < min || g_ascii_isdigit ((*p)[n]))
    return -1;
  *p += n;
  return v;
}

/* A timestamp at *p: [hh:]mm:ss.ttt (WebVTT) or hh:mm:ss,ttt (SRT, which
 * writers also give with a dot). */
static gboolean
timestamp (const char **p, gboolean srt, gint64 *ms)
{
  gint64 a, b, c = -1, frac;
  const char *q = *p;
  if ((a = digits (&q, 2, 9)) < 0 || *q++ != ':' || (b = digits (&q, 2, 2)) < 0)
    return FALSE;
  if (*q == ':')
    {
      q++;
      if ((c = digits (&q, 2, 2)) < 0)
        return FALSE;
    }
  else if (srt)
    return FALSE;
  if (!(*q == '.' || (srt && *q == ',')))
    return FALSE;
  q++;
  if ((frac = digits (&q, 3, 3)) < 0)
    return FALSE;
  if (c >= 0)
    {
      /* hh:mm:ss */
      if (b > 59 || c > 59)
        return FALSE;
      *ms = ((a * 60 + b) * 60 + c) * 1000 + frac;
    }
  else
    {
      /* mm:ss: minutes take two digits only here */
      if (a > 59 || b > 59 || *p + 2 != strchr (*p, ':'))
        return FALSE;
      *ms = (a * 60 + b) * 1000 + frac;
    }
  *p = q;
  return TRUE;
}

static void
append_time (GString *out, gint64 ms)
{
  g_string_append_printf (out, "%02" G_GINT64_FORMAT ":%02d:%02d.%03d", ms / 3600000,
                          (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000));
}

/* A cue timing line: start --> end, then (WebVTT only) cue settings. */
static gboolean
timing (const char *line, guint number, gboolean srt, GString *out, GError **error)
{
  const char *p = line;
  gint64 start, end;
  if (!timestamp (&p, srt, &start))
    return fail (error, number, "expected a cue start time such as 00:00:01.000");
  p += strspn (p, " \t");
  if (!g_str_has_prefix (p, ARROW))
    return fail (error, number, "expected \"-->\" after the start time");
  p += strlen (ARROW);
  p += strspn (p, " \t");
  if (!timestamp (&p, srt, &end))
    return fail (error, number, "expected a cue end time such as 00:00:04.000");
  if (end <= start)
    return fail (error, number, "the cue ends before it starts");
  if (*p && *p != ' ' && *p != '\t')
    return fail (error, number, "unexpected text after the end time");
  append_time (out, start);
  g_string_append (out, " " ARROW " ");
  append_time (out, end);
  /* SRT's trailing coordinates mean nothing to WebVTT; WebVTT's cue
   * settings (line, position, align...) are kept. */
  p += strspn (p, " \t");
  if (*p && !srt)
    g_string_append_printf (out, " %s", p);
  g_string_append_c (out, '\n');
  return TRUE;
}

/* The cue text: lines up to a blank one. */
static gboolean
cue_text (Lines *l, GString *out, GError **error)
{
  for (; l->at < l->n && !blank (l->lines[l->at]); l->at++)
    {
      if (strstr (l->lines[l->at], ARROW))
        return fail (error, l->at + 1, "cue text may not contain \"-->\" (a missing blank line?)");
      g_string_append_printf (out, "%s\n", l->lines[l->at]);
    }
  g_string_append_c (out, '\n');
  return TRUE;
}

static void
skip_blank (Lines *l)
{
  while (l->at < l->n && blank (l->lines[l->at]))
    l->at++;
}

static gboolean
keyword_block (const char *line, const char *word)
{
  gsize n = strlen (word);
  return strncmp (line, word, n) == 0 && (line[n] == '\0' || line[n] == ' ' || line[n] == '\t');
}

static gboolean
parse_webvtt (Lines *l, GString *out, guint *cues, GError **error)
{
  /* The header line, then header text up to the first blank line. */
  l->at = 1;
  while (l->at < l->n && !blank (l->lines[l->at]))
    {
      if (strstr (l->lines[l->at], ARROW))
        return fail (error, l->at + 1, "a blank line must follow the WEBVTT header");
      l->at++;
    }
  for (skip_blank (l); l->at < l->n; skip_blank (l))
    {
      const char *line = l->lines[l->at];
      if (keyword_block (line, "NOTE") || keyword_block (line, "STYLE")
          || keyword_block (line, "REGION"))
        {
          while (l->at < l->n && !blank (l->lines[l->at]))
            l->at++;
          continue;
        }
      if (!strstr (line, ARROW))
        {
          const char *p = line;
          gint64 ms;
          /* A timing with a broken arrow is not an identifier: say what
           * is wrong on its own line. */
          if (timestamp (&p, FALSE, &ms))
            return timing (line, l->at + 1, FALSE, out, error);
          /* A cue identifier: the timing follows on the next line. */
          l->at++;
          if (l->at >= l->n || !strstr (l->lines[l->at], ARROW))
            return fail (error, l->at + 1, "expected a cue timing (start --> end)");
        }
      if (++*cues > REEL_CAPTIONS_MAX_CUES)
        return fail (error, l->at + 1, "more than %u cues", REEL_CAPTIONS_MAX_CUES);
      if (!timing (l->lines[l->at], l->at + 1, FALSE, out, error))
        return FALSE;
      l->at++;
      if (!cue_text (l, out, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_srt (Lines *l, GString *out, guint *cues, GError **error)
{
  for (skip_blank (l); l->at < l->n; skip_blank (l))
    {
      const char *line = l->lines[l->at];
      /* The cue's number, which some writers leave out. */
      if (!strstr (line, ARROW))
        {
          const char *p = line + strspn (line, " \t");
          if (!g_ascii_isdigit (*p) || p[strspn (p, "0123456789")] != '\0')
            return fail (error, l->at + 1, "expected a cue number or timing");
          l->at++;
          if (l->at >= l->n || !strstr (l->lines[l->at], ARROW))
            return fail (error, l->at + 1, "expected a cue timing (start --> end)");
        }
      if (++*cues > REEL_CAPTIONS_MAX_CUES)
        return fail (error, l->at + 1, "more than %u cues", REEL_CAPTIONS_MAX_CUES);
      if (!timing (l->lines[l->at], l->at + 1, TRUE, out, error))
        return FALSE;
      l->at++;
      if (!cue_text (l, out, error))
        return FALSE;
    }
  return TRUE;
}

char *
reel_captions_normalize (const char *data, gsize len, guint *cues, GError **error)
{
  const char *end = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) out = g_string_new ("WEBVTT\n\n");
  Lines l = { 0 };
  guint n_cues = 0;
  gboolean ok;

  if (len > REEL_CAPTIONS_MAX_BYTES)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE,
                   "captions may be at most %u bytes; this file has %" G_GSIZE_FORMAT,
                   REEL_CAPTIONS_MAX_BYTES, len);
      return NULL;
    }
  if (!g_utf8_validate_len (data, len, &end))
    {
      fail (error, line_of (data, (gsize)(end - data)), "not UTF-8 text");
      return NULL;
    }
  if (memchr (data, '\0', len))
    {
      fail (error, line_of (data, (gsize)((const char *)memchr (data, '\0', len) - data)),
            "a NUL character");
      return NULL;
    }
  text = g_strndup (data, len);
  /* CR LF and lone CR end lines too. */
  {
    g_autoptr (GRegex) eol = g_regex_new ("\r\n|\r", 0, 0, NULL);
    g_autofree char *unix_text = g_regex_replace_literal (eol, text, -1, 0, "\n", 0, NULL);
    lines = g_strsplit (g_str_has_prefix (unix_text, BOM) ? unix_text + strlen (BOM) : unix_text,
                        "\n", -1);
  }
  l.lines = lines;
  l.n = g_strv_length (lines);
  if (l.n == 0 || (l.n == 1 && blank (lines[0])))
    {
      fail (error, 1, "the file is empty");
      return NULL;
    }
  for (guint i = 0; i < l.n; i++)
    for (const char *c = lines[i]; *c; c++)
      if ((guchar)*c < 0x20 && *c != '\t')
        {
          fail (error, i + 1, "a control character");
          return NULL;
        }
  if (g_str_has_prefix (lines[0], "WEBVTT")
      && (lines[0][6] == '\0' || lines[0][6] == ' ' || lines[0][6] == '\t'))
    ok = parse_webvtt (&l, out, &n_cues, error);
  else
    {
      const char *first = lines[0] + strspn (lines[0], " \t");
      if (!g_ascii_isdigit (*first))
        {
          fail (error, 1, "neither WebVTT (no WEBVTT header) nor SubRip (no cue number)");
          return NULL;
        }
      ok = parse_srt (&l, out, &n_cues, error);
    }
  if (!ok)
    return NULL;
  if (n_cues == 0)
    {
      guint last = l.n;
      while (last > 1 && blank (lines[last - 1]))
        last--;
      fail (error, last, "no cues");
      return NULL;
    }
  if (cues)
    *cues = n_cues;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
reel_captions_lang_valid (const char *lang)
{
  const char *p = lang;
  gsize n;
  guint subtags = 0;
  if (!lang || strlen (lang) > 35)
    return FALSE;
  for (n = 0; g_ascii_isalpha (p[n]); n++)
    ;
  if (n < 2 || n > 3)
    return FALSE;
  for (p += n; *p == '-'; p += n)
    {
      p++;
      for (n = 0; g_ascii_isalnum (p[n]); n++)
        ;
      if (n < 2 || n > 8 || ++subtags > 3)
        return FALSE;
    }
  return *p == '\0';
}
