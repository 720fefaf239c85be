// licc kernel library: a residual's fork and join.
#ifndef LICC_JOIN_H
#define LICC_JOIN_H

#include "licc/types.h"

namespace licc {

// Writes every beat it reads to both outputs (an hls::stream has one reader).
template <class C>
void fork(hls::stream<vec<typename C::T, C::LANES * C::PIXELS> > &in,
          hls::stream<vec<typename C::T, C::LANES * C::PIXELS> > &out,
          hls::stream<vec<typename C::T, C::LANES * C::PIXELS> > &copy) {
    for (int i = 0; i < C::BEATS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        const vec<typename C::T, C::LANES * C::PIXELS> x = in.read();
        LICC_COUNT_READ(C, i);
        out.write(x);
        copy.write(x);
        LICC_COUNT_WRITE(C, i);
    }
}

// y = epilogue(a + b, channel) on every element, the sum exact in sum_t: one
// beat of each input in, one beat out, per iteration (both with one beat).
template <class C>
void add(hls::stream<vec<typename C::in_t, C::LANES * C::PIXELS> > &a,
         hls::stream<vec<typename C::addend_t, C::LANES * C::PIXELS> > &b,
         hls::stream<vec<typename C::out_t, C::LANES * C::PIXELS> > &out) {
    int c0 = 0;
    for (int i = 0; i < C::BEATS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        const vec<typename C::in_t, C::LANES * C::PIXELS> x = a.read();
        const vec<typename C::addend_t, C::LANES * C::PIXELS> z = b.read();
        LICC_COUNT_READ(C, i);
        vec<typename C::out_t, C::LANES * C::PIXELS> y;
        for (int p = 0; p < C::PIXELS; p++) {
#pragma HLS UNROLL
            for (int l = 0; l < C::LANES; l++) {
#pragma HLS UNROLL
                const int e = p * C::LANES + l;
                const typename C::sum_t s = typename C::sum_t(wide(x.v[e]) + wide(z.v[e]));
                y.v[e] = C::epilogue(s, c0 + l);
            }
        }
        out.write(y);
        LICC_COUNT_WRITE(C, i);
        c0 += C::LANES;
        if (c0 == C::CH) c0 = 0;
    }
}

}  // namespace licc

#endif
