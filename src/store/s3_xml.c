/* The S3 XML answers reel reads (see s3.h), through GLib's GMarkupParser:
 * <Error><Code>, <InitiateMultipartUploadResult><UploadId> and
 * ListObjectsV2's <ListBucketResult>. Only element text is used; attributes
 * and namespaces are ignored, as S3's answers carry nothing reel needs there.
 *
 * One walker serves all three: it keeps the path of open elements
 * ("ListBucketResult/Contents/Key") and the text of the innermost one, and
 * calls a handler when an element closes. */
#include "store/s3.h"

typedef struct Walk Walk;
/* Called when the element at path (names joined by '/') closes. */
typedef void (*WalkEnd) (Walk *w, const char *path, const char *text);

struct Walk
{
  GString *path;
  GString *text;
  WalkEnd end;
  gpointer data;
};

static void
walk_start (GMarkupParseContext *ctx, const char *name, const char **attr_names,
            const char **attr_values, gpointer data, GError **error)
{
  Walk *w = data;
  if (w->path->len)
    g_string_append_c (w->path, '/');
  g_string_append (w->path, name);
  g_string_truncate (w->text, 0);
}

static void
walk_end (GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
  Walk *w = data;
  char *slash;
  w->end (w, w->path->str, w->text->str);
  slash = strrchr (w->path->str, '/');
  g_string_truncate (w->path, slash ? (gsize)(slash - w->path->str) : 0);
  g_string_truncate (w->text, 0);
}

static void
walk_text (GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **error)
{
  g_string_append_len (((Walk *)data)->text, text, (gssize)len);
}

static gboolean
walk (const char *xml, gsize len, WalkEnd end, gpointer data, GError **error)
{
  static const GMarkupParser parser = { walk_start, walk_end, walk_text, NULL, NULL };
  Walk w = { g_string_new (NULL), g_string_new (NULL), end, data };
  g_autoptr (GMarkupParseContext) ctx = g_markup_parse_context_new (&parser, 0, &w, NULL);
  g_autoptr (GError) local = NULL;
  gboolean ok = g_markup_parse_context_parse (ctx, xml, (gssize)len, &local)
                && g_markup_parse_context_end_parse (ctx, &local);
  g_string_free (w.path, TRUE);
  g_string_free (w.text, TRUE);
  if (!ok)
    g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "unreadable S3 answer: %s",
                 local->message);
  return ok;
}

typedef struct
{
  const char *want;
  char *found;
} Find;

static void
find_end (Walk *w, const char *path, const char *text)
{
  Find *f = w->data;
  if (!f->found && g_str_equal (path, f->want))
    f->found = g_strdup (text);
}

char *
reel_s3_xml_find (const char *xml, gsize len, const char *path)
{
  Find f = { path, NULL };
  if (!xml || !len || !walk (xml, len, find_end, &f, NULL))
    g_clear_pointer (&f.found, g_free);
  return f.found;
}

typedef struct
{
  GPtrArray *entries;
  ReelS3Entry *entry; /* the <Contents> being read */
  char *next_token;
  gboolean truncated;
  gboolean bad; /* a number or date that does not parse */
} List;

static void
entry_free (gpointer p)
{
  ReelS3Entry *e = p;
  g_free (e->key);
  g_free (e);
}

static void
list_end (Walk *w, const char *path, const char *text)
{
  List *l = w->data;
  if (!g_str_has_prefix (path, "ListBucketResult/"))
    return;
  path += strlen ("ListBucketResult/");
  if (!l->entry && g_str_has_prefix (path, "Contents/"))
    {
      l->entry = g_new0 (ReelS3Entry, 1);
      l->entry->mtime_s = -1;
    }
  if (g_str_equal (path, "Contents"))
    {
      if (!l->entry || !l->entry->key)
        l->bad = TRUE;
      else
        g_ptr_array_add (l->entries, g_steal_pointer (&l->entry));
      g_clear_pointer (&l->entry, entry_free);
    }
  else if (g_str_equal (path, "Contents/Key"))
    l->entry->key = g_strdup (text);
  else if (g_str_equal (path, "Contents/Size"))
    l->bad |= !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &l->entry->size, NULL);
  else if (g_str_equal (path, "Contents/LastModified"))
    {
      g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (text, NULL);
      l->bad |= !t;
      l->entry->mtime_s = t ? g_date_time_to_unix (t) : -1;
    }
  else if (g_str_equal (path, "IsTruncated"))
    l->truncated = g_str_equal (text, "true");
  else if (g_str_equal (path, "NextContinuationToken") && *text)
    l->next_token = g_strdup (text);
}

gboolean
reel_s3_xml_list (const char *xml, gsize len, GPtrArray **entries, char **next_token,
                  GError **error)
{
  List l = { g_ptr_array_new_with_free_func (entry_free), NULL, NULL, FALSE, FALSE };
  gboolean ok = walk (xml, len, list_end, &l, error);
  if (l.entry)
    entry_free (l.entry);
  if (ok && (l.bad || (l.truncated && !l.next_token)))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "unreadable S3 listing: %s",
                   l.bad ? "an object without a key, size or date"
                         : "truncated without a continuation token");
      ok = FALSE;
    }
  if (!ok)
    {
      g_ptr_array_unref (l.entries);
      g_free (l.next_token);
      return FALSE;
    }
  *entries = l.entries;
  *next_token = l.truncated ? l.next_token : (g_free (l.next_token), NULL);
  return TRUE;
}
