// RUN: licc-opt %s -p hls-size-fifos | filecheck %s

// Depths from the stages' schedules (lic_compiler/hls_schedule.py): a stream
// bridges its producer's longest pause in writing and its consumer's longest
// pause in reading, holding what the other side moves meanwhile. %c0 (the
// slowest stage, 9,216 cycles a frame) reads its 9 input beats in fold 0 of 4
// and pauses 27 cycles, while %w0 emits a beat a cycle: 27. %w1's longest
// pause, its first rows at the start of a frame, is not bridged: the stages
// after it are faster than %c0 by more than the pause, so it idles them
// without costing a frame any time; its pauses within a frame are short: 3.
// The polyphase stage reads a row of %c1 per
// block row; %c1's 4 lanes share one epilogue unit, so its beats leave 4 cycles
// after each fold: 31. The AXI input and output have no FIFO.

// CHECK: ^bb0(%in: !hls.stream<4x16x16xi8, lanes = 4, depth = 2>):
// CHECK-NEXT: %w0 = hls.window %in {{.*}} -> !hls.stream<36x16x16xi8, lanes = 4, depth = 27>
// CHECK-NEXT: %c0 = hls.mvau %w0 {{.*}} -> !hls.stream<8x16x16xi8, lanes = 2, depth = 8>
// CHECK-NEXT: %w1 = hls.window %c0 {{.*}} -> !hls.stream<200x8x8xi8, lanes = 50, depth = 3>
// CHECK-NEXT: %c1 = hls.mvau %w1 {{.*}} -> !hls.stream<4x8x8xi8, lanes = 4, depth = 31>
// CHECK-NEXT: %d = hls.deconv %c1 {{.*}} -> !hls.stream<2x16x16xi8, lanes = 2, depth = 2>
// CHECK-NEXT: %p = hls.pointwise %d {{.*}} -> !hls.stream<2x16x16xi8, lanes = 2, depth = 2>
// CHECK-NEXT: hls.yield %p

func.func @fifos(%x: tensor<1x4x16x16xi8>) -> tensor<1x2x16x16xi8> {
  %0 = hls.dataflow %x : (tensor<1x4x16x16xi8>) -> tensor<1x2x16x16xi8> {
  ^bb0(%in: !hls.stream<4x16x16xi8, lanes = 4, depth = 2>):
    %w0 = hls.window %in {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : !hls.stream<4x16x16xi8, lanes = 4, depth = 2> -> !hls.stream<36x16x16xi8, lanes = 4, depth = 2>
    %c0 = hls.mvau %w0 {weight = dense<1> : tensor<8x36xi8>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 4>, offset = array<i64: 0> -> i8>]} : !hls.stream<36x16x16xi8, lanes = 4, depth = 2> -> !hls.stream<8x16x16xi8, lanes = 2, depth = 2>
    %w1 = hls.window %c0 {kernel = array<i64: 5, 5>, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>} : !hls.stream<8x16x16xi8, lanes = 2, depth = 2> -> !hls.stream<200x8x8xi8, lanes = 50, depth = 2>
    %c1 = hls.mvau %w1 {weight = dense<1> : tensor<4x200xi8>, acc_type = i16, pe = 4 : i64, simd = 50 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 4>, offset = array<i64: 0> -> i8>]} : !hls.stream<200x8x8xi8, lanes = 50, depth = 2> -> !hls.stream<4x8x8xi8, lanes = 4, depth = 2>
    %d = hls.deconv %c1 {weight = dense<1> : tensor<4x2x5x5xi8>, acc_type = i16, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>, pe = 2 : i64, simd = 50 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 4>, offset = array<i64: 0> -> i8>]} : !hls.stream<4x8x8xi8, lanes = 4, depth = 2> -> !hls.stream<2x16x16xi8, lanes = 2, depth = 2>
    %p = hls.pointwise %d {steps = [#hls.relu]} : !hls.stream<2x16x16xi8, lanes = 2, depth = 2> -> !hls.stream<2x16x16xi8, lanes = 2, depth = 2>
    hls.yield %p : !hls.stream<2x16x16xi8, lanes = 2, depth = 2>
  }
  func.return %0 : tensor<1x2x16x16xi8>
}
