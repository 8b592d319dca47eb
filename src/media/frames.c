/* See frames.h. Built by hand like media/fingerprint.c: the branches
 * depend on which streams the file has; the sound goes to a fakesink so
 * an unlinked pad cannot stop the picture. */
#include "media/frames.h"
#include "core/error.h"
#include "media/branch.h"

#include <gst/gst.h>

/* Classifiers look at 224x224 or 299x299 inputs: 320 wide is plenty. */
#define FRAME_WIDTH 320

typedef struct
{
  GstElement *pipeline;
  char *location;
  guint interval_s;
  guint max_frames;
  gboolean video;
} Frames;

static void
on_pad_added (GstElement *decodebin, GstPad *pad, gpointer data)
{
  Frames *f = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *name = caps ? gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";
  if (g_str_has_prefix (name, "video/") && !f->video)
    {
      GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
      GstElement *sink = gst_element_factory_make ("multifilesink", NULL);
      f->video = TRUE;
      if (filter)
        {
          g_autoptr (GstCaps) want
              = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, FRAME_WIDTH, "framerate",
                                     GST_TYPE_FRACTION, 1, (int)f->interval_s, NULL);
          g_object_set (filter, "caps", want, NULL);
        }
      if (sink)
        g_object_set (sink, "location", f->location, "max-files", f->max_frames, "sync", FALSE,
                      NULL);
      GstElement *chain[] = { gst_element_factory_make ("queue", NULL),
                              gst_element_factory_make ("videoconvert", NULL),
                              gst_element_factory_make ("videoscale", NULL),
                              gst_element_factory_make ("videorate", NULL),
                              filter,
                              gst_element_factory_make ("jpegenc", NULL),
                              sink };
      if (!reel_branch_link (f->pipeline, pad, chain, G_N_ELEMENTS (chain)))
        GST_ELEMENT_ERROR (decodebin, CORE, NEGOTIATION, ("cannot sample the picture"), (NULL));
    }
  else
    {
      GstElement *sink = gst_element_factory_make ("fakesink", NULL);
      if (sink)
        g_object_set (sink, "sync", FALSE, NULL);
      GstElement *chain[] = { gst_element_factory_make ("queue", NULL), sink };
      reel_branch_link (f->pipeline, pad, chain, G_N_ELEMENTS (chain));
    }
}

JsonObject *
reel_frames_sample (const char *path, const char *dir, guint interval_s, guint max_frames,
                    ReelBranchTick tick, gpointer tick_data, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("frames");
  g_autofree char *location = g_build_filename (dir, REEL_FRAMES_PATTERN, NULL);
  Frames f = { pipeline, location, MAX (interval_s, 1), max_frames, FALSE };
  g_autoptr (GDir) d = NULL;
  JsonObject *out;
  guint n = 0;

  if (!reel_branch_decode (pipeline, path, G_CALLBACK (on_pad_added), &f, "sample frames", tick,
                           tick_data, error))
    return NULL;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if ((d = g_dir_open (dir, 0, NULL)))
    while (g_dir_read_name (d))
      n++;
  out = json_object_new ();
  json_object_set_int_member (out, "frames", n);
  return out;
}
