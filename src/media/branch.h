/* Linking a branch behind a pad decodebin adds: shared by the pipelines
 * reel-media builds by hand (media/fingerprint.c, media/frames.c), whose
 * branches depend on the streams a file has. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Adds the n new elements of chain to pipeline, links them in order and
 * behind pad, and starts them; FALSE when one could not be made (NULL)
 * or linked. */
gboolean reel_branch_link (GstElement *pipeline, GstPad *pad, GstElement **chain, guint n);

G_END_DECLS
