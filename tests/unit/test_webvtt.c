/* Captions files (core/webvtt.h): WebVTT kept in one plain form, SRT
 * converted, and every malformed file refused with its line number.
 *
 *   /webvtt/vtt        identifiers, NOTE and STYLE dropped, settings kept,
 *                      mm:ss.ttt written as hh:mm:ss.ttt, CR LF and a BOM
 *   /webvtt/srt        numbered cues with commas become WebVTT
 *   /webvtt/malformed  each bad file: INVALID naming the right line
 *   /webvtt/limits     over the byte limit: TOO_LARGE
 *   /webvtt/lang       language tags */
#include "core/error.h"
#include "core/webvtt.h"

#include <string.h>

static char *
normalize (const char *text, guint *cues)
{
  g_autoptr (GError) error = NULL;
  char *out = reel_captions_normalize (text, strlen (text), cues, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_vtt (void)
{
  guint cues = 0;
  g_autofree char *out = normalize ("\xEF\xBB\xBFWEBVTT - a title\r\nKind: captions\r\n\r\n"
                                    "NOTE written by hand\r\nover two lines\r\n\r\n"
                                    "STYLE\r\n::cue { color: red }\r\n\r\n"
                                    "intro\r\n00:01.000 --> 00:04.500 line:0 align:start\r\n"
                                    "Hello <i>captions</i>\r\nsecond line\r\n\r\n\r\n"
                                    "01:02:03.004 --> 01:02:05.000\r\nLater\r\n",
                                    &cues);
  g_assert_cmpuint (cues, ==, 2);
  g_assert_cmpstr (out, ==,
                   "WEBVTT\n\n"
                   "00:00:01.000 --> 00:00:04.500 line:0 align:start\n"
                   "Hello <i>captions</i>\nsecond line\n\n"
                   "01:02:03.004 --> 01:02:05.000\nLater\n\n");
}

static void
test_srt (void)
{
  guint cues = 0;
  g_autofree char *out = normalize ("1\n00:00:01,000 --> 00:00:02,500\nBonjour\n\n"
                                    "2\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20\n"
                                    "<i>le monde</i>\n",
                                    &cues);
  g_assert_cmpuint (cues, ==, 2);
  g_assert_cmpstr (out, ==,
                   "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nBonjour\n\n"
                   "00:00:03.000 --> 00:00:04.000\n<i>le monde</i>\n\n");
}

static void
expect_line (const char *text, gsize len, guint line)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *want = g_strdup_printf ("line %u:", line);
  g_autofree char *out = reel_captions_normalize (text, len, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, want));
}

static void
test_malformed (void)
{
  const struct
  {
    const char *text;
    guint line;
  } cases[] = {
    { "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nx\n", 3 }, /* "->" is no arrow */
    { "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n\n"
      "00:00:05.000 --> 00:00:04.000\ny\n",
      6 }, /* ends before it starts */
    { "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n"
      "00:00:03.000 --> 00:00:04.000\ny\n",
      5 },                                                 /* no blank line between */
    { "WEBVTT\n\n00:00:61.000 --> 00:01:02.000\nx\n", 3 }, /* 61 seconds */
    { "WEBVTT\n\n1:00.000 --> 1:02.000\nx\n", 3 },         /* one-digit minutes */
    { "WEBVTT\n\n00:00:01.00 --> 00:00:02.000\nx\n", 3 },  /* two-digit milliseconds */
    { "WEBVTT\n\nid\nnot a timing\nx\n", 4 },              /* identifier, no timing */
    { "Hello\n00:00:01.000 --> 00:00:02.000\n", 1 },       /* neither format */
    { "WEBVTT\n\nNOTE only a note\n", 3 },                 /* no cues */
    { "1\n00:00:01.000 --> 00:00:02.000 x\nok\n\n"
      "2\n00:00:03,000 -> 00:00:04,000\ny\n",
      6 },                                                             /* SRT: bad arrow */
    { "1\n00:00:01,000 --> 00:00:02,000\nok\n\nabc\n", 5 },            /* SRT: not a number */
    { "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nbad \x01 byte\n", 4 }, /* control char */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_line (cases[i].text, strlen (cases[i].text), cases[i].line);
  /* Latin-1 on line 4, and a NUL on line 3. */
  {
    static const char latin1[] = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\ncaf\xE9\n";
    static const char nul[] = "WEBVTT\n\n00:00:01.000\0 --> 00:00:02.000\nx\n";
    expect_line (latin1, sizeof latin1 - 1, 4);
    expect_line (nul, sizeof nul - 1, 3);
  }
}

static void
test_limits (void)
{
  g_autoptr (GError) error = NULL;
  gsize len = REEL_CAPTIONS_MAX_BYTES + 1;
  g_autofree char *big = g_malloc (len);
  memset (big, 'a', len);
  g_assert_null (reel_captions_normalize (big, len, NULL, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE);
}

static void
test_lang (void)
{
  const char *good[] = { "en", "fr", "pt-BR", "zh-Hant", "sgn-BE-FR", "es-419" };
  const char *bad[] = { "",     "e",     "english", "en_US",        "en-",       "-en",
                        "en-x", "../en", "en/fr",   "en-abcdefghi", "a-b-c-d-e", "en-aa-bb-cc-dd",
                        NULL };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (reel_captions_lang_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (reel_captions_lang_valid (bad[i]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webvtt/vtt", test_vtt);
  g_test_add_func ("/webvtt/srt", test_srt);
  g_test_add_func ("/webvtt/malformed", test_malformed);
  g_test_add_func ("/webvtt/limits", test_limits);
  g_test_add_func ("/webvtt/lang", test_lang);
  return g_test_run ();
}
