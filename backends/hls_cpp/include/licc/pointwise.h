// licc kernel library: elementwise stages and width converters.
#ifndef LICC_POINTWISE_H
#define LICC_POINTWISE_H

#include "licc/types.h"

namespace licc {

// y = apply(x, channel) on every element: BEATS beats of LANES channels of
// PIXELS pixels (v[p * LANES + l] is channel c0 + l of pixel p).
template <class C>
void pointwise(hls::stream<vec<typename C::in_t, C::LANES * C::PIXELS> > &in,
               hls::stream<vec<typename C::out_t, C::LANES * C::PIXELS> > &out) {
    int c0 = 0;
    for (int i = 0; i < C::BEATS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        const vec<typename C::in_t, C::LANES * C::PIXELS> x = in.read();
        LICC_COUNT_READ(C, i);
        vec<typename C::out_t, C::LANES * C::PIXELS> y;
        for (int p = 0; p < C::PIXELS; p++) {
#pragma HLS UNROLL
            for (int l = 0; l < C::LANES; l++) {
#pragma HLS UNROLL
                y.v[p * C::LANES + l] = C::apply(x.v[p * C::LANES + l], c0 + l);
            }
        }
        out.write(y);
        LICC_COUNT_WRITE(C, i);
        c0 += C::LANES;
        if (c0 == C::CH) c0 = 0;
    }
}

// Beat `k` of a group of GP pixels x GC channels, L lanes of P pixels per
// beat: element v[p * L + l] is buf[(k / (GC / L)) * P + p][(k % (GC / L)) * L + l].
template <int GP, int GC, int L, int P, class T>
inline void group_in(T (&buf)[GP][GC], int k, const vec<T, L * P> &x) {
#pragma HLS INLINE
    for (int p = 0; p < P; p++) {
#pragma HLS UNROLL
        for (int l = 0; l < L; l++) {
#pragma HLS UNROLL
            buf[(k / (GC / L)) * P + p][(k % (GC / L)) * L + l] = x.v[p * L + l];
        }
    }
}

template <int GP, int GC, int L, int P, class T>
inline vec<T, L * P> group_out(const T (&buf)[GP][GC], int k) {
#pragma HLS INLINE
    vec<T, L * P> y;
    for (int p = 0; p < P; p++) {
#pragma HLS UNROLL
        for (int l = 0; l < L; l++) {
#pragma HLS UNROLL
            y.v[p * L + l] = buf[(k / (GC / L)) * P + p][(k % (GC / L)) * L + l];
        }
    }
    return y;
}

// Regroups a stream from beats of IN_LANES x IN_PIXELS to OUT_LANES x
// OUT_PIXELS, a group of GP pixels x GC channels at a time (hls_geometry's
// lanes_group: GC = lcm of the lanes when the pixel counts agree, else all
// channels of lcm(pixels) pixels): group g arrives while group g - 1 leaves,
// over a period of max(reads, writes) cycles, reads and writes each spread
// evenly over it.
template <class C>
void lanes(hls::stream<vec<typename C::T, C::IN_LANES * C::IN_PIXELS> > &in,
           hls::stream<vec<typename C::T, C::OUT_LANES * C::OUT_PIXELS> > &out) {
    const int READS = C::GP * C::GC / (C::IN_LANES * C::IN_PIXELS);
    const int WRITES = C::GP * C::GC / (C::OUT_LANES * C::OUT_PIXELS);
    const int PERIOD = READS > WRITES ? READS : WRITES;
    static typename C::T buf[2][C::GP][C::GC];
#pragma HLS ARRAY_PARTITION variable = buf type = complete dim = 0
    int g = 0, step = 0, rd = 0, wr = 0, read_acc = 0, write_acc = 0;
    for (int i = 0; i < (C::GROUPS + 1) * PERIOD; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        read_acc += g < C::GROUPS ? READS : 0;
        if (read_acc >= PERIOD) {
            read_acc -= PERIOD;
            group_in<C::GP, C::GC, C::IN_LANES, C::IN_PIXELS>(buf[g % 2], rd++, in.read());
            LICC_COUNT_READ(C, i);
        }
        write_acc += g > 0 ? WRITES : 0;
        if (write_acc >= PERIOD) {
            write_acc -= PERIOD;
            out.write(group_out<C::GP, C::GC, C::OUT_LANES, C::OUT_PIXELS>(buf[(g + 1) % 2], wr++));
            LICC_COUNT_WRITE(C, i);
        }
        if (++step == PERIOD) {
            step = rd = wr = read_acc = write_acc = 0;
            ++g;
        }
    }
}

}  // namespace licc

#endif
