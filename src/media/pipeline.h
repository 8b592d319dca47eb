/* Pipelines as text: every GStreamer pipeline reel runs is a gst-launch
 * line in pipelines/<name>.pipeline with {placeholders}. This is the one
 * place that turns a template and values into the exact line the service
 * runs with gst_parse_launch() and that `reel pipeline` prints for a person
 * to run in gst-launch-1.0.
 *
 * Template syntax: lines starting with '#' are comments (they document the
 * placeholders); the rest is joined into one line. {name} is replaced by the
 * value of name, quoted for gst-launch when it holds anything but
 * [A-Za-z0-9_.,:/+=-]; {{ and }} stand for literal braces. A placeholder
 * without a value is an error, never an empty string. */
#pragma once

#include "bus/natsauth.h"

#include <glib.h>

G_BEGIN_DECLS

/* The directory holding the *.pipeline templates. */
const char *reel_pipeline_dir (void);

/* Reads pipelines/<name>.pipeline without its comments. */
char *reel_pipeline_load (const char *name, GError **error);

/* Fills a template; values: placeholder -> text. Values marked raw (their
 * name is in raw, may be NULL) are inserted as they are (pipeline
 * fragments built from other templates). */
char *reel_pipeline_fill (const char *template_text, GHashTable *values, const char *const *raw,
                          GError **error);

/* The natssink/natssrc properties that carry auth ("token=... tls-ca=...",
 * empty when there are none): the value of a template's raw {nats_auth}. */
char *reel_pipeline_nats_auth (const ReelNatsAuth *auth);

G_END_DECLS
