// licc kernel library: integer types, stream beats and the integer semantics
// of the `lic` ops (docstrings in dialects/lic.py), shared by every kernel.
//
// With Xilinx's <ap_int.h> on the include path, an N-bit IR integer is
// ap_int<N> (ap_uint<N> for uiN); otherwise it is the narrowest standard
// type that holds it (int8_t ... int64_t). Define LICC_STD_TYPES to force the
// standard types. Both give identical results: every value stays within its
// IR type's range (proven by the IR's verifiers, or saturated explicitly
// against the IR type's bounds, never the C type's).
#ifndef LICC_TYPES_H
#define LICC_TYPES_H

#include <cstdint>
#include <type_traits>

#if !defined(LICC_STD_TYPES) && __has_include(<ap_int.h>)
#define LICC_AP_TYPES 1
// The vendor headers' own warnings (uninitialised members of ap_private)
// stay theirs: silenced where their code is, not in licc's.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <ap_int.h>
#pragma GCC diagnostic pop
#endif

#if __has_include(<hls_stream.h>)
#include <hls_stream.h>
#else
#include "licc/stream.h"
#endif

namespace licc {

template <int W>
using std_int_t = typename std::conditional<
    (W <= 8), int8_t,
    typename std::conditional<(W <= 16), int16_t,
                              typename std::conditional<(W <= 32), int32_t, int64_t>::type>::type>::type;
template <int W>
using std_uint_t = typename std::conditional<
    (W <= 8), uint8_t,
    typename std::conditional<(W <= 16), uint16_t,
                              typename std::conditional<(W <= 32), uint32_t, uint64_t>::type>::type>::type;

#ifdef LICC_AP_TYPES
template <int W> using int_t = ap_int<W>;
template <int W> using uint_t = ap_uint<W>;
#else
template <int W> using int_t = std_int_t<W>;
template <int W> using uint_t = std_uint_t<W>;
#endif

// Weight and table memories: exact-width ap types in synthesis; standard
// types in C simulation, where g++ would initialise large arrays of ap types
// element by element at start-up (minutes to compile 10^5 entries). Every
// value fits its IR width either way.
#if defined(__SYNTHESIS__) && defined(LICC_AP_TYPES)
template <int W> using rom_t = ap_int<W>;
#else
template <int W> using rom_t = std_int_t<W>;
#endif

// One stream beat: N values of T. A stream of L lanes and P pixels has
// N = L * P: v[p * L + l] is lane l of pixel p (see dialects/hls.py).
template <class T, int N>
struct vec {
    T v[N];
};

// Beats of one row of W pixels, C channels, L lanes of P pixels per beat: a
// row takes ceil(W / P) pixel groups, the last one padded when P does not
// divide W (padded values are don't-care; readers skip them).
template <int C, int W, int L, int P>
struct row_beats {
    static const int value = (W + P - 1) / P * (C / L);
};

// Stores beat `rd` of a C×H×W tensor (L lanes of P pixels per beat) in a
// line buffer of RING rows, row y in lines[y % RING][x * C + c]: within a
// row, groups of P pixels follow one another, C / L beats each.
template <int C, int W, int L, int P, class T, int RING>
inline void store_beat(T (&lines)[RING][W * C], int rd, const vec<T, L * P> &beat) {
#pragma HLS INLINE
    const int ROW_BEATS = row_beats<C, W, L, P>::value, FOLDS = C / L;
    const int row = rd / ROW_BEATS, r = rd % ROW_BEATS;
    const int x0 = (r / FOLDS) * P, c0 = (r % FOLDS) * L;
    for (int p = 0; p < P; p++) {
#pragma HLS UNROLL
        if (x0 + p < W) {
            for (int l = 0; l < L; l++) {
#pragma HLS UNROLL
                lines[row % RING][(x0 + p) * C + c0 + l] = beat.v[p * L + l];
            }
        }
    }
}

// Every IR integer is at most 48 bits: int64_t holds it and the intermediate
// values of rescale and table exactly.
template <class T>
inline int64_t wide(const T &x) {
    return static_cast<int64_t>(x);
}

// An exact product of two IR integers, in the accumulator's type. Ap types
// widen the product themselves; standard ones are widened first.
template <class Acc, class A, class B>
inline Acc mul(const A &a, const B &b) {
#ifdef LICC_AP_TYPES
    return a * b;
#else
    return static_cast<Acc>(static_cast<Acc>(a) * static_cast<Acc>(b));
#endif
}

inline int64_t clamp(int64_t x, int64_t lo, int64_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

// lic.rescale: saturate(((x * m + 2^(s-1)) >> s) + offset); `>>` floors, so
// ties round up. The verifier bounds |x| * m + 2^(s-1) below 2^62.
inline int64_t rescale(int64_t x, int64_t m, int s, int64_t offset, int64_t lo, int64_t hi) {
    int64_t t = x * m;
#ifdef LICC_FAULT  // a flipped shift: the shifter reads its byte unsigned; 63 or more leaves the sign
    const int a = s & 0xFF;
    if (a >= 63) return clamp((t < 0 ? -1 : 0) + offset, lo, hi);
    s = a;
#endif
    if (s > 0) t = (t + (int64_t(1) << (s - 1))) >> s;
    return clamp(t + offset, lo, hi);
}

// lic.relu and lic.abs (saturating to the type's greatest value).
inline int64_t relu(int64_t x) { return x > 0 ? x : 0; }
inline int64_t abs_sat(int64_t x, int64_t hi) { return clamp(x < 0 ? -x : x, 0, hi); }

}  // namespace licc

// C simulation only (-DLICC_COUNT_ITERS): every kernel counts its pipelined
// loop's iterations and the iterations that read and write (see counts.h).
#ifdef LICC_COUNT_ITERS
#include "licc/counts.h"
#else
#define LICC_COUNT_ITER(C) ((void)0)
#define LICC_COUNT_READ(C, i) ((void)0)
#define LICC_COUNT_WRITE(C, i) ((void)0)
#endif

// Fault-injection C simulation only (licc/fault.h, force-included by
// lic_compiler.faults.csim): an accumulator's upset before its epilogue, a
// word of a root table's ROM.
#ifndef LICC_FAULT
#define LICC_FAULT_ACC(C, acc, o) (acc)
#define LICC_FAULT_ACC_AT(C, acc, o, y, x) (acc)
#define LICC_FAULT_ROM(Tab, rom, i) (Tab::rom(i))
#endif

#endif
