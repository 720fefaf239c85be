// licc kernel library: the sub-pixel reorder (pixel shuffle and unshuffle).
#ifndef LICC_SHUFFLE_H
#define LICC_SHUFFLE_H

#include "licc/types.h"

namespace licc {

// Groups of GROUP elements (an input row for a shuffle, r input rows for an
// unshuffle) arrive in raster order, IN_LANES per beat, and leave in the
// output's raster order, OUT_LANES per beat. Output element (pixel t, channel k)
// of a group is input element A(t) + B(k): A(t) follows the output pixels with
// counters (t's digits d0 < R0 and d1 < R1 step it by S0 and S1, a carry out of
// d1 by S2), B(k) is C::offset(m, l) for the m-th beat of a pixel, lane l, so the
// index needs no division. Group g arrives while group g - 1 leaves, over a
// period of the larger of READS and WRITES, reads and writes each spread evenly
// over it (hls_schedule.shuffle_schedule).
template <class C>
void shuffle(hls::stream<vec<typename C::T, C::IN_LANES> > &in, hls::stream<vec<typename C::T, C::OUT_LANES> > &out) {
    static typename C::T buf[2][C::GROUP];
    int g = 0, step = 0, rd = 0, read_acc = 0, write_acc = 0;
    int m = 0, d0 = 0, d1 = 0, a = 0;  // the output pixel's beat, its digits and A(t)
    int reads = C::READS, writes = 0, period = C::READS;
    for (int i = 0; i < C::ITERS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        read_acc += reads;
        if (read_acc >= period) {
            read_acc -= period;
            const vec<typename C::T, C::IN_LANES> x = in.read();
            for (int l = 0; l < C::IN_LANES; l++) {
#pragma HLS UNROLL
                buf[g % 2][rd * C::IN_LANES + l] = x.v[l];
            }
            rd++;
            LICC_COUNT_READ(C, i);
        }
        write_acc += writes;
        if (write_acc >= period) {
            write_acc -= period;
            vec<typename C::T, C::OUT_LANES> y;
            for (int l = 0; l < C::OUT_LANES; l++) {
#pragma HLS UNROLL
                y.v[l] = buf[(g + 1) % 2][a + C::offset(m, l)];
            }
            out.write(y);
            LICC_COUNT_WRITE(C, i);
            if (++m == C::PIXEL_BEATS) {  // the next output pixel
                m = 0;
                a += C::S0;
                if (++d0 == C::R0) {
                    d0 = 0;
                    a += C::S1 - C::R0 * C::S0;
                    if (++d1 == C::R1) {
                        d1 = 0;
                        a += C::S2 - C::R1 * C::S1;
                    }
                }
            }
        }
        if (++step == period) {  // group g is in: it leaves while g + 1 arrives
            writes = C::WRITES;
            ++g;
            reads = g < C::GROUPS ? C::READS : 0;
            period = reads > writes ? reads : writes;
            step = rd = read_acc = write_acc = 0;
            m = d0 = d1 = a = 0;
        }
    }
}

}  // namespace licc

#endif
