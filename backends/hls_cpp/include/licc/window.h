// licc kernel library: the sliding-window generator of a convolution.
#ifndef LICC_WINDOW_H
#define LICC_WINDOW_H

#include "licc/types.h"

namespace licc {

// Input rows that must have arrived before output row `o` is emitted
// (all of them once every output row is out).
template <class C>
inline int window_rows_needed(int o) {
    if (o >= C::HO) return C::H;
    const int last = o * C::SH - C::PH + C::KH;
    return last < C::H ? last : C::H;
}

// Reads a CIN×H×W tensor (IN_LANES channels of IN_PIXELS pixels per beat)
// and emits, for every group of MMV output pixels in raster order (the last
// of a row padded with zeros when MMV does not divide WO), their KH·KW·CIN
// windows in (ky, kx, c) order, SIMD elements of each of the MMV pixels per
// beat (v[m * SIMD + s]), zero outside the input. Rows live in a
// ring of RING rows; while output row `oy` is emitted the rows of `oy + 1`
// arrive, reads and emissions each spread evenly over the row's period of
// max(emissions, reads) cycles (lic_compiler/hls_schedule.py).
template <class C>
void window(hls::stream<vec<typename C::T, C::IN_LANES * C::IN_PIXELS> > &in,
            hls::stream<vec<typename C::T, C::SIMD * C::MMV> > &out) {
    typedef typename C::T T;
    const int ROW = C::W * C::CIN;
    const int ROW_BEATS = row_beats<C::CIN, C::W, C::IN_LANES, C::IN_PIXELS>::value;
    const int SF = C::KH * C::KW * C::CIN / C::SIMD;
    const int EMITS = (C::WO + C::MMV - 1) / C::MMV * SF;  // the last group may be partial
    static T lines[C::RING][ROW];
#pragma HLS ARRAY_PARTITION variable = lines type = complete dim = 1
#pragma HLS ARRAY_PARTITION variable = lines type = cyclic factor = C::SIMD dim = 2

    int rd = 0;                   // beats read in this frame
    int oy = -1, ox = 0, sf = 0;  // row -1: the first rows arriving; ox: the group's first pixel
    int reads = window_rows_needed<C>(0) * ROW_BEATS, period = reads;
    int read_acc = 0, emit_acc = 0, step = 0;
    for (int i = 0; i < C::ITERS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        const int emits = oy < 0 ? 0 : EMITS;
        emit_acc += emits;
        if (emit_acc >= period) {
            emit_acc -= period;
            vec<T, C::SIMD * C::MMV> beat;
            for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                    const int k = sf * C::SIMD + s;
                    const int ky = k / (C::KW * C::CIN), kx = (k / C::CIN) % C::KW, c = k % C::CIN;
                    const int iy = oy * C::SH - C::PH + ky, ix = (ox + m) * C::SW - C::PW + kx;
                    const bool inside = iy >= 0 && iy < C::H && ix >= 0 && ix < C::W && ox + m < C::WO;
                    beat.v[m * C::SIMD + s] = inside ? lines[iy % C::RING][ix * C::CIN + c] : T(0);
                }
            }
            out.write(beat);
            LICC_COUNT_WRITE(C, i);
            if (++sf == SF) {
                sf = 0;
                ox += C::MMV;
            }
        }
        read_acc += reads;
        if (read_acc >= period) {
            read_acc -= period;
            store_beat<C::CIN, C::W, C::IN_LANES, C::IN_PIXELS>(lines, rd++, in.read());
            LICC_COUNT_READ(C, i);
        }
        if (++step == period) {  // the next output row's period
            ++oy;
            ox = 0;
            reads = (window_rows_needed<C>(oy + 1) - window_rows_needed<C>(oy)) * ROW_BEATS;
            period = EMITS > reads ? EMITS : reads;
            read_acc = emit_acc = step = 0;
        }
    }
}

}  // namespace licc

#endif
