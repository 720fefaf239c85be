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
// lanes_row: per row FULL groups of READS beats in and WRITES out, then, when
// the pixel counts differ and lcm(pixels) does not divide the row, a tail
// group of the row's last pixels, TAIL_READS in and TAIL_WRITES out): group
// g arrives while group g - 1 leaves, over a period of the larger of the two,
// reads and writes each spread evenly over it.
template <class C>
inline int lanes_group_beats(int g, int full_beats, int tail_beats) {
    return g % (C::FULL + (C::TAIL_READS > 0 ? 1 : 0)) < C::FULL ? full_beats : tail_beats;
}

template <class C>
void lanes(hls::stream<vec<typename C::T, C::IN_LANES * C::IN_PIXELS> > &in,
           hls::stream<vec<typename C::T, C::OUT_LANES * C::OUT_PIXELS> > &out) {
    static typename C::T buf[2][C::GP][C::GC];
#pragma HLS ARRAY_PARTITION variable = buf type = complete dim = 0
    int g = 0, step = 0, rd = 0, wr = 0, read_acc = 0, write_acc = 0;
    int reads = lanes_group_beats<C>(0, C::READS, C::TAIL_READS), writes = 0;
    int period = reads;
    for (int i = 0; i < C::ITERS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        read_acc += reads;
        if (read_acc >= period) {
            read_acc -= period;
            group_in<C::GP, C::GC, C::IN_LANES, C::IN_PIXELS>(buf[g % 2], rd++, in.read());
            LICC_COUNT_READ(C, i);
        }
        write_acc += writes;
        if (write_acc >= period) {
            write_acc -= period;
            out.write(group_out<C::GP, C::GC, C::OUT_LANES, C::OUT_PIXELS>(buf[(g + 1) % 2], wr++));
            LICC_COUNT_WRITE(C, i);
        }
        if (++step == period) {  // group g is in: it leaves while g + 1 arrives
            writes = lanes_group_beats<C>(g, C::WRITES, C::TAIL_WRITES);
            ++g;
            reads = g < C::GROUPS ? lanes_group_beats<C>(g, C::READS, C::TAIL_READS) : 0;
            period = reads > writes ? reads : writes;
            step = rd = wr = read_acc = write_acc = 0;
        }
    }
}

}  // namespace licc

#endif
