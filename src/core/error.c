/* See error.h. */
#include "core/error.h"

G_DEFINE_QUARK (reel - error - quark, reel_error)

const char *
reel_error_code_name (ReelErrorCode code)
{
  switch (code)
    {
    case REEL_ERROR_INVALID:
      return "invalid_request";
    case REEL_ERROR_UNAUTHORIZED:
      return "unauthorized";
    case REEL_ERROR_FORBIDDEN:
      return "forbidden";
    case REEL_ERROR_NOT_FOUND:
      return "not_found";
    case REEL_ERROR_CONFLICT:
      return "conflict";
    case REEL_ERROR_TOO_LARGE:
      return "too_large";
    case REEL_ERROR_UNSUPPORTED:
      return "unsupported_media_type";
    case REEL_ERROR_UNPROCESSABLE:
      return "unprocessable";
    case REEL_ERROR_RATE_LIMITED:
      return "rate_limited";
    case REEL_ERROR_UNAVAILABLE:
      return "unavailable";
    case REEL_ERROR_QUOTA_EXCEEDED:
      return "quota_exceeded";
    case REEL_ERROR_BLOCKED:
      return "blocked";
    case REEL_ERROR_INTERNAL:
    default:
      return "internal";
    }
}
