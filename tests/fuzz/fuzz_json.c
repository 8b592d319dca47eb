/* Fuzzes the JSON edge every request body and stored record passes:
 * reel_json_check_text and reel_json_parse_object (core/json.h).
 * Properties: the pre-scan agrees with the parse (a body the scan refuses,
 * the parse refuses too), and an object that parses serialises to text
 * that parses again to the same text. */
#include "core/json.h"
#include "fuzz.h"

static void
run (const uint8_t *data, size_t size)
{
  g_autoptr (GError) check_error = NULL, error = NULL;
  gboolean checked = reel_json_check_text ((const char *)data, size, &check_error);
  g_autoptr (JsonObject) obj = reel_json_parse_object ((const char *)data, size, &error);

  if (!checked)
    {
      reel_fuzz_check_error (check_error);
      REEL_FUZZ_CHECK (obj == NULL);
    }
  if (!obj)
    {
      reel_fuzz_check_error (error);
      return;
    }
  {
    g_autofree char *text = reel_json_object_to_string (obj);
    g_autoptr (GError) again_error = NULL;
    g_autoptr (JsonObject) again = reel_json_parse_object (text, strlen (text), &again_error);
    g_autofree char *text2 = NULL;
    REEL_FUZZ_CHECK (again != NULL);
    text2 = reel_json_object_to_string (again);
    REEL_FUZZ_CHECK (g_str_equal (text, text2));
  }
}

REEL_FUZZ_HARNESS (run)
