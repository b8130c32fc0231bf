#ifndef SEGD_TURBOJPEG_SHIM_H
#define SEGD_TURBOJPEG_SHIM_H
/* libjpeg-turbo's TurboJPEG API, which reports errors as return codes instead of longjmp-ing out
 * of libjpeg's error handler. */
#include <turbojpeg.h>
#endif
