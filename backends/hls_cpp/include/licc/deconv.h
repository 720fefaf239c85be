// licc kernel library: polyphase transposed convolution.
//
// Output pixel (Y, X) of phase (ry, rx) = (Y mod SH, X mod SW) sees only the
// kernel taps ky = (ry + PH) mod SH + j * SH (likewise kx), at input row
// iy = (Y + PH - ky) / SH: a small convolution of the input per phase, so no
// multiply meets an inserted zero. Two schedules (dialects/hls_geometry.py,
// DeconvGeometry; cycle by cycle in lic_compiler/hls_schedule.py): phases in
// turn, and all phases at once. Both read any beat (IN_LANES channels of
// IN_PIXELS pixels) into a line buffer of RING rows.
#ifndef LICC_DECONV_H
#define LICC_DECONV_H

#include "licc/types.h"

namespace licc {

// Input rows that must have arrived before output row Y (phases in turn).
template <class C>
inline int deconv_rows_needed(int y) {
    if (y >= C::HO) return C::H;
    const int rows = (y + C::PH) / C::SH + 1;
    return rows < C::H ? rows : C::H;
}

// Input rows that must have arrived before block row q (phases at once).
template <class C>
inline int deconv_block_rows_needed(int q) {
    if (q >= C::QH) return C::H;
    const int y = q * C::SH + C::SH - 1 < C::HO - 1 ? q * C::SH + C::SH - 1 : C::HO - 1;
    const int rows = (y + C::PH) / C::SH + 1;
    return rows < C::H ? rows : C::H;
}

template <class C>
inline typename C::in_t deconv_input(const typename C::in_t (&lines)[C::RING][C::W * C::CIN],
                                     int y, int x, int ky, int kx, int c) {
#pragma HLS INLINE
    const int iy = (y + C::PH - ky) / C::SH, ix = (x + C::PW - kx) / C::SW;  // exact divisions
    const bool inside = iy >= 0 && iy < C::H && ix >= 0 && ix < C::W;
    return inside ? lines[iy % C::RING][ix * C::CIN + c] : typename C::in_t(0);
}

// Phases in turn: output pixels in raster order, each reducing over its
// phase's TAPS(ph) * CIN products in STEPS(ph) steps of SIMD lanes (the last
// step's spare lanes multiply zeros), for NF folds of PE output channels.
// While output row Y is computed the input rows of Y + 1 arrive; computing
// steps and reads are each spread evenly over the row's period. Weights:
// w[BASE(ph) + nf * STEPS(ph) + st][pe][s] multiplies reduction element
// st * SIMD + s = (jy * TX(rx) + jx) * CIN + c of output nf * PE + pe.
template <class C>
void deconv_in_turn(hls::stream<vec<typename C::in_t, C::IN_LANES * C::IN_PIXELS> > &in,
                    hls::stream<vec<typename C::out_t, C::PE> > &out,
                    const typename C::w_t (&w)[C::WORDS][C::PE][C::SIMD]) {
    typedef typename C::acc_t acc_t;
    const int ROW_BEATS = row_beats<C::CIN, C::W, C::IN_LANES, C::IN_PIXELS>::value;
    static typename C::in_t lines[C::RING][C::W * C::CIN];
#pragma HLS ARRAY_PARTITION variable = lines type = complete dim = 1
    static acc_t acc[C::PE];
#pragma HLS ARRAY_PARTITION variable = acc type = complete

    int rd = 0, oy = -1, ox = 0, nf = 0, st = 0;
    int reads = deconv_rows_needed<C>(0) * ROW_BEATS, work = 0, period = reads;
    int read_acc = 0, work_acc = 0, step = 0;
    for (int i = 0; i < C::ITERS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        work_acc += work;
        if (work_acc >= period) {
            work_acc -= period;
            const int ry = oy % C::SH, rx = ox % C::SW, ph = ry * C::SW + rx;
            const int steps = C::STEPS(ph);
            for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                acc_t a = st == 0 ? C::bias(nf * C::PE + pe) : acc[pe];
                for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                    const int e = st * C::SIMD + s, t = e / C::CIN, c = e % C::CIN;
                    if (t < C::TY(ry) * C::TX(rx)) {
                        const int ky = (ry + C::PH) % C::SH + (t / C::TX(rx)) * C::SH;
                        const int kx = (rx + C::PW) % C::SW + (t % C::TX(rx)) * C::SW;
                        a += C::mul(w[C::BASE(ph) + nf * steps + st][pe][s],
                                    deconv_input<C>(lines, oy, ox, ky, kx, c));
                    }
                }
                acc[pe] = a;
            }
            if (++st == steps) {
                vec<typename C::out_t, C::PE> y;
                for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                    y.v[pe] = C::epilogue(LICC_FAULT_ACC(C, acc[pe], nf * C::PE + pe), nf * C::PE + pe);
                }
                out.write(y);
                LICC_COUNT_WRITE(C, i);
                st = 0;
                if (++nf == C::NF) {
                    nf = 0;
                    ++ox;
                }
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
            reads = (deconv_rows_needed<C>(oy + 1) - deconv_rows_needed<C>(oy)) * ROW_BEATS;
            work = oy < C::HO ? C::ROW_WORK(oy % C::SH) : 0;
            period = work > reads ? work : reads;
            read_acc = work_acc = step = 0;
        }
    }
}

// Phases at once: for every block of SH x SW output pixels (block row q,
// block column qx) all phases are computed together, SIMD = E channels of
// every tap of every phase per cycle, CIN / E steps per fold, and MMV
// consecutive blocks of a block row at once (QG = ceil(QW / MMV) groups, the
// last one partial when MMV does not divide QW: its blocks beyond the row
// read zeros and are not kept) sharing each weight word. Results wait in `outs` until their block row is
// complete and leave while the next block row is computed: pixel groups of
// OUT_PIX pixels in raster order, NF beats of PE channels each
// (v[p * PE + pe]). Per block-row period: computing steps, leaving beats and
// arriving beats are each spread evenly over the most of the three. Lane s
// multiplies tap (LANE_KY(s), LANE_KX(s)) of phase LANE_PH(s), channel
// st * E + LANE_CE(s); w[nf * ST + st][pe][s] holds its weight.
template <class C>
void deconv_at_once(hls::stream<vec<typename C::in_t, C::IN_LANES * C::IN_PIXELS> > &in,
                    hls::stream<vec<typename C::out_t, C::PE * C::OUT_PIX> > &out,
                    const typename C::w_t (&w)[C::NF * C::ST][C::PE][C::SIMD]) {
    typedef typename C::acc_t acc_t;
    typedef typename C::out_t out_t;
    const int ROW_BEATS = row_beats<C::CIN, C::W, C::IN_LANES, C::IN_PIXELS>::value;
    const int PHASES = C::SH * C::SW;
    const int WORK = C::QG * C::NF * C::ST;
    const int OUT_GROUPS = C::WO / C::OUT_PIX;
    static typename C::in_t lines[C::RING][C::W * C::CIN];
#pragma HLS ARRAY_PARTITION variable = lines type = complete dim = 1
    static out_t outs[2][C::SH][C::WO][C::COUT];
#pragma HLS ARRAY_PARTITION variable = outs type = complete dim = 2
    static acc_t acc[C::MMV][PHASES][C::PE];
#pragma HLS ARRAY_PARTITION variable = acc type = complete dim = 0

    int rd = 0, q = -1, qg = 0, nf = 0, st = 0;  // block row -1: the first rows arriving
    int dy = 0, dg = 0, dnf = 0;                 // the beat leaving next
    int reads = deconv_block_rows_needed<C>(0) * ROW_BEATS, work = 0, drain = 0, period = reads;
    int read_acc = 0, work_acc = 0, drain_acc = 0, step = 0;
    for (int i = 0; i < C::ITERS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        drain_acc += drain;
        if (drain_acc >= period) {
            drain_acc -= period;
            vec<out_t, C::PE * C::OUT_PIX> y;
            for (int p = 0; p < C::OUT_PIX; p++) {
#pragma HLS UNROLL
                for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                    y.v[p * C::PE + pe] = outs[(q + 1) % 2][dy][dg * C::OUT_PIX + p][dnf * C::PE + pe];
                }
            }
            out.write(y);
            LICC_COUNT_WRITE(C, i);
            if (++dnf == C::NF) {
                dnf = 0;
                if (++dg == OUT_GROUPS) {
                    dg = 0;
                    ++dy;
                }
            }
        }
        work_acc += work;
        if (work_acc >= period) {
            work_acc -= period;
            for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                const int qx = qg * C::MMV + m;
                for (int ph = 0; ph < PHASES; ph++) {
#pragma HLS UNROLL
                    for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                        acc[m][ph][pe] = st == 0 ? C::bias(nf * C::PE + pe) : acc[m][ph][pe];
                    }
                }
                for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                    const int ph = C::LANE_PH(s);
                    const int y = q * C::SH + ph / C::SW, x = qx * C::SW + ph % C::SW;
                    const typename C::in_t v =
                        deconv_input<C>(lines, y, x, C::LANE_KY(s), C::LANE_KX(s), st * C::E + C::LANE_CE(s));
                    for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                        acc[m][ph][pe] += C::mul(w[nf * C::ST + st][pe][s], v);
                    }
                }
            }
            if (++st == C::ST) {
                for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                    for (int ph = 0; ph < PHASES; ph++) {
#pragma HLS UNROLL
                        const int ry = ph / C::SW, x = (qg * C::MMV + m) * C::SW + ph % C::SW;
                        if (q * C::SH + ry < C::HO && x < C::WO) {
                            for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                                outs[q % 2][ry][x][nf * C::PE + pe] =
                                    C::epilogue(LICC_FAULT_ACC_AT(C, acc[m][ph][pe], nf * C::PE + pe, q * C::SH + ry, x),
                                                nf * C::PE + pe);
                            }
                        }
                    }
                }
                st = 0;
                if (++nf == C::NF) {
                    nf = 0;
                    ++qg;
                }
            }
        }
        read_acc += reads;
        if (read_acc >= period) {
            read_acc -= period;
            store_beat<C::CIN, C::W, C::IN_LANES, C::IN_PIXELS>(lines, rd++, in.read());
            LICC_COUNT_READ(C, i);
        }
        if (++step == period) {  // the next block row's period
            ++q;
            qg = dy = dg = dnf = 0;
            reads = (deconv_block_rows_needed<C>(q + 1) - deconv_block_rows_needed<C>(q)) * ROW_BEATS;
            work = q < C::QH ? WORK : 0;
            const int rows = C::HO - (q - 1) * C::SH < C::SH ? C::HO - (q - 1) * C::SH : C::SH;
            drain = q >= 1 ? rows * OUT_GROUPS * C::NF : 0;
            period = work > reads ? work : reads;
            period = drain > period ? drain : period;
            read_acc = work_acc = drain_acc = step = 0;
        }
    }
}

}  // namespace licc

#endif
