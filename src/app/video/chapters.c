/* See chapters.h. */
#include "app/video/chapters.h"

#include <string.h>

/* Fewer timed lines than this are more likely remarks than chapters. */
#define MIN_CHAPTERS 2
/* A chapter title longer than this is cut (UTF-8 characters). */
#define TITLE_MAX 100

static void
chapter_clear (gpointer p)
{
  g_free (((ReelChapter *)p)->title);
}

/* "M:SS", "MM:SS" or "H:MM:SS" at *p; advances past it. */
static gboolean
parse_time (const char **p, guint *seconds)
{
  guint parts[3], n = 0;
  const char *s = *p;
  while (n < 3)
    {
      guint v = 0, digits = 0;
      while (g_ascii_isdigit (*s) && digits < 3)
        v = v * 10 + (guint)(*s++ - '0'), digits++;
      if (!digits || (n > 0 && (digits != 2 || v > 59)))
        return FALSE;
      parts[n++] = v;
      /* "12:05: Night": a colon after the time is punctuation. */
      if (*s != ':' || !g_ascii_isdigit (s[1]))
        break;
      s++;
    }
  if (n < 2 || g_ascii_isdigit (*s))
    return FALSE;
  *seconds = n == 2 ? parts[0] * 60 + parts[1] : parts[0] * 3600 + parts[1] * 60 + parts[2];
  *p = s;
  return TRUE;
}

GArray *
reel_chapters_parse (const char *description)
{
  g_autoptr (GArray) out = NULL;
  g_auto (GStrv) lines = NULL;
  if (!description)
    return NULL;
  out = g_array_new (FALSE, FALSE, sizeof (ReelChapter));
  g_array_set_clear_func (out, chapter_clear);
  lines = g_strsplit (description, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *p = lines[i];
      ReelChapter c = { 0 };
      g_autofree char *title = NULL;
      while (*p == ' ' || *p == '\t')
        p++;
      if (!parse_time (&p, &c.start_s))
        continue;
      /* "0:00 Intro", "0:00 - Intro", "0:00: Intro", "0:00 – Intro". */
      while (*p == ' ' || *p == '\t' || *p == '-' || *p == ':' || *p == '|')
        p++;
      if (g_str_has_prefix (p, "\u2013") || g_str_has_prefix (p, "\u2014"))
        p += strlen ("\u2013");
      title = g_strstrip (g_strdup (p));
      if (!*title)
        continue;
      if (out->len == 0 ? c.start_s != 0
                        : c.start_s <= g_array_index (out, ReelChapter, out->len - 1).start_s)
        return NULL; /* not from the start, or going back: not a chapter list */
      if (g_utf8_strlen (title, -1) > TITLE_MAX)
        {
          char *end = g_utf8_offset_to_pointer (title, TITLE_MAX);
          *end = '\0';
        }
      c.title = g_steal_pointer (&title);
      g_array_append_val (out, c);
    }
  return out->len >= MIN_CHAPTERS ? g_steal_pointer (&out) : NULL;
}

JsonArray *
reel_chapters_to_json (const char *description)
{
  g_autoptr (GArray) chapters = reel_chapters_parse (description);
  JsonArray *out;
  if (!chapters)
    return NULL;
  out = json_array_new ();
  for (guint i = 0; i < chapters->len; i++)
    {
      const ReelChapter *c = &g_array_index (chapters, ReelChapter, i);
      JsonObject *o = json_object_new ();
      json_object_set_int_member (o, "start", c->start_s);
      json_object_set_string_member (o, "title", c->title);
      json_array_add_object_element (out, o);
    }
  return out;
}
