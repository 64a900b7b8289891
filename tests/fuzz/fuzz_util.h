/* fuzz_util.h - what the libFuzzer targets in tests/fuzz share: a check that stays on in
 * every build type (a wrong answer is a finding just like a crash) and the per-input leak
 * check on the GP_MALLOC counter. */
#ifndef GP_FUZZ_UTIL_H
#define GP_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "gp_base.h"

/* abort() makes libFuzzer save the input as a crash-* artifact. */
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* LeakSanitizer only runs at exit, and only sees unreachable blocks; the GP_MALLOC counter
 * catches a leak on the very input that causes it. */
#define FUZZ_LEAK_BEGIN() const long fuzz_live0_ = gp_alloc_live()
#define FUZZ_LEAK_END() FUZZ_CHECK(gp_alloc_live() == fuzz_live0_)

#endif
