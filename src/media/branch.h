/* Linking a branch behind a pad decodebin adds: shared by the pipelines
 * reel-media builds by hand (media/fingerprint.c, media/frames.c), whose
 * branches depend on the streams a file has. */
#pragma once

#include <gst/gst.h>
#include <glib.h>

G_BEGIN_DECLS

/* Adds the n new elements of chain to pipeline, links them in order and
 * behind pad, and starts them; FALSE when one could not be made (NULL)
 * or linked. */
gboolean reel_branch_link (GstElement *pipeline, GstPad *pad, GstElement **chain, guint n);

/* Called about every second while a file is decoded, with the position
 * reached (-1 while unknown): the media child's sign of life
 * (media/child.h stops a child silent for a minute). */
typedef void (*ReelBranchTick) (gint64 position_ns, gpointer data);

/* Decodes path in pipeline (filesrc ! decodebin, on_pad_added linking
 * the branches) until EOS, calling tick (may be NULL) every second; FALSE
 * with REEL_ERROR_UNSUPPORTED ("cannot <what>: ...") on an error. The
 * pipeline is left as it ends (the caller may query it, then sets it to
 * NULL). */
gboolean reel_branch_decode (GstElement *pipeline, const char *path, GCallback on_pad_added,
                             gpointer data, const char *what, ReelBranchTick tick,
                             gpointer tick_data, GError **error);

G_END_DECLS
