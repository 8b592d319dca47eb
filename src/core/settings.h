/* The settings: every "group.key" an operator can set, in the key file
 * (reeld --config) or on the command line, each with its parser and
 * bounds. One table in settings.c lists them all; data/reeld.conf.example
 * documents each, and test_config checks the two agree. The defaults are
 * reel_config_new's (core/config.h). */
#pragma once

#include "core/config.h"

G_BEGIN_DECLS

/* Sets one "group.key" from its text form; rejects unknown keys and bad values. */
gboolean reel_config_set (ReelConfig *cfg, const char *name, const char *value, GError **error);

/* Every setting's "group.key", NULL-terminated. */
const char *const *reel_config_names (void);

/* Parses a comma-separated role list ("api,projector" or "all") into bits. */
gboolean reel_config_parse_roles (const char *text, guint *roles, GError **error);

G_END_DECLS
