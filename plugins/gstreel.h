/* Static registration of the reel plugin's elements (for reeld and tests). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

void reel_gst_register (void);

G_END_DECLS
