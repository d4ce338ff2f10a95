/* Lets evictlab_bench start under Valgrind on CPUs whose CPUID hides RDTSCP.
 *
 * libtorch pulls in libhwy (through libjxl), whose load-time initializer calls
 * hwy::platform::TimerResolution(), which executes RDTSCP unconditionally.
 * Valgrind 3.19 decodes RDTSCP only when CPUID advertises it; many VMs do not,
 * so the benchmark dies with SIGILL before main(). scripts/profile compiles
 * this file and LD_PRELOADs it under Valgrind only: Valgrind's function
 * redirection replaces TimerResolution (a calibration constant nothing in
 * evictlab uses) by this stub. Natively it is never loaded.
 */
#include <stdint.h>
#include <valgrind/valgrind.h>

/* I_WRAP_SONAME_FNNAME_ZU: soname pattern "libhwy.so*" (Z-encoded), C++
 * symbol _ZN3hwy8platform15TimerResolutionEv. The wrapper never calls the
 * original, so it is a plain replacement. */
uint64_t I_WRAP_SONAME_FNNAME_ZU(libhwyZdsoZa,
                                 _ZN3hwy8platform15TimerResolutionEv)(void);
uint64_t I_WRAP_SONAME_FNNAME_ZU(libhwyZdsoZa,
                                 _ZN3hwy8platform15TimerResolutionEv)(void) {
  return 1;
}
