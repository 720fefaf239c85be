// licc kernel library: the matrix-vector unit (MVAU) of a convolution.
#ifndef LICC_MVAU_H
#define LICC_MVAU_H

#include "licc/types.h"

namespace licc {

// For every pixel: y[o] = epilogue(bias[o] + sum_k w[o][k] * x[k]), exact in
// acc_t. PE output channels x SIMD inputs per cycle; NF = COUT / PE folds of
// SF = K / SIMD steps. The input vector arrives during fold 0 and is replayed
// from `replay` for the other folds. Weights: w[nf * SF + sf][pe][s] holds
// weight[nf * PE + pe][sf * SIMD + s].
template <class C>
void mvau(hls::stream<vec<typename C::in_t, C::SIMD> > &in,
          hls::stream<vec<typename C::out_t, C::PE> > &out,
          const typename C::w_t (&w)[C::NF * C::SF][C::PE][C::SIMD]) {
    typedef typename C::in_t in_t;
    typedef typename C::acc_t acc_t;
    static vec<in_t, C::SIMD> replay[C::SF];
    static acc_t acc[C::PE];
#pragma HLS ARRAY_PARTITION variable = acc type = complete

    int sf = 0, nf = 0;
    for (int i = 0; i < C::PIXELS * C::NF * C::SF; i++) {
#pragma HLS PIPELINE II = 1
        vec<in_t, C::SIMD> x;
        if (nf == 0) {
            x = in.read();
            replay[sf] = x;
        } else {
            x = replay[sf];
        }
        for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
            acc_t a = sf == 0 ? C::bias(nf * C::PE + pe) : acc[pe];
            for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                a += mul<acc_t>(w[nf * C::SF + sf][pe][s], x.v[s]);
            }
            acc[pe] = a;
        }
        if (sf == C::SF - 1) {
            vec<typename C::out_t, C::PE> y;
            for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                y.v[pe] = C::epilogue(acc[pe], nf * C::PE + pe);
            }
            out.write(y);
        }
        if (++sf == C::SF) {
            sf = 0;
            if (++nf == C::NF) nf = 0;
        }
    }
}

}  // namespace licc

#endif
