// RUN: licc-opt %s --split-input-file --verify-diagnostics | filecheck %s
// 8-bit products do not fit four to a DSP48E2; the diagnostic lists the shapes that do.
func.func @too_wide(%x: tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 4, pixels = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mmv = 2 : i64, mult_pack = array<i64: 2, 2>} : !hls.stream<4x2x2xi8, lanes = 4, pixels = 2, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' mult_pack = [2, 2] does not fit one DSP48E2 for 8-bit weights × i8 activations (legal here: none); narrow the operands or drop mult_pack

// -----

// Unsigned activations take a bit more: 4-bit weights pack 2 × 2 with i6 activations (fields of 11
// bits, cascades of 3) but not with ui6 (7 signed bits), only three weights sharing one.
func.func @unsigned(%x: tensor<1x4x2x2xui6>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xui6>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xui6, lanes = 4, pixels = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi4>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mmv = 2 : i64, mult_pack = array<i64: 2, 2>} : !hls.stream<4x2x2xui6, lanes = 4, pixels = 2, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' mult_pack = [2, 2] does not fit one DSP48E2 for 4-bit weights × ui6 activations (legal here: [3, 1]); narrow the operands or drop mult_pack

// -----

// Packing is for DSP products.
func.func @fabric(%x: tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi4, lanes = 4, pixels = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi4>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mmv = 2 : i64, mult_impl = "fabric", mult_pack = array<i64: 2, 2>} : !hls.stream<4x2x2xi4, lanes = 4, pixels = 2, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' has mult_pack but mult_impl is not dsp; packing is for DSP48E2 products

// -----

// The shape's pixels divide MMV.
func.func @mmv(%x: tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi4, lanes = 4, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi4>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mult_pack = array<i64: 2, 2>} : !hls.stream<4x2x2xi4, lanes = 4, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' mult_pack = [2, 2] needs mmv divisible by 2, got 1

// -----

// The shape's weights divide PE.
func.func @pe(%x: tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi4, lanes = 4, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi4>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mult_pack = array<i64: 3, 1>} : !hls.stream<4x2x2xi4, lanes = 4, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' mult_pack = [3, 1] needs pe divisible by 3, got 2

// -----

// Only the kernel's shapes.
func.func @shape(%x: tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi4, lanes = 4, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi4>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mult_pack = array<i64: 2, 3>} : !hls.stream<4x2x2xi4, lanes = 4, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' mult_pack must be one of [2, 2], [3, 1], got [2, 3]

// -----

// Shift weights are 0 or ±2^k.
func.func @not_pow2(%x: tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 4, depth = 2>):
    %c = hls.mvau %in {weight = dense<[[1, 2, 3, 4], [0, 0, 0, 0]]> : tensor<2x4xi8>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, weight_pow2} : !hls.stream<4x2x2xi8, lanes = 4, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' has weight_pow2 but weight 3 is not 0 or ±2^k; drop weight_pow2 or quantise with lic.weight_pow2

// -----

// Shifts need no packing.
func.func @both(%x: tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi4, lanes = 4, pixels = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi4>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mmv = 2 : i64, weight_pow2, mult_pack = array<i64: 2, 2>} : !hls.stream<4x2x2xi4, lanes = 4, pixels = 2, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK: 'hls.mvau' has weight_pow2 and mult_pack: shifts need no multiplier; drop mult_pack
