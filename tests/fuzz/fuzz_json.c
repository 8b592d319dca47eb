/* Fuzzes the JSON edge every request body and stored record passes:
 * reel_json_check_text and reel_json_parse_object (core/json.h).
 * Properties: the pre-scan agrees with the parse (a body the scan refuses,
 * the parse refuses too); a parsed object holds UTF-8 text only, and
 * serialises (reel_json_to_string) to text that parses again to the same
 * text. */
#include "core/json.h"
#include "fuzz.h"

/* Every member name and string in node is UTF-8 (what reel stores and
 * publishes must be). */
static void
check_text (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter it;
      const char *name;
      JsonNode *member;
      json_object_iter_init (&it, json_node_get_object (node));
      while (json_object_iter_next (&it, &name, &member))
        {
          REEL_FUZZ_CHECK (g_utf8_validate (name, -1, NULL));
          check_text (member);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        check_text (json_array_get_element (a, i));
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    REEL_FUZZ_CHECK (g_utf8_validate (json_node_get_string (node), -1, NULL));
}

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
    g_autoptr (JsonNode) root = json_node_init_object (json_node_alloc (), obj);
    check_text (root);
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
