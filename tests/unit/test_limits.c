/* Unit tests of the bounded parsing at the HTTP edge: the query and header
 * bounds (core/limits.h), the streaming multipart parser
 * (core/multipart.h) fed in every possible split, and the idempotency
 * scope (core/idem.h). */
#include "core/error.h"
#include "core/id.h"
#include "core/idem.h"
#include "core/limits.h"
#include "core/multipart.h"

static void
test_query (void)
{
  g_autofree char *value = g_strnfill (REEL_QUERY_VALUE_MAX_BYTES, 'v');
  g_autofree char *too_long = g_strnfill (REEL_QUERY_VALUE_MAX_BYTES + 1, 'v');
  /* Percent-escapes count as the byte they decode to. */
  g_autoptr (GString) escaped = g_string_new ("q=");
  g_autoptr (GString) many = g_string_new ("a=1");
  g_autofree char *q = NULL, *q2 = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < REEL_QUERY_VALUE_MAX_BYTES / 2; i++)
    g_string_append (escaped, "%41");
  g_assert_true (reel_limits_check_query (NULL, NULL));
  g_assert_true (reel_limits_check_query ("", NULL));
  g_assert_true (reel_limits_check_query ("q=cats&limit=10&cursor=", NULL));
  g_assert_true (reel_limits_check_query (escaped->str, NULL));
  q = g_strdup_printf ("q=%s", value);
  g_assert_true (reel_limits_check_query (q, NULL));
  q2 = g_strdup_printf ("q=%s", too_long);
  g_assert_false (reel_limits_check_query (q2, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  for (guint i = 1; i < REEL_QUERY_MAX_PARAMS; i++)
    g_string_append_printf (many, "&a%u=1", i);
  g_assert_true (reel_limits_check_query (many->str, NULL));
  g_string_append (many, "&one=more");
  g_assert_false (reel_limits_check_query (many->str, NULL));
  /* Empty pieces ("&&") are not parameters. */
  g_assert_true (reel_limits_check_query ("&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&q=1", NULL));
}

static void
test_headers (void)
{
  g_autofree char *meta_big = g_strnfill (REEL_TUS_METADATA_MAX_BYTES + 1, 'a');
  g_autofree char *key = g_strnfill (REEL_IDEMPOTENCY_KEY_MAX, 'k');
  g_autofree char *key_long = g_strnfill (REEL_IDEMPOTENCY_KEY_MAX + 1, 'k');
  g_autoptr (GString) pairs = g_string_new ("k0 dg==");

  g_assert_true (reel_limits_check_header ("Upload-Length", "9223372036854775807", NULL));
  g_assert_false (reel_limits_check_header ("upload-length", "12345678901234567890", NULL));
  g_assert_false (reel_limits_check_header ("Upload-Offset", "-1", NULL));
  g_assert_false (reel_limits_check_header ("Upload-Offset", "", NULL));
  g_assert_false (reel_limits_check_header ("Upload-Offset", " 1", NULL));
  for (guint i = 1; i < REEL_TUS_METADATA_MAX_PAIRS; i++)
    g_string_append_printf (pairs, ",k%u dg==", i);
  g_assert_true (reel_limits_check_header ("Upload-Metadata", pairs->str, NULL));
  g_string_append (pairs, ",x");
  g_assert_false (reel_limits_check_header ("Upload-Metadata", pairs->str, NULL));
  g_assert_false (reel_limits_check_header ("Upload-Metadata", meta_big, NULL));
  g_assert_true (reel_limits_check_header ("Idempotency-Key", key, NULL));
  g_assert_true (reel_limits_check_header ("Idempotency-Key", "a b ~", NULL));
  g_assert_false (reel_limits_check_header ("Idempotency-Key", key_long, NULL));
  g_assert_false (reel_limits_check_header ("Idempotency-Key", "", NULL));
  g_assert_false (reel_limits_check_header ("Idempotency-Key", "tab\there", NULL));
  g_assert_false (reel_limits_check_header ("Idempotency-Key", "caf\xc3\xa9", NULL));
  g_assert_true (reel_limits_check_header ("Range", "bytes=0-99", NULL));
  g_assert_false (reel_limits_check_header ("Range", meta_big, NULL));
  /* A header reel does not read passes whatever it holds. */
  g_assert_true (reel_limits_check_header ("X-Whatever", meta_big, NULL));
}

/* --- multipart --- */

typedef struct
{
  GPtrArray *headers; /* of each part */
  GPtrArray *bodies;  /* GString of each part */
  guint ended;
  gsize fail_after; /* fail part_data once this many body bytes came (0: never) */
  gsize seen;
} Collect;

static gboolean
c_start (gpointer data, const char *headers, gsize len, GError **error)
{
  Collect *c = data;
  g_assert_cmpuint (strlen (headers), ==, len);
  g_ptr_array_add (c->headers, g_strdup (headers));
  g_ptr_array_add (c->bodies, g_string_new (NULL));
  return TRUE;
}

static gboolean
c_data (gpointer data, const guint8 *bytes, gsize len, GError **error)
{
  Collect *c = data;
  g_assert_cmpuint (len, >, 0);
  g_string_append_len (c->bodies->pdata[c->bodies->len - 1], (const char *)bytes, (gssize)len);
  c->seen += len;
  if (c->fail_after && c->seen >= c->fail_after)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE, "enough");
      return FALSE;
    }
  return TRUE;
}

static gboolean
c_end (gpointer data, GError **error)
{
  Collect *c = data;
  c->ended++;
  return TRUE;
}

static const ReelMultipartCallbacks cb = { c_start, c_data, c_end };

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

static void
collect_init (Collect *c)
{
  memset (c, 0, sizeof *c);
  c->headers = g_ptr_array_new_with_free_func (g_free);
  c->bodies = g_ptr_array_new_with_free_func (string_free);
}

static void
collect_clear (Collect *c)
{
  g_ptr_array_unref (c->headers);
  g_ptr_array_unref (c->bodies);
}

/* Parses body fed in pieces of the given sizes (cycling); returns whether
 * feed and finish succeeded. */
static gboolean
parse (const char *body, gsize len, gsize piece, Collect *c, GError **error)
{
  g_autoptr (ReelMultipart) mp = reel_multipart_new ("XyZ", 8, 256, &cb, c, error);
  for (gsize at = 0; at < len; at += piece)
    if (!reel_multipart_feed (mp, (const guint8 *)body + at, MIN (piece, len - at), error))
      return FALSE;
  return reel_multipart_finish (mp, error);
}

#define GOOD                                                                                       \
  "preamble, ignored\r\n"                                                                          \
  "--XyZ\r\n"                                                                                      \
  "Content-Disposition: form-data; name=\"title\"\r\n"                                             \
  "\r\n"                                                                                           \
  "A title\r\n"                                                                                    \
  "--XyZ  \r\n"                                                                                    \
  "Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"                          \
  "Content-Type: application/octet-stream\r\n"                                                     \
  "\r\n"                                                                                           \
  "\r\n--Xy almost a delimiter\r\n--XyZZ not one either\r\n"                                       \
  "--XyZ\r\n"                                                                                      \
  "\r\n"                                                                                           \
  "no headers\r\n"                                                                                 \
  "--XyZ--\r\n"                                                                                    \
  "epilogue, ignored"

static void
test_multipart_splits (void)
{
  const char *body = GOOD;
  gsize len = strlen (body);
  /* Every piece size, from one byte at a time to all at once: the parts
   * come out the same. */
  for (gsize piece = 1; piece <= len; piece++)
    {
      Collect c;
      g_autoptr (GError) error = NULL;
      collect_init (&c);
      gboolean ok = parse (body, len, piece, &c, &error);
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpuint (c.headers->len, ==, 3);
      g_assert_cmpuint (c.ended, ==, 3);
      g_assert_cmpstr (c.headers->pdata[0], ==,
                       "Content-Disposition: form-data; name=\"title\"\r\n");
      g_assert_cmpstr (((GString *)c.bodies->pdata[0])->str, ==, "A title");
      g_assert_cmpstr (((GString *)c.bodies->pdata[1])->str, ==,
                       "\r\n--Xy almost a delimiter\r\n--XyZZ not one either");
      g_assert_cmpstr (c.headers->pdata[2], ==, "");
      g_assert_cmpstr (((GString *)c.bodies->pdata[2])->str, ==, "no headers");
      collect_clear (&c);
    }
}

static void
test_multipart_bounds (void)
{
  Collect c;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) many = g_string_new (NULL);
  g_autofree char *pad = g_strnfill (300, 'p');
  g_autofree char *big_header
      = g_strdup_printf ("--XyZ\r\nX-Pad: %s\r\n\r\nbody\r\n--XyZ--\r\n", pad);
  const char *cut = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbody";
  const char *bad_line = "--XyZ garbage\r\n\r\nx\r\n--XyZ--\r\n";

  /* More than 8 parts. */
  for (guint i = 0; i < 9; i++)
    g_string_append (many, "--XyZ\r\n\r\nx\r\n");
  g_string_append (many, "--XyZ--\r\n");
  collect_init (&c);
  g_assert_false (parse (many->str, many->len, 7, &c, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_cmpuint (c.headers->len, ==, 8);
  collect_clear (&c);
  g_clear_error (&error);

  /* A header block longer than 256 bytes, whether it arrives whole or a
   * byte at a time (then it is refused before it is complete). */
  for (gsize piece = 1; piece <= strlen (big_header); piece += strlen (big_header) - 1)
    {
      collect_init (&c);
      g_assert_false (parse (big_header, strlen (big_header), piece, &c, &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_cmpuint (c.headers->len, ==, 0);
      collect_clear (&c);
      g_clear_error (&error);
    }

  /* A body cut before the closing delimiter; a delimiter line with junk;
   * no delimiter at all. */
  collect_init (&c);
  g_assert_false (parse (cut, strlen (cut), 5, &c, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  collect_clear (&c);
  g_clear_error (&error);
  collect_init (&c);
  g_assert_false (parse (bad_line, strlen (bad_line), 3, &c, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  collect_clear (&c);
  g_clear_error (&error);
  collect_init (&c);
  g_assert_false (parse ("just text", 9, 2, &c, &error));
  collect_clear (&c);
  g_clear_error (&error);

  /* A callback's error stops the parse and keeps its code, also for
   * what is fed afterwards. */
  {
    g_autoptr (ReelMultipart) mp = NULL;
    collect_init (&c);
    c.fail_after = 3;
    mp = reel_multipart_new ("XyZ", 8, 256, &cb, &c, NULL);
    g_assert_false (reel_multipart_feed (mp, (const guint8 *)GOOD, strlen (GOOD), &error));
    g_assert_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    g_assert_false (reel_multipart_feed (mp, (const guint8 *)"more", 4, &error));
    g_assert_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE);
    collect_clear (&c);
    g_clear_error (&error);
  }

  /* Boundaries RFC 2046 does not allow. */
  {
    g_autofree char *long_boundary = g_strnfill (71, 'b');
    collect_init (&c);
    g_assert_null (reel_multipart_new ("", 8, 256, &cb, &c, NULL));
    g_assert_null (reel_multipart_new (long_boundary, 8, 256, &cb, &c, NULL));
    g_assert_null (reel_multipart_new ("a\rb", 8, 256, &cb, &c, NULL));
    collect_clear (&c);
  }
}

/* --- ids --- */

/* 1 id in 32 would start with '-' or '_' without the remap: 4096 ids miss
 * that with odds of (31/32)^4096, about 1e-57. */
static void
test_id_first_char (void)
{
  guint seen_e_or_f = 0;
  for (guint i = 0; i < 4096; i++)
    {
      g_autofree char *id = reel_id_new ();
      g_assert_true (reel_id_valid (id));
      g_assert_true (g_ascii_isalnum (id[0]));
      seen_e_or_f += id[0] == 'e' || id[0] == 'f';
    }
  /* Only the two characters the remap lands on grow: 3 in 64 each. */
  g_assert_cmpuint (seen_e_or_f, >, 0);
  g_assert_true (reel_id_valid ("-AbCdEfGhIj"));
}

/* --- idempotency scope --- */

static char *
ids_in_scope (const guint8 *seed, guint n)
{
  g_autoptr (GString) out = g_string_new (NULL);
  if (seed)
    reel_idem_begin (seed);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = reel_id_new ();
      g_string_append_printf (out, "%s ", id);
    }
  if (seed)
    reel_idem_end ();
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_idem_scope (void)
{
  guint8 a[REEL_IDEM_SEED_LEN], a2[REEL_IDEM_SEED_LEN], b[REEL_IDEM_SEED_LEN],
      c[REEL_IDEM_SEED_LEN];
  g_autofree char *first = NULL, *again = NULL, *other = NULL, *plain1 = NULL, *plain2 = NULL;
  guint8 bytes[16];

  reel_idem_seed (a, "alice", "POST", "/x", "key", NULL);
  reel_idem_seed (a2, "alice", "POST", "/x", "key", NULL);
  reel_idem_seed (b, "alice", "POST", "/x", "key2", NULL);
  /* Part boundaries count: ("ab","c") is not ("a","bc"). */
  reel_idem_seed (c, "alic", "ePOST", "/x", "key", NULL);
  g_assert_cmpmem (a, sizeof a, a2, sizeof a2);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  g_assert_true (memcmp (a, c, sizeof a) != 0);

  first = ids_in_scope (a, 3);
  again = ids_in_scope (a2, 3);
  other = ids_in_scope (b, 3);
  plain1 = ids_in_scope (NULL, 3);
  plain2 = ids_in_scope (NULL, 3);
  g_assert_cmpstr (first, ==, again);
  g_assert_cmpstr (first, !=, other);
  g_assert_cmpstr (plain1, !=, plain2);
  g_assert_false (reel_idem_active ());

  /* After a secret, nothing more is derived. */
  reel_idem_begin (a);
  g_assert_true (reel_idem_next (bytes, sizeof bytes));
  reel_idem_spoil ();
  g_assert_false (reel_idem_next (bytes, sizeof bytes));
  reel_idem_end ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/query", test_query);
  g_test_add_func ("/limits/headers", test_headers);
  g_test_add_func ("/multipart/splits", test_multipart_splits);
  g_test_add_func ("/multipart/bounds", test_multipart_bounds);
  g_test_add_func ("/id/first-char", test_id_first_char);
  g_test_add_func ("/idem/scope", test_idem_scope);
  return g_test_run ();
}
