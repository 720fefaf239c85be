// RUN: licc-opt %s -p convert-lic-to-hls | filecheck %s

// A frame the stride does not divide: the image's lic.pad becomes the design's
// input stage (hls.pad, a whole pixel per beat), the decoder's lic.crop its output
// stage (hls.crop, the lanes it is fed); the conv between them reads the padded frame.
func.func @codec(%x: tensor<1x3x5x7xui8>) -> tensor<1x3x5x7xui8> {
  %p = lic.pad %x : tensor<1x3x5x7xui8> -> tensor<1x3x8x8xui8>
  %w = lic.constant dense<1> : tensor<3x3x1x1xi8>
  %acc = lic.conv2d %p, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xui8>, tensor<3x3x1x1xi8>) -> tensor<1x3x8x8xi11>
  %q = lic.rescale %acc {multiplier = array<i64: 1>, shift = array<i64: 2>} : tensor<1x3x8x8xi11> -> tensor<1x3x8x8xui8>
  %c = lic.crop %q : tensor<1x3x8x8xui8> -> tensor<1x3x5x7xui8>
  func.return %c : tensor<1x3x5x7xui8>
}
// CHECK: ^bb0(%x_1: !hls.stream<3x5x7xui8, lanes = 3, depth = 2>):
// CHECK-NEXT: %p = hls.pad %x_1 {lic_ops = ["lic.pad %p"]} : !hls.stream<3x5x7xui8, lanes = 3, depth = 2> -> !hls.stream<3x8x8xui8, lanes = 3, depth = 2>
// CHECK-NEXT: %p_lanes = hls.lanes %p : !hls.stream<3x8x8xui8, lanes = 3, depth = 2> -> !hls.stream<3x8x8xui8, lanes = 1, depth = 2>
// CHECK-NEXT: %q = hls.mvau %p_lanes {{.*}}lic_ops = ["lic.conv2d %acc", "lic.rescale %q"]{{.*}} -> !hls.stream<3x8x8xui8, lanes = 1, depth = 2>
// CHECK-NEXT: %c = hls.crop %q {lic_ops = ["lic.crop %c"]} : !hls.stream<3x8x8xui8, lanes = 1, depth = 2> -> !hls.stream<3x5x7xui8, lanes = 1, depth = 2>
// CHECK-NEXT: hls.yield %c
