// licc kernel library: a frame the model's stride does not divide, padded at the
// design's input and cropped at the decoder's output.
#ifndef LICC_PAD_H
#define LICC_PAD_H

#include "licc/types.h"

namespace licc {

// Edge replication to the next stride multiple, at the bottom and right: one loop
// over the padded frame's beats (ROWS x COLS pixels, FOLDS beats of LANES channels
// each), writing one every iteration. While input rows last (KEPT_ROWS), the first
// KEPT_COLS pixels of a row are read and passed on, and the row's last pixel is
// written again to the padded width; the rows after it repeat the last input row,
// which a row buffer keeps (only when rows are added).
// Schedule: hls_schedule.frame_schedule.
template <class C>
void pad(hls::stream<vec<typename C::T, C::LANES> > &in, hls::stream<vec<typename C::T, C::LANES> > &out) {
    typedef vec<typename C::T, C::LANES> beat_t;
    const bool rows_added = C::ROWS > C::KEPT_ROWS;
    static beat_t row[rows_added ? C::KEPT_COLS * C::FOLDS : 1];
    beat_t last[C::FOLDS];
#pragma HLS ARRAY_PARTITION variable = last complete
    int y = 0, x = 0, f = 0, k = 0;  // k: the beat within the kept part of the row
    for (int i = 0; i < C::ITERS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        beat_t b;
        if (x < C::KEPT_COLS) {
            if (y < C::KEPT_ROWS) {
                b = in.read();
                LICC_COUNT_READ(C, i);
                if (rows_added) row[k] = b;
                last[f] = b;
            } else {
                b = row[k];
            }
            k++;
        } else {
            b = last[f];  // the last pixel of the current (or the last input) row
        }
        out.write(b);
        LICC_COUNT_WRITE(C, i);
        if (++f == C::FOLDS) {
            f = 0;
            if (++x == C::COLS) {
                x = k = 0;
                y++;
            }
        }
    }
}

// The top-left KEPT_ROWS x KEPT_COLS pixels of the padded frame (ROWS x COLS): every
// beat is read, those of the corner are written (the first KEPT_COLS * FOLDS beats of
// each of the first KEPT_ROWS rows). Schedule: hls_schedule.frame_schedule.
template <class C>
void crop(hls::stream<vec<typename C::T, C::LANES> > &in, hls::stream<vec<typename C::T, C::LANES> > &out) {
    int y = 0, x = 0, f = 0;
    for (int i = 0; i < C::ITERS; i++) {
#pragma HLS PIPELINE II = 1
        LICC_COUNT_ITER(C);
        const vec<typename C::T, C::LANES> b = in.read();
        LICC_COUNT_READ(C, i);
        if (y < C::KEPT_ROWS && x < C::KEPT_COLS) {
            out.write(b);
            LICC_COUNT_WRITE(C, i);
        }
        if (++f == C::FOLDS) {
            f = 0;
            if (++x == C::COLS) {
                x = 0;
                y++;
            }
        }
    }
}

}  // namespace licc

#endif
