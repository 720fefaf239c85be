// licc kernel library: elementwise stages and width converters.
#ifndef LICC_POINTWISE_H
#define LICC_POINTWISE_H

#include "licc/types.h"

namespace licc {

// y = apply(x, channel) on every element, LANES channels per beat.
template <class C>
void pointwise(hls::stream<vec<typename C::in_t, C::LANES> > &in,
               hls::stream<vec<typename C::out_t, C::LANES> > &out) {
    int c0 = 0;
    for (int i = 0; i < C::PIXELS * C::CH / C::LANES; i++) {
#pragma HLS PIPELINE II = 1
        const vec<typename C::in_t, C::LANES> x = in.read();
        vec<typename C::out_t, C::LANES> y;
        for (int l = 0; l < C::LANES; l++) {
#pragma HLS UNROLL
            y.v[l] = C::apply(x.v[l], c0 + l);
        }
        out.write(y);
        c0 += C::LANES;
        if (c0 == C::CH) c0 = 0;
    }
}

// Regroups a stream from IN to OUT lanes, G = lcm(IN, OUT) elements at a time:
// group g arrives while group g - 1 leaves, over a period of max(G/IN, G/OUT)
// cycles, reads and writes each spread evenly over it.
template <class C>
void lanes(hls::stream<vec<typename C::T, C::IN> > &in,
           hls::stream<vec<typename C::T, C::OUT> > &out) {
    const int READS = C::G / C::IN, WRITES = C::G / C::OUT;
    const int PERIOD = READS > WRITES ? READS : WRITES;
    static typename C::T buf[2][C::G];
#pragma HLS ARRAY_PARTITION variable = buf type = complete dim = 0
    int g = 0, step = 0, rd = 0, wr = 0, read_acc = 0, write_acc = 0;
    for (int i = 0; i < (C::GROUPS + 1) * PERIOD; i++) {
#pragma HLS PIPELINE II = 1
        read_acc += g < C::GROUPS ? READS : 0;
        if (read_acc >= PERIOD) {
            read_acc -= PERIOD;
            const vec<typename C::T, C::IN> x = in.read();
            for (int l = 0; l < C::IN; l++) {
#pragma HLS UNROLL
                buf[g % 2][rd * C::IN + l] = x.v[l];
            }
            ++rd;
        }
        write_acc += g > 0 ? WRITES : 0;
        if (write_acc >= PERIOD) {
            write_acc -= PERIOD;
            vec<typename C::T, C::OUT> y;
            for (int l = 0; l < C::OUT; l++) {
#pragma HLS UNROLL
                y.v[l] = buf[(g + 1) % 2][wr * C::OUT + l];
            }
            out.write(y);
            ++wr;
        }
        if (++step == PERIOD) {
            step = rd = wr = read_acc = write_acc = 0;
            ++g;
        }
    }
}

}  // namespace licc

#endif
