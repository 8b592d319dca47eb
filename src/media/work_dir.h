/* A job's scratch space: a fresh directory of plain files under one of the
 * data directory's work folders (DATA_DIR/work for the worker's jobs and
 * uploaded thumbnails, DATA_DIR/checks for the checks' frames). The media
 * child writes a job's outputs there and reeld reads them back; the
 * directory goes, with everything in it, when the job is done. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new directory parent/<prefix>-XXXXXX (0700; parent made when missing),
 * or NULL with REEL_ERROR_INTERNAL. */
char *reel_work_dir_new (const char *parent, const char *prefix, GError **error);

/* Removes dir and the plain files in it; a missing dir is fine. */
void reel_work_dir_remove (const char *dir);

G_END_DECLS
