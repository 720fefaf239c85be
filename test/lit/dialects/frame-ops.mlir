// RUN: licc-opt %s | licc-opt | filecheck %s
// RUN: licc-opt %s --print-op-generic | licc-opt | filecheck %s

// A frame the stride does not divide: lic.pad replicates the bottom row and the
// right column to the larger size its result names, lic.crop keeps the top-left
// corner; any element type, kept. An equal size is a copy.
func.func @frame(%x: tensor<1x3x5x7xui8>, %f: tensor<1x2x4x4xf32>) -> (tensor<1x3x5x7xui8>, tensor<1x2x4x4xf32>) {
  %p = lic.pad %x : tensor<1x3x5x7xui8> -> tensor<1x3x8x8xui8>
  %c = lic.crop %p : tensor<1x3x8x8xui8> -> tensor<1x3x5x7xui8>
  %g = lic.pad %f : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  func.return %c, %g : tensor<1x3x5x7xui8>, tensor<1x2x4x4xf32>
}
// CHECK-LABEL: func.func @frame
// CHECK: %p = lic.pad %x : tensor<1x3x5x7xui8> -> tensor<1x3x8x8xui8>
// CHECK: %c = lic.crop %p : tensor<1x3x8x8xui8> -> tensor<1x3x5x7xui8>
// CHECK: %g = lic.pad %f : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>

// The stages: one pixel per beat, the lanes kept.
func.func @stages(%x: tensor<1x3x5x7xui8>) -> tensor<1x3x5x7xui8> {
  %y = hls.dataflow %x : (tensor<1x3x5x7xui8>) -> tensor<1x3x5x7xui8> {
  ^bb0(%s: !hls.stream<3x5x7xui8, lanes = 3, depth = 2>):
    %p = hls.pad %s : !hls.stream<3x5x7xui8, lanes = 3, depth = 2> -> !hls.stream<3x8x8xui8, lanes = 3, depth = 2>
    %c = hls.crop %p : !hls.stream<3x8x8xui8, lanes = 3, depth = 2> -> !hls.stream<3x5x7xui8, lanes = 3, depth = 2>
    hls.yield %c : !hls.stream<3x5x7xui8, lanes = 3, depth = 2>
  }
  func.return %y : tensor<1x3x5x7xui8>
}
// CHECK-LABEL: func.func @stages
// CHECK: %p = hls.pad %s : !hls.stream<3x5x7xui8, lanes = 3, depth = 2> -> !hls.stream<3x8x8xui8, lanes = 3, depth = 2>
// CHECK: %c = hls.crop %p : !hls.stream<3x8x8xui8, lanes = 3, depth = 2> -> !hls.stream<3x5x7xui8, lanes = 3, depth = 2>
