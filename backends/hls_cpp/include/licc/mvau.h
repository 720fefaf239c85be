// licc kernel library: the matrix-vector unit (MVAU) of a convolution.
#ifndef LICC_MVAU_H
#define LICC_MVAU_H

#include "licc/types.h"

namespace licc {

// For every pixel: y[o] = epilogue(bias[o] + sum_k w[o][k] * x[k]), exact in
// acc_t. MMV pixels at once, sharing each weight word; PE output channels x
// SIMD inputs per cycle; per group of MMV pixels NF = COUT / PE folds of
// SF = K / SIMD steps. The input vectors arrive during fold 0 (beat sf holds
// x[sf * SIMD + s] of pixel m in v[m * SIMD + s]) and are replayed from
// `replay` for the other folds; each fold writes PE channels of the MMV
// pixels (v[m * PE + pe]). Products are C::mul (where they are computed is
// the stage's mult_impl). Weights: w[nf * SF + sf][pe][s] holds
// weight[nf * PE + pe][sf * SIMD + s] (dialects/hls_geometry.py, mvau_layout).
//
// The epilogue (MvauGeometry.epilogue): with LAG = 0 every lane has its own
// and the beat leaves in the fold's last iteration; otherwise the fold's
// PE * MMV accumulators move to `done` and EPI shared units finish EPI lanes
// per iteration over the next LAG iterations (LAG <= SF: before the next
// fold ends), the beat leaving after the last; the loop runs LAG iterations
// past the last fold.
template <class C>
void mvau(hls::stream<vec<typename C::in_t, C::SIMD * C::MMV> > &in,
          hls::stream<vec<typename C::out_t, C::PE * C::MMV> > &out,
          const typename C::w_t (&w)[C::NF * C::SF][C::PE][C::SIMD]) {
    typedef typename C::in_t in_t;
    typedef typename C::acc_t acc_t;
    typedef vec<typename C::out_t, C::PE * C::MMV> out_beat;
    const int LANES = C::PE * C::MMV, STEPS = C::GROUPS * C::NF * C::SF;
    static vec<in_t, C::SIMD * C::MMV> replay[C::SF];
    static acc_t acc[C::MMV][C::PE];
#pragma HLS ARRAY_PARTITION variable = acc type = complete dim = 0
    static acc_t done[LANES];
#pragma HLS ARRAY_PARTITION variable = done type = complete dim = 0
    static out_beat y;

    int sf = 0, nf = 0, k = C::LAG, done_nf = 0;  // k: the shared units' step (LAG: idle)
    for (int i = 0; i < STEPS + C::LAG; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        if (k < C::LAG) {
            for (int e = 0; e < C::EPI; e++) {
#pragma HLS UNROLL
                const int j = k * C::EPI + e;
                if (j < LANES) y.v[j] = C::epilogue(LICC_FAULT_ACC(C, done[j], done_nf * C::PE + j % C::PE), done_nf * C::PE + j % C::PE);
            }
            if (++k == C::LAG) {
                out.write(y);
                LICC_COUNT_WRITE(C, i);
            }
        }
        if (i >= STEPS) continue;
        vec<in_t, C::SIMD * C::MMV> x;
        if (nf == 0) {
            x = in.read();
            LICC_COUNT_READ(C, i);
            replay[sf] = x;
        } else {
            x = replay[sf];
        }
        for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
            for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                acc_t a = sf == 0 ? C::bias(nf * C::PE + pe) : acc[m][pe];
                for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                    a += C::mul(w[nf * C::SF + sf][pe][s], x.v[m * C::SIMD + s]);
                }
                acc[m][pe] = a;
            }
        }
        if (sf == C::SF - 1) {
            if (C::LAG == 0) {
                for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                    for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                        y.v[m * C::PE + pe] = C::epilogue(LICC_FAULT_ACC(C, acc[m][pe], nf * C::PE + pe), nf * C::PE + pe);
                    }
                }
                out.write(y);
                LICC_COUNT_WRITE(C, i);
            } else {
                for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                    for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                        done[m * C::PE + pe] = acc[m][pe];
                    }
                }
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
