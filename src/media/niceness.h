/* What a media process yields the CPU to. The transcode that makes a
 * video playable runs at the normal priority; the checks before
 * publishing (fingerprints, sampled frames, the classifier) below it,
 * since an owner watches a video before it is published; seek previews,
 * an extra, below everything else. Above nothing the system needs. Both
 * reel-media (media/child_main.c) and the checker's classifier process
 * (media/checker.c) take these. */
#pragma once

#define REEL_CHECKS_NICENESS 5
#define REEL_STORYBOARD_NICENESS 10
