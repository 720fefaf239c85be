// licc kernel library: generalized divisive normalization (GDN, IGDN).
#ifndef LICC_GDN_H
#define LICC_GDN_H

#include "licc/types.h"

namespace licc {

// Per pixel: n[o] = norm(beta[o] + sum_j gamma[o][j] * prologue(x[j])) and
// y[o] = epilogue(x[o] * n[o]). The norm is an MVAU over the pixel's channels
// (PE outputs x SIMD inputs per cycle, NF folds of SF steps); x itself waits
// in `xs` (the x path) until its channel's norm is ready. Weights:
// g[nf * SF + sf][pe][s] holds gamma[nf * PE + pe][sf * SIMD + s].
template <class C>
void gdn(hls::stream<vec<typename C::in_t, C::SIMD> > &in,
         hls::stream<vec<typename C::out_t, C::PE> > &out,
         const typename C::w_t (&g)[C::NF * C::SF][C::PE][C::SIMD]) {
    typedef typename C::in_t in_t;
    typedef typename C::op_t op_t;
    typedef typename C::acc_t acc_t;
    static in_t xs[C::CH];
#pragma HLS ARRAY_PARTITION variable = xs type = cyclic factor = C::PE
    static vec<op_t, C::SIMD> replay[C::SF];
    static acc_t acc[C::PE];
#pragma HLS ARRAY_PARTITION variable = acc type = complete

    int sf = 0, nf = 0;
    for (int i = 0; i < C::PIXELS * C::NF * C::SF; i++) {
#pragma HLS PIPELINE II = 1
        vec<op_t, C::SIMD> q;
        if (nf == 0) {
            const vec<in_t, C::SIMD> x = in.read();
            for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                xs[sf * C::SIMD + s] = x.v[s];
                q.v[s] = C::prologue(x.v[s], sf * C::SIMD + s);
            }
            replay[sf] = q;
        } else {
            q = replay[sf];
        }
        for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
            acc_t a = sf == 0 ? C::beta(nf * C::PE + pe) : acc[pe];
            for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                a += mul<acc_t>(g[nf * C::SF + sf][pe][s], q.v[s]);
            }
            acc[pe] = a;
        }
        if (sf == C::SF - 1) {
            vec<typename C::out_t, C::PE> y;
            for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
                const int o = nf * C::PE + pe;
                y.v[pe] = C::epilogue(C::norm(acc[pe], o), xs[o], o);
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
