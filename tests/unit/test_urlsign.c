/* Signed media URLs (core/urlsign.h): a token opens one scope until it
 * expires, and nothing else. */
#include "core/urlsign.h"

#include <string.h>

static const guint8 KEY[REEL_URLSIGN_KEY_BYTES] = "0123456789abcdef0123456789abcdef";
static const guint8 OTHER_KEY[REEL_URLSIGN_KEY_BYTES] = "fedcba9876543210fedcba9876543210";

#define NOW G_GINT64_CONSTANT (1800000000)

static void
test_valid_until_expiry (void)
{
  g_autofree char *token = reel_urlsign_token (KEY, "vid1", NOW + 60);
  g_assert_true (g_str_has_prefix (token, "1800000060-"));
  /* Path-safe: it sits in a URL path segment. */
  for (const char *p = token; *p; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
  g_assert_true (reel_urlsign_check (KEY, "vid1", token, NOW));
  g_assert_true (reel_urlsign_check (KEY, "vid1", token, NOW + 60));
  g_assert_false (reel_urlsign_check (KEY, "vid1", token, NOW + 61));
}

static void
test_refuses_other_scope_key_and_tampering (void)
{
  g_autofree char *token = reel_urlsign_token (KEY, "vid1", NOW + 60);
  g_autofree char *later = NULL;
  g_assert_false (reel_urlsign_check (KEY, "vid2", token, NOW));
  g_assert_false (reel_urlsign_check (OTHER_KEY, "vid1", token, NOW));
  /* A longer life cannot be claimed with the old mac. */
  later = g_strdup (token);
  later[8] = '9';
  g_assert_false (reel_urlsign_check (KEY, "vid1", later, NOW));
  /* A flipped mac character. */
  later = (g_free (later), g_strdup (token));
  later[strlen (later) - 2] = later[strlen (later) - 2] == 'A' ? 'B' : 'A';
  g_assert_false (reel_urlsign_check (KEY, "vid1", later, NOW));
}

static void
test_refuses_malformed (void)
{
  const char *bad[] = { "",
                        "-",
                        "1800000060",
                        "1800000060-",
                        "-abc",
                        "x800000060-abc",
                        "99999999999999999999-abc",
                        "1800000060-!!!!",
                        NULL };
  for (guint i = 0; bad[i]; i++)
    g_assert_false (reel_urlsign_check (KEY, "vid1", bad[i], NOW));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/urlsign/valid-until-expiry", test_valid_until_expiry);
  g_test_add_func ("/urlsign/refuses-other-scope-key-and-tampering",
                   test_refuses_other_scope_key_and_tampering);
  g_test_add_func ("/urlsign/refuses-malformed", test_refuses_malformed);
  return g_test_run ();
}
