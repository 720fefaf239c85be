// RUN: licc-opt %s -p 'lic-calibrate{count=2},lic-assign-precision,lic-quantize' 2>/dev/null | filecheck %s
// RUN: licc-opt %s -p 'lic-calibrate{count=2},lic-assign-precision,lic-quantize' 2>/dev/null | licc-opt | filecheck %s
// RUN: licc-opt %s -p 'lic-calibrate{count=2},lic-assign-precision,lic-quantize,convert-lic-to-hls' 2>/dev/null | filecheck %s --check-prefix=HLS

// A leaky ReLU (slope 0.01, as CompressAI's hyper transforms have) keeps its
// input's type and scale: negatives are multiplied by the dyadic slope
// 20972 / 2^21 (0.01 to 15 bits) and rounded as a rescale. At the hls level it
// fuses into the conv's epilogue after the activation's rescale.

// CHECK: %conv = lic.rescale %conv_acc {{.*}} -> tensor<1x4x8x8xi8>
// CHECK-NEXT: %lrelu = lic.leaky_relu %conv {negative_slope = 1.000000e-02 : f64, multiplier = 20972 : i64, shift = 21 : i64} : tensor<1x4x8x8xi8>
// CHECK: %latent_acc = lic.conv2d %lrelu, %{{.*}}, %{{.*}} {{.*}} : (tensor<1x4x8x8xi8>,

// HLS: hls.mvau {{.*}}epilogue = [#hls.rescale<{{.*}} -> i8>, #hls.leaky_relu<multiplier = 20972, shift = 21>]
// HLS-SAME: lic_ops = ["lic.conv2d %conv_acc", "lic.rescale %conv", "lic.leaky_relu %lrelu"]

func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %w = lic.constant dense<[[[[0.2]], [[0.3]], [[-0.5]]], [[[-0.2]], [[0.1]], [[0.4]]], [[[0.3]], [[-0.3]], [[0.2]]], [[[-0.1]], [[0.1]], [[0.1]]]]> : tensor<4x3x1x1xf32>
  %b = lic.constant dense<[0.0, 0.1, -0.1, -0.2]> : tensor<4xf32>
  %conv = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %lrelu = lic.leaky_relu %conv {negative_slope = 0.01 : f64} : tensor<1x4x8x8xf32>
  %wl = lic.constant dense<0.25> : tensor<2x4x2x2xf32>
  %bl = lic.constant dense<[0.3, -0.2]> : tensor<2xf32>
  %latent = lic.conv2d %lrelu, %wl, %bl {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x2x2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %latent : tensor<1x2x4x4xf32>
}
