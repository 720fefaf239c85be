// RUN: licc-opt %s -p convert-lic-to-hls | filecheck %s

// A sub-pixel convolution: the conv's rescale fuses into its MVAU, the pixel
// shuffle becomes an hls.shuffle reading and writing one pixel per beat (as
// many lanes as divide its output's channels), the unshuffle likewise.
func.func @decoder(%x: tensor<1x4x3x3xi8>) -> tensor<1x4x3x3xi8> {
  %w = lic.constant dense<1> : tensor<8x4x1x1xi8>
  %acc = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x3x3xi8>, tensor<8x4x1x1xi8>) -> tensor<1x8x3x3xi11>
  %q = lic.rescale %acc {multiplier = array<i64: 1>, shift = array<i64: 2>} : tensor<1x8x3x3xi11> -> tensor<1x8x3x3xi8>
  %s = lic.pixel_shuffle %q {factor = 2 : i64} : tensor<1x8x3x3xi8> -> tensor<1x2x6x6xi8>
  %u = lic.pixel_unshuffle %s {factor = 2 : i64} : tensor<1x2x6x6xi8> -> tensor<1x8x3x3xi8>
  %w2 = lic.constant dense<1> : tensor<4x8x1x1xi8>
  %y = lic.conv2d %u, %w2 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x8x3x3xi8>, tensor<4x8x1x1xi8>) -> tensor<1x4x3x3xi12>
  %o = lic.rescale %y {multiplier = array<i64: 1>, shift = array<i64: 3>} : tensor<1x4x3x3xi12> -> tensor<1x4x3x3xi8>
  func.return %o : tensor<1x4x3x3xi8>
}
// CHECK: %q = hls.mvau %x_1 {{.*}}lic_ops = ["lic.conv2d %acc", "lic.rescale %q"]{{.*}} -> !hls.stream<8x3x3xi8, lanes = 1, depth = 2>
// CHECK-NEXT: %s = hls.shuffle %q {factor = 2 : i64, lic_ops = ["lic.pixel_shuffle %s"]} : !hls.stream<8x3x3xi8, lanes = 1, depth = 2> -> !hls.stream<2x6x6xi8, lanes = 1, depth = 2>
// CHECK-NEXT: %u = hls.shuffle %s {factor = 2 : i64, inverse, lic_ops = ["lic.pixel_unshuffle %u"]} : !hls.stream<2x6x6xi8, lanes = 1, depth = 2> -> !hls.stream<8x3x3xi8, lanes = 1, depth = 2>
// CHECK-NEXT: %o = hls.mvau %u
