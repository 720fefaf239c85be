// An encoder with a residual block (16×16 frame): conv, then a skip over
// ReLU and a 3×3 conv, added back, and a strided conv to the latent.
func.func @encoder(%x: tensor<1x3x16x16xf32>) -> tensor<1x2x8x8xf32> {
  %w = lic.constant dense<[[[[0.2]], [[0.3]], [[-0.1]]], [[[-0.2]], [[0.1]], [[0.4]]], [[[0.3]], [[-0.3]], [[0.2]]], [[[0.1]], [[0.1]], [[0.1]]]]> : tensor<4x3x1x1xf32>
  %b = lic.constant dense<[0.0, 0.1, -0.1, 0.2]> : tensor<4xf32>
  %conv = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x16x16xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x16x16xf32>
  %relu = lic.relu %conv : tensor<1x4x16x16xf32>
  %wb = lic.constant dense<[[[[0.3, -0.1, 0.2], [0.1, 0.5, -0.2], [0.0, 0.1, 0.1]], [[0.1, 0.0, -0.2], [0.2, -0.3, 0.1], [0.0, 0.1, 0.0]], [[0.1, 0.1, 0.0], [0.0, 0.2, 0.1], [-0.1, 0.0, 0.1]], [[0.0, -0.1, 0.1], [0.1, 0.2, 0.0], [0.1, 0.0, -0.1]]], [[[0.1, 0.1, 0.1], [0.1, -0.4, 0.1], [0.1, 0.1, 0.1]], [[0.0, 0.2, 0.0], [0.2, 0.1, -0.2], [0.0, 0.2, 0.0]], [[-0.1, 0.0, 0.1], [0.0, 0.3, 0.0], [0.1, 0.0, -0.1]], [[0.2, 0.0, 0.0], [0.0, 0.1, 0.0], [0.0, 0.0, 0.2]]], [[[0.0, 0.0, 0.1], [0.0, 0.2, 0.0], [0.1, 0.0, 0.0]], [[0.1, -0.1, 0.1], [-0.1, 0.4, -0.1], [0.1, -0.1, 0.1]], [[0.0, 0.1, 0.0], [0.1, 0.1, 0.1], [0.0, 0.1, 0.0]], [[-0.2, 0.0, 0.2], [0.0, 0.1, 0.0], [0.2, 0.0, -0.2]]], [[[0.1, 0.0, 0.0], [0.0, 0.1, 0.0], [0.0, 0.0, 0.1]], [[0.0, 0.0, 0.2], [0.0, -0.2, 0.0], [0.2, 0.0, 0.0]], [[0.1, 0.2, 0.1], [0.0, 0.0, 0.0], [-0.1, -0.2, -0.1]], [[0.0, 0.1, 0.0], [0.1, 0.6, 0.1], [0.0, 0.1, 0.0]]]]> : tensor<4x4x3x3xf32>
  %bb = lic.constant dense<[0.1, -0.1, 0.0, 0.05]> : tensor<4xf32>
  %main = lic.conv2d %relu, %wb, %bb {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<1x4x16x16xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x16x16xf32>
  %res = lic.add %conv, %main : tensor<1x4x16x16xf32>
  %wl = lic.constant dense<0.25> : tensor<2x4x2x2xf32>
  %bl = lic.constant dense<[0.3, -0.2]> : tensor<2xf32>
  %latent = lic.conv2d %res, %wl, %bl {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x4x16x16xf32>, tensor<2x4x2x2xf32>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
  func.return %latent : tensor<1x2x8x8xf32>
}
