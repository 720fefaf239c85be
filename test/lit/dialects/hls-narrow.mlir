// RUN: licc-opt %s --split-input-file | filecheck %s
// RUN: licc-opt %s --split-input-file -t 'hls-cpp{library=false}' | filecheck %s --check-prefix=CPP

// An MVAU packing 2 PEs × 2 pixels of 4-bit products per DSP48E2, and one whose
// power-of-two weights are shifts: both round-trip.
func.func @packed(%x: tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi4>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi4, lanes = 4, pixels = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<[[1, -8, 7, 2], [3, 0, -1, -5]]> : tensor<2x4xi4>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mmv = 2 : i64, mult_impl = "dsp", mult_pack = array<i64: 2, 2>} : !hls.stream<4x2x2xi4, lanes = 4, pixels = 2, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK-LABEL: func.func @packed
// CHECK: hls.mvau %{{.*}} mult_pack = array<i64: 2, 2>
// The kernel packs them itself: 2 × 2 products in 11-bit fields, cascades of 15
// (primitives.packing), the weights in the 27-bit port.
// CPP: static const int PACK_W = 2, PACK_A = 2, PACK_S = 11, CHAIN = 15;
// CPP: static const int W_PORT = 27, A_PORT = 18;
// CPP: licc::mvau<c_cfg, licc::packed_mac<c_cfg> >(in, out, c_w);

// -----

func.func @shifts(%x: tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi16> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi16> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 4, depth = 2>):
    %c = hls.mvau %in {weight = dense<[[1, -64, 0, 2], [4, 0, -1, -32]]> : tensor<2x4xi8>, acc_type = i16, pe = 2 : i64, simd = 4 : i64, mult_impl = "fabric", weight_pow2} : !hls.stream<4x2x2xi8, lanes = 4, depth = 2> -> !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi16, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi16>
}
// CHECK-LABEL: func.func @shifts
// CHECK: hls.mvau %{{.*}} weight_pow2
// Weights as shift codes ±(k + 1) in 4 bits; no multiplier, so no BIND_OP.
// CPP: typedef licc::rom_t<4> w_t;
// CPP: static acc_t mul(w_t w, in_t x) {  // w = ±(k + 1): ±2^k; 0: 0
// CPP-NEXT: const acc_t v = acc_t(x) << (w < 0 ? -w - 1 : (w > 0 ? w - 1 : 0));
// CPP-NOT: op = mul
// CPP: {1, -7, 0, 2},
// CPP-NEXT: {3, 0, -1, -6}
