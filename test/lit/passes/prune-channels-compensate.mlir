// RUN: licc-opt %s -p 'lic-prune-channels{ratio=0.5 count=1 measure=false}' | filecheck %s
// RUN: licc-opt %s -p 'lic-prune-channels{ratio=0.5 compensate=false measure=false}' | filecheck %s --check-prefix=OFF

// Channel 1 of encoder.conv1 and of decoder.conv1 has no filter (L1 norm 0)
// but the bias 2: it is the constant 2 on every image, so ratio=0.5 drops it
// and folds its mean into the biases of the convolutions reading it:
// encoder.conv2 gets 2 × 3 (its weight for channel 1), decoder.conv2 (a
// stride-2 transposed conv, whose 2×2 taps for channel 1 sum to 10, 14 and
// 18 per output channel) gets 2 × those / 4 phases.

// CHECK: compensated = ["encoder.conv2", "decoder.conv2"]
// CHECK-LABEL: func.func @encoder
// CHECK: %b_1 = lic.constant dense<6.500000e+00> : tensor<1xf32>
// CHECK-NEXT: %conv_1 = lic.conv2d %relu, %w_1, %b_1 {{.*}} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
// CHECK-LABEL: func.func @decoder
// CHECK: %b_1 = lic.constant dense<[5.500000e+00, 7.500000e+00, 9.500000e+00]> : tensor<3xf32>
// CHECK-NEXT: %deconv_1 = lic.conv_transpose2d %relu, %w_1, %b_1 {{.*}} : (tensor<1x1x4x4xf32>, tensor<1x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>

// OFF: compensated = []
// OFF: %b_1 = lic.constant dense<5.000000e-01> : tensor<1xf32>
// OFF: %b_1 = lic.constant dense<5.000000e-01> : tensor<3xf32>

func.func @encoder(%x: tensor<1x3x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = lic.constant dense<[[[[1.0]], [[1.0]], [[1.0]]], [[[0.0]], [[0.0]], [[0.0]]]]> : tensor<2x3x1x1xf32>
  %b = lic.constant dense<[0.0, 2.0]> : tensor<2xf32>
  %conv = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %relu = lic.relu %conv : tensor<1x2x4x4xf32>
  %w_1 = lic.constant dense<[[[[1.0]], [[3.0]]]]> : tensor<1x2x1x1xf32>
  %b_1 = lic.constant dense<0.5> : tensor<1xf32>
  %conv_1 = lic.conv2d %relu, %w_1, %b_1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  func.return %conv_1 : tensor<1x1x4x4xf32>
}

func.func @decoder(%y: tensor<1x1x4x4xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<[[[[1.0]], [[0.0]]]]> : tensor<1x2x1x1xf32>
  %b = lic.constant dense<[0.0, 2.0]> : tensor<2xf32>
  %deconv = lic.conv_transpose2d %y, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x1x4x4xf32>, tensor<1x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %relu = lic.relu %deconv : tensor<1x2x4x4xf32>
  %w_1 = lic.constant dense<[[[[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]], [[[1.0, 2.0], [3.0, 4.0]], [[2.0, 3.0], [4.0, 5.0]], [[3.0, 4.0], [5.0, 6.0]]]]> : tensor<2x3x2x2xf32>
  %b_1 = lic.constant dense<0.5> : tensor<3xf32>
  %deconv_1 = lic.conv_transpose2d %relu, %w_1, %b_1 {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  func.return %deconv_1 : tensor<1x3x8x8xf32>
}
