/* See feed_xml.h. */
#include "app/feeds/feed_xml.h"

#define MEDIA_RSS_NS "http://search.yahoo.com/mrss/"
#define DUBLIN_CORE_NS "http://purl.org/dc/elements/1.1/"
#define ATOM_NS "http://www.w3.org/2005/Atom"
#define HLS_TYPE "application/vnd.apple.mpegurl"

static const char *
member (JsonObject *o, const char *name)
{
  return json_object_get_string_member_with_default (o, name, NULL);
}

/* Appends <name>text</name> on its own line, escaped; nothing for NULL. */
static void
element (GString *out, const char *indent, const char *name, const char *text)
{
  g_autofree char *line = NULL;
  if (!text)
    return;
  line = g_markup_printf_escaped ("%s<%s>%s</%s>\n", indent, name, text, name);
  g_string_append (out, line);
}

/* RFC 822 date (RSS 2.0's pubDate) of an RFC 3339 time, in English
 * whatever the locale (strftime's %a and %b are not). */
static char *
rfc822 (const char *rfc3339)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[]
      = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr (GDateTime) t = rfc3339 ? g_date_time_new_from_iso8601 (rfc3339, NULL) : NULL;
  g_autoptr (GDateTime) utc = t ? g_date_time_to_utc (t) : NULL;
  if (!utc)
    return NULL;
  return g_strdup_printf (
      "%s, %02d %s %04d %02d:%02d:%02d +0000", days[g_date_time_get_day_of_week (utc) - 1],
      g_date_time_get_day_of_month (utc), months[g_date_time_get_month (utc) - 1],
      g_date_time_get_year (utc), g_date_time_get_hour (utc), g_date_time_get_minute (utc),
      g_date_time_get_second (utc));
}

/* What a video's item links to, all absolute. */
typedef struct
{
  char *watch;
  char *enclosure;
  const char *enclosure_type;
  char *enclosure_length;
  char *thumbnail;
} ItemLinks;

static void
item_links (const ReelFeed *feed, JsonObject *v, ItemLinks *l)
{
  const char *id = member (v, "id");
  const char *download = member (v, "download");
  l->watch = g_strdup_printf ("%s/watch/%s", feed->site, id);
  if (download)
    {
      l->enclosure = g_strconcat (feed->site, download, NULL);
      l->enclosure_type = "video/mp4";
      /* Remuxed on request: its size is not known beforehand. */
      l->enclosure_length = g_strdup ("0");
    }
  else
    {
      l->enclosure = member (v, "hls") ? g_strconcat (feed->site, member (v, "hls"), NULL) : NULL;
      l->enclosure_type = HLS_TYPE;
      /* A playlist's size says nothing of the video's: unknown too. */
      l->enclosure_length = g_strdup ("0");
    }
  l->thumbnail
      = member (v, "thumbnail") ? g_strconcat (feed->site, member (v, "thumbnail"), NULL) : NULL;
}

static void
item_links_clear (ItemLinks *l)
{
  g_free (l->watch);
  g_free (l->enclosure);
  g_free (l->enclosure_length);
  g_free (l->thumbnail);
}

static void append_escaped (GString *out, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
append_escaped (GString *out, const char *format, ...)
{
  va_list args;
  g_autofree char *s = NULL;
  va_start (args, format);
  s = g_markup_vprintf_escaped (format, args);
  va_end (args);
  g_string_append (out, s);
}

char *
reel_feed_rss (const ReelFeed *feed)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  append_escaped (out,
                  "<rss version=\"2.0\" xmlns:atom=\"%s\" xmlns:media=\"%s\" xmlns:dc=\"%s\">\n"
                  "<channel>\n",
                  ATOM_NS, MEDIA_RSS_NS, DUBLIN_CORE_NS);
  element (out, "  ", "title", feed->title);
  element (out, "  ", "link", feed->page);
  element (out, "  ", "description", feed->description);
  append_escaped (out, "  <atom:link href=\"%s\" rel=\"self\" type=\"application/rss+xml\"/>\n",
                  feed->self);
  element (out, "  ", "generator", "reel");
  for (guint i = 0; i < json_array_get_length (feed->items); i++)
    {
      JsonObject *v = json_array_get_object_element (feed->items, i);
      g_autofree char *date = rfc822 (member (v, "published_at"));
      ItemLinks l = { 0 };
      item_links (feed, v, &l);
      g_string_append (out, "  <item>\n");
      element (out, "    ", "title", member (v, "title"));
      element (out, "    ", "link", l.watch);
      append_escaped (out, "    <guid isPermaLink=\"true\">%s</guid>\n", l.watch);
      element (out, "    ", "description", member (v, "description"));
      element (out, "    ", "dc:creator", member (v, "owner"));
      element (out, "    ", "pubDate", date);
      if (l.enclosure)
        append_escaped (out, "    <enclosure url=\"%s\" length=\"%s\" type=\"%s\"/>\n", l.enclosure,
                        l.enclosure_length, l.enclosure_type);
      if (l.thumbnail)
        append_escaped (out, "    <media:thumbnail url=\"%s\"/>\n", l.thumbnail);
      g_string_append (out, "  </item>\n");
      item_links_clear (&l);
    }
  g_string_append (out, "</channel>\n</rss>\n");
  return g_string_free (out, FALSE);
}

char *
reel_feed_atom (const ReelFeed *feed)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  JsonObject *newest
      = json_array_get_length (feed->items) ? json_array_get_object_element (feed->items, 0) : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *now_s = g_date_time_format_iso8601 (now);
  const char *updated
      = newest && member (newest, "published_at") ? member (newest, "published_at") : now_s;
  append_escaped (out, "<feed xmlns=\"%s\" xmlns:media=\"%s\">\n", ATOM_NS, MEDIA_RSS_NS);
  element (out, "  ", "id", feed->self);
  element (out, "  ", "title", feed->title);
  element (out, "  ", "subtitle", feed->description);
  element (out, "  ", "updated", updated);
  append_escaped (out, "  <link rel=\"self\" type=\"application/atom+xml\" href=\"%s\"/>\n",
                  feed->self);
  append_escaped (out, "  <link rel=\"alternate\" type=\"text/html\" href=\"%s\"/>\n", feed->page);
  element (out, "  ", "generator", "reel");
  for (guint i = 0; i < json_array_get_length (feed->items); i++)
    {
      JsonObject *v = json_array_get_object_element (feed->items, i);
      const char *published = member (v, "published_at");
      ItemLinks l = { 0 };
      item_links (feed, v, &l);
      g_string_append (out, "  <entry>\n");
      element (out, "    ", "id", l.watch);
      element (out, "    ", "title", member (v, "title"));
      element (out, "    ", "published", published);
      element (out, "    ", "updated", published);
      append_escaped (out, "    <author><name>%s</name></author>\n", member (v, "owner"));
      append_escaped (out, "    <link rel=\"alternate\" type=\"text/html\" href=\"%s\"/>\n",
                      l.watch);
      if (l.enclosure)
        append_escaped (out,
                        "    <link rel=\"enclosure\" type=\"%s\" length=\"%s\" href=\"%s\"/>\n",
                        l.enclosure_type, l.enclosure_length, l.enclosure);
      if (member (v, "description"))
        append_escaped (out, "    <summary type=\"text\">%s</summary>\n",
                        member (v, "description"));
      if (l.thumbnail)
        append_escaped (out, "    <media:thumbnail url=\"%s\"/>\n", l.thumbnail);
      g_string_append (out, "  </entry>\n");
      item_links_clear (&l);
    }
  g_string_append (out, "</feed>\n");
  return g_string_free (out, FALSE);
}
