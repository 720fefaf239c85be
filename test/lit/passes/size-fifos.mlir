// RUN: licc-opt %s -p hls-size-fifos | filecheck %s

// Depths from a stall-free schedule of the stages' loops at the dataflow's
// frame period (lic_compiler/hls_schedule.py, steady_timing), here the slowest
// loop's, %c0's 9,218 cycles a frame, which hls-size-fifos records as `period`
// (lic-set-parallelism may choose a longer one where a pause between frames
// saves block RAM). Each stream holds the most beats it ever holds there, plus
// one. %w0 runs as late as %c0's reads allow: 5 (4 costs a cycle a frame). The
// stages after %c0 have slack for %w1's first rows at the start of a frame and
// for the polyphase stage's block rows: %c0's output holds 3, the others the
// minimum, 2 (a cycle-level run of this design at these depths keeps the pace;
// with %c0's at 2 it takes 9,224 cycles a frame). The AXI input and output have
// no FIFO.

// CHECK: hls.dataflow %x {period = 9218 : i64}
// CHECK: ^bb0(%in: !hls.stream<4x16x16xi8, lanes = 4, depth = 2>):
// CHECK-NEXT: %w0 = hls.window %in {{.*}} -> !hls.stream<36x16x16xi8, lanes = 4, depth = 5>
// CHECK-NEXT: %c0 = hls.mvau %w0 {{.*}} -> !hls.stream<8x16x16xi8, lanes = 2, depth = 3>
// CHECK-NEXT: %w1 = hls.window %c0 {{.*}} -> !hls.stream<200x8x8xi8, lanes = 50, depth = 2>
// CHECK-NEXT: %c1 = hls.mvau %w1 {{.*}} -> !hls.stream<4x8x8xi8, lanes = 4, depth = 2>
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
