// licc kernel library: the matrix-vector unit (MVAU) of a convolution.
#ifndef LICC_MVAU_H
#define LICC_MVAU_H

#include "licc/types.h"

namespace licc {

// One step of the PE × MMV accumulators: each adds (to its bias when sf = 0)
// its SIMD products, C::mul each.
template <class C>
struct plain_mac {
    static void mac(typename C::acc_t (&acc)[C::MMV][C::PE], const typename C::w_t (&w)[C::PE][C::SIMD],
                    const vec<typename C::in_t, C::SIMD * C::MMV> &x, int sf, int nf) {
        typedef typename C::acc_t acc_t;
        for (int pe = 0; pe < C::PE; pe++) {
#pragma HLS UNROLL
            for (int m = 0; m < C::MMV; m++) {
#pragma HLS UNROLL
                acc_t a = sf == 0 ? C::bias(nf * C::PE + pe) : acc[m][pe];
                for (int s = 0; s < C::SIMD; s++) {
#pragma HLS UNROLL
                    a += C::mul(w[pe][s], x.v[m * C::SIMD + s]);
                }
                acc[m][pe] = a;
            }
        }
    }
};

// The same step with PACK_W weights × PACK_A pixels per DSP48E2 multiply
// (lic_compiler/hw/primitives.py, `packing`): the packed weight
// Σ_i w_i·2^(i·PACK_A·S) (W_PORT bits) times the packed pixels Σ_j x_j·2^(j·S)
// (A_PORT bits) puts product (i, j) in the S-bit field at (i·PACK_A + j)·S of
// the 48-bit P; CHAIN packed products sum in P (the DSP cascade), then each
// field leaves from the bottom, sign-extended, its borrow subtracted before
// the shift. Exact when every field's sum fits its field: the packing rule.
template <class C>
struct packed_mac {
    typedef int_t<C::W_PORT> wp_t;
    typedef int_t<C::A_PORT> ap_t;
    typedef int_t<48> p_t;
    static const int FIELDS = C::PACK_W * C::PACK_A;

    static p_t low_field(const p_t &p) {
        const p_t low = p & p_t((int64_t(1) << C::PACK_S) - 1);
        return low >= p_t(int64_t(1) << (C::PACK_S - 1)) ? p_t(low - p_t(int64_t(1) << C::PACK_S)) : low;
    }

    static void mac(typename C::acc_t (&acc)[C::MMV][C::PE], const typename C::w_t (&w)[C::PE][C::SIMD],
                    const vec<typename C::in_t, C::SIMD * C::MMV> &x, int sf, int nf) {
        typedef typename C::acc_t acc_t;
        for (int pg = 0; pg < C::PE / C::PACK_W; pg++) {
#pragma HLS UNROLL
            for (int mg = 0; mg < C::MMV / C::PACK_A; mg++) {
#pragma HLS UNROLL
                acc_t sum[FIELDS];
#pragma HLS ARRAY_PARTITION variable = sum type = complete dim = 0
                for (int f = 0; f < FIELDS; f++) {
#pragma HLS UNROLL
                    const int pe = pg * C::PACK_W + f / C::PACK_A, m = mg * C::PACK_A + f % C::PACK_A;
                    sum[f] = sf == 0 ? C::bias(nf * C::PE + pe) : acc[m][pe];
                }
                for (int c = 0; c < C::SIMD; c += C::CHAIN) {
#pragma HLS UNROLL
                    p_t p = 0;
                    for (int s = c; s < c + C::CHAIN && s < C::SIMD; s++) {
#pragma HLS UNROLL
                        wp_t wp = 0;
                        for (int i = 0; i < C::PACK_W; i++) {
#pragma HLS UNROLL
                            wp += wp_t(w[pg * C::PACK_W + i][s]) * wp_t(int64_t(1) << (i * C::PACK_A * C::PACK_S));
                        }
                        ap_t xp = 0;
                        for (int j = 0; j < C::PACK_A; j++) {
#pragma HLS UNROLL
                            xp += ap_t(x.v[(mg * C::PACK_A + j) * C::SIMD + s]) * ap_t(int64_t(1) << (j * C::PACK_S));
                        }
                        const p_t product = mul<p_t>(wp, xp);
#pragma HLS BIND_OP variable = product op = mul impl = dsp
                        p += product;
                    }
                    for (int f = 0; f < FIELDS; f++) {
#pragma HLS UNROLL
                        const p_t field = f < FIELDS - 1 ? low_field(p) : p;
                        sum[f] += acc_t(field);
                        p = (p - field) >> C::PACK_S;
                    }
                }
                for (int f = 0; f < FIELDS; f++) {
#pragma HLS UNROLL
                    acc[mg * C::PACK_A + f % C::PACK_A][pg * C::PACK_W + f / C::PACK_A] = sum[f];
                }
            }
        }
    }
};

// For every pixel: y[o] = epilogue(bias[o] + sum_k w[o][k] * x[k]), exact in
// acc_t. MMV pixels at once, sharing each weight word; PE output channels x
// SIMD inputs per cycle; per group of MMV pixels NF = COUT / PE folds of
// SF = K / SIMD steps. The input vectors arrive during fold 0 (beat sf holds
// x[sf * SIMD + s] of pixel m in v[m * SIMD + s]) and are replayed from
// `replay` for the other folds; each fold writes PE channels of the MMV
// pixels (v[m * PE + pe]). Products are C::mul (where they are computed is
// the stage's mult_impl), or several per DSP48E2 with M = packed_mac<C>.
// Weights: w[nf * SF + sf][pe][s] holds weight[nf * PE + pe][sf * SIMD + s]
// (dialects/hls_geometry.py, mvau_layout).
//
// The epilogue (MvauGeometry.epilogue): with LAG = 0 every lane has its own
// and the beat leaves in the fold's last iteration; otherwise the fold's
// PE * MMV accumulators move to `done` and EPI shared units finish EPI lanes
// per iteration over the next LAG iterations (LAG <= SF: before the next
// fold ends), the beat leaving after the last; the loop runs LAG iterations
// past the last fold.
template <class C, class M = plain_mac<C> >
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
        M::mac(acc, w[nf * C::SF + sf], x, sf, nf);
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
