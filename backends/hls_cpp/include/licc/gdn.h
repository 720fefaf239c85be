// licc kernel library: generalized divisive normalization (GDN, IGDN).
#ifndef LICC_GDN_H
#define LICC_GDN_H

#include "licc/types.h"

namespace licc {

// Per pixel: n[o] = norm(beta[o] + sum_j gamma[o][j] * prologue(x[j])) and
// y[o] = epilogue(x[o] * n[o]). The norm is an MVAU over the pixel's channels
// (MMV pixels at once sharing each gamma word, PE outputs x SIMD inputs per
// cycle, NF folds of SF steps per group of MMV pixels, beats laid out as the
// MVAU's); x itself waits in `xs` (the x path, one row of channels per
// pixel) until its channel's norm is ready. The norm's products are C::mul,
// the x path's C::epilogue's. Weights: g[nf * SF + sf][pe][s] holds
// gamma[nf * PE + pe][sf * SIMD + s]. The norm and x path of a fold's lanes
// are shared as the MVAU's epilogue is (LAG > 0: EPI units over the LAG
// iterations after the fold; a lane's x moves to `done_x` with its
// accumulator, before the next group's x overwrite `xs`).
template <class C>
void gdn(hls::stream<vec<typename C::in_t, C::SIMD * C::MMV> > &in,
         hls::stream<vec<typename C::out_t, C::PE * C::MMV> > &out,
         const typename C::w_t (&g)[C::NF * C::SF][C::PE][C::SIMD]) {
    typedef typename C::in_t in_t;
    typedef typename C::op_t op_t;
    typedef typename C::acc_t acc_t;
    typedef vec<typename C::out_t, C::PE * C::MMV> out_beat;
    const int LANES = C::PE * C::MMV, STEPS = C::GROUPS * C::NF * C::SF;
    static in_t xs[C::MMV][C::CH];
#pragma HLS ARRAY_PARTITION variable = xs type = complete dim = 1
#pragma HLS ARRAY_PARTITION variable = xs type = cyclic factor = C::PE dim = 2
    static vec<op_t, C::SIMD * C::MMV> replay[C::SF];
    static acc_t acc[C::MMV][C::PE];
#pragma HLS ARRAY_PARTITION variable = acc type = complete dim = 0
    static acc_t done[LANES];
    static in_t done_x[LANES];
#pragma HLS ARRAY_PARTITION variable = done type = complete dim = 0
#pragma HLS ARRAY_PARTITION variable = done_x type = complete dim = 0
    static out_beat y;

    int sf = 0, nf = 0, k = C::LAG, done_nf = 0;  // k: the shared units' step (LAG: idle)
    for (int i = 0; i < STEPS + C::LAG; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        if (k < C::LAG) {
            for (int e = 0; e < C::EPI; e++) {
#pragma HLS UNROLL
                const int j = k * C::EPI + e, o = done_nf * C::PE + j % C::PE;
                if (j < LANES) y.v[j] = C::epilogue(C::norm(LICC_FAULT_ACC(C, done[j], o), o), done_x[j], o);
            }
            if (++k == C::LAG) {
                out.write(y);
                LICC_COUNT_WRITE(C, i);
            }
        }
        if (i >= STEPS) continue;
        vec<op_t, C::SIMD * C::MMV> q;
        if (nf == 0) {
            const vec<in_t, C::SIMD * C::MMV> x = in.read();
            LICC_COUNT_READ(C, i);
            for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                    const int c = sf * C::SIMD + s;
                    xs[m][c] = x.v[m * C::SIMD + s];
                    q.v[m * C::SIMD + s] = C::prologue(x.v[m * C::SIMD + s], c);
                }
            }
            replay[sf] = q;
        } else {
            q = replay[sf];
        }
        for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
            for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                acc_t a = sf == 0 ? C::beta(nf * C::PE + pe) : acc[m][pe];
                for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                    a += C::mul(g[nf * C::SF + sf][pe][s], q.v[m * C::SIMD + s]);
                }
                acc[m][pe] = a;
            }
        }
        if (sf == C::SF - 1) {
            for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                    const int o = nf * C::PE + pe;
                    if (C::LAG == 0) {
                        y.v[m * C::PE + pe] = C::epilogue(C::norm(LICC_FAULT_ACC(C, acc[m][pe], o), o), xs[m][o], o);
                    } else {
                        done[m * C::PE + pe] = acc[m][pe];
                        done_x[m * C::PE + pe] = xs[m][o];
                    }
                }
            }
            if (C::LAG == 0) {
                out.write(y);
                LICC_COUNT_WRITE(C, i);
            } else {
                done_nf = nf;
                k = 0;
            }
        }
        if (++sf == C::SF) {
            sf = 0;
            if (++nf == C::NF) nf = 0;
        }
    }
}

}  // namespace licc

#endif
