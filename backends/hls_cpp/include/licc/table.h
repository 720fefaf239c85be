// licc kernel library: GDN's root and reciprocal as fixed-point integers (lic.table).
//
// The integer form of lic_compiler/gdn_approx.py: n > 0 is normalised to its
// leading one (position E) and the 16 bits below it (F); the mantissa's
// value a (16 fractional bits) comes from a table, a line per segment, or a
// table seed refined by Newton steps; the result a * 2^(+-e - 16) is rounded
// half up to FRAC_BITS fractional bits and saturated to [LO, HI].
#ifndef LICC_TABLE_H
#define LICC_TABLE_H

#include "licc/types.h"

namespace licc {

enum TableFunction { RSQRT, SQRT, RECIPROCAL };
enum TableMode { TABLE, PWL, NEWTON };

// round(a * 2^t) half up, for a < 2^40, saturated to [lo, hi].
inline int64_t scale_round(int64_t a, int t, int64_t lo, int64_t hi) {
    if (t >= 0) return t > 22 ? (a > 0 ? hi : (a < 0 ? lo : 0)) : clamp(a << t, lo, hi);
    if (t < -62) return 0;
    return clamp((a + (int64_t(1) << (-t - 1))) >> -t, lo, hi);
}

// Tab: FUNCTION, MODE, K (index bits), NEWTON_STEPS, FRAC_BITS, LO, HI,
// entry(i) (table value, or pwl intercept) and slope(i) (pwl).
template <class Tab>
int64_t table(int64_t n) {
    const int64_t one = int64_t(1) << 16, half = one >> 1;
    if (n <= 0) return Tab::FUNCTION == SQRT ? 0 : Tab::HI;
    int e = 0;
    for (int b = 47; b > 0; b--) {
        if ((n >> b) & 1) {
            e = b;
            break;
        }
    }
    const int64_t f = (e >= 16 ? n >> (e - 16) : n << (16 - e)) & (one - 1);
    const bool root = Tab::FUNCTION != RECIPROCAL;
    const int p = root ? e & 1 : 0;
    const int half_e = (e - p) / 2;
    const int shift = !root ? -e : (Tab::FUNCTION == SQRT ? half_e : -half_e);
    const int fraction_bits = root ? Tab::K - 1 : Tab::K;  // f's bits in the index
    const int index = (root ? p << (Tab::K - 1) : 0) | int(f >> (16 - fraction_bits));
    const int64_t m = (one + f) << p;  // the mantissa, 16 fractional bits
    int64_t a = LICC_FAULT_ROM(Tab, entry, index);
    if (Tab::MODE == PWL) {
        const int64_t d = (f & ((int64_t(1) << (16 - fraction_bits)) - 1)) << p;
        a = (a * one + LICC_FAULT_ROM(Tab, slope, index) * d + half) >> 16;
    } else if (Tab::MODE == NEWTON) {
        for (int s = 0; s < Tab::NEWTON_STEPS; s++) {
            if (Tab::FUNCTION == RECIPROCAL) {
                const int64_t v = (m * a + half) >> 16;
                a = (a * (2 * one - v) + half) >> 16;
            } else {
                const int64_t u = (a * a + half) >> 16;
                const int64_t v = (m * u + half) >> 16;
                a = (a * (3 * one - v) + one) >> 17;
            }
        }
        if (Tab::FUNCTION == SQRT) a = (m * a + half) >> 16;
    }
    return scale_round(a, shift + Tab::FRAC_BITS - 16, Tab::LO, Tab::HI);
}

}  // namespace licc

#endif
