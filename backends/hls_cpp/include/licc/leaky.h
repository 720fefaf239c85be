// licc kernel library: the integer leaky ReLU step (emitted only where used).
#ifndef LICC_LEAKY_H
#define LICC_LEAKY_H

#include "licc/types.h"

namespace licc {

// lic.leaky_relu on integers: x if x >= 0, else x rescaled by the slope m / 2^s
// (rounded half up and saturated, as lic.rescale).
inline int64_t leaky_relu(int64_t x, int64_t m, int s, int64_t lo, int64_t hi) {
    return x >= 0 ? x : rescale(x, m, s, 0, lo, hi);
}

}  // namespace licc

#endif
