// licc kernel library: the sub-pixel reorder (pixel shuffle and unshuffle).
#ifndef LICC_SHUFFLE_H
#define LICC_SHUFFLE_H

#include "licc/types.h"

namespace licc {

// Groups of GROUP elements (an input row for a shuffle, r input rows for an
// unshuffle) arrive in raster order, IN_LANES per beat, and leave in the
// output's raster order, OUT_LANES per beat: output element e of a group is
// element C::src(e) of the input group. Group g arrives while group g - 1
// leaves, over a period of the larger of READS and WRITES, reads and writes
// each spread evenly over it (hls_schedule.shuffle_schedule).
template <class C>
void shuffle(hls::stream<vec<typename C::T, C::IN_LANES> > &in, hls::stream<vec<typename C::T, C::OUT_LANES> > &out) {
    static typename C::T buf[2][C::GROUP];
    int g = 0, step = 0, rd = 0, wr = 0, read_acc = 0, write_acc = 0;
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
                y.v[l] = buf[(g + 1) % 2][C::src(wr * C::OUT_LANES + l)];
            }
            out.write(y);
            wr++;
            LICC_COUNT_WRITE(C, i);
        }
        if (++step == period) {  // group g is in: it leaves while g + 1 arrives
            writes = C::WRITES;
            ++g;
            reads = g < C::GROUPS ? C::READS : 0;
            period = reads > writes ? reads : writes;
            step = rd = wr = read_acc = write_acc = 0;
        }
    }
}

}  // namespace licc

#endif
