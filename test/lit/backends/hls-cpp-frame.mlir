// RUN: licc-opt %s -t 'hls-cpp{library=false}' | filecheck %s

// A padded frame's stages: licc::pad and licc::crop over the larger frame's
// beats (ROWS x COLS pixels of FOLDS beats), KEPT_ROWS x KEPT_COLS of them
// read (pad) or written (crop); pad.h is included by these stages only.

func.func @design(%x: tensor<1x4x5x7xui8>) -> tensor<1x4x5x7xui8> {
  %y = hls.dataflow %x : (tensor<1x4x5x7xui8>) -> tensor<1x4x5x7xui8> {
  ^bb0(%in: !hls.stream<4x5x7xui8, lanes = 2, depth = 2>):
    %p = hls.pad %in : !hls.stream<4x5x7xui8, lanes = 2, depth = 2> -> !hls.stream<4x8x8xui8, lanes = 2, depth = 2>
    %c = hls.crop %p : !hls.stream<4x8x8xui8, lanes = 2, depth = 2> -> !hls.stream<4x5x7xui8, lanes = 2, depth = 2>
    hls.yield %c : !hls.stream<4x5x7xui8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x5x7xui8>
}

// CHECK-LABEL: // ===== design/stages/p.h =====
// CHECK: #include "licc/pad.h"
// CHECK: struct p_cfg {
// CHECK-NEXT: typedef licc::uint_t<8> T;
// CHECK-NEXT: static const int LANES = 2, FOLDS = 2, ITERS = 128;
// CHECK-NEXT: static const int ROWS = 8, COLS = 8, KEPT_ROWS = 5, KEPT_COLS = 7;
// CHECK: licc::pad<p_cfg>(in, out);
// CHECK-LABEL: // ===== design/stages/c.h =====
// CHECK: #include "licc/pad.h"
// CHECK: static const int LANES = 2, FOLDS = 2, ITERS = 128;
// CHECK-NEXT: static const int ROWS = 8, COLS = 8, KEPT_ROWS = 5, KEPT_COLS = 7;
// CHECK: licc::crop<c_cfg>(in, out);
