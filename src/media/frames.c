/* See frames.h. Built by hand like media/fingerprint.c: the branches
 * depend on which streams the file has; the sound goes to a fakesink so
 * an unlinked pad cannot stop the picture. */
#include "media/frames.h"
#include "core/error.h"
#include "media/branch.h"

#include <gst/gst.h>

/* Classifiers look at 224x224 or 299x299 inputs: 320 wide is plenty. */
#define FRAME_WIDTH 320

gboolean
reel_frames_link (GstElement *pipeline, GstPad *pad, const ReelFramesSpec *spec)
{
  g_autofree char *location = g_build_filename (spec->dir, REEL_FRAMES_PATTERN, NULL);
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  GstElement *sink = gst_element_factory_make ("multifilesink", NULL);
  if (filter)
    {
      g_autoptr (GstCaps) want
          = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, FRAME_WIDTH, "framerate",
                                 GST_TYPE_FRACTION, 1, (int)MAX (spec->interval_s, 1), NULL);
      g_object_set (filter, "caps", want, NULL);
    }
  if (sink)
    g_object_set (sink, "location", location, "max-files", spec->max_frames, "sync", FALSE, NULL);
  /* Frames are dropped to the sampling rate first, so only the frames
   * kept are converted and shrunk; an HDR picture is tone-mapped as the
   * rungs are (pipelines/chunk.pipeline): the classifier sees what a
   * viewer sees. */
  GstElement *chain[] = { gst_element_factory_make ("queue", NULL),
                          gst_element_factory_make ("videorate", NULL),
                          gst_element_factory_make ("reeltonemap", NULL),
                          gst_element_factory_make ("videoconvert", NULL),
                          gst_element_factory_make ("videoscale", NULL),
                          filter,
                          gst_element_factory_make ("jpegenc", NULL),
                          sink };
  return reel_branch_link (pipeline, pad, chain, G_N_ELEMENTS (chain));
}

guint
reel_frames_count (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  if (d)
    while (g_dir_read_name (d))
      n++;
  return n;
}

typedef struct
{
  GstElement *pipeline;
  const ReelFramesSpec *spec;
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
      f->video = TRUE;
      if (!reel_frames_link (f->pipeline, pad, f->spec))
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
reel_frames_sample (const char *path, const ReelFramesSpec *spec, ReelBranchTick tick,
                    gpointer tick_data, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("frames");
  Frames f = { pipeline, spec, FALSE };
  JsonObject *out;

  if (!reel_branch_decode (pipeline, path, G_CALLBACK (on_pad_added), &f, "sample frames", tick,
                           tick_data, error))
    return NULL;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  out = json_object_new ();
  json_object_set_int_member (out, "frames", reel_frames_count (spec->dir));
  return out;
}
