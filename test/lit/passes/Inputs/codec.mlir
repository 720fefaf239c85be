// A tiny factorized-prior codec after lic-rewrite-gdn (16×16 frame): conv,
// GDN (x², 1×1 norm, rsqrt, x·f), conv to the latent; transposed conv, IGDN,
// transposed conv to the image.
func.func @encoder(%x: tensor<1x3x16x16xf32>) -> tensor<1x2x4x4xf32> {
  %w = lic.constant dense<[[[[0.2]], [[0.3]], [[-0.1]]], [[[-0.2]], [[0.1]], [[0.4]]], [[[0.3]], [[-0.3]], [[0.2]]], [[[0.1]], [[0.1]], [[0.1]]]]> : tensor<4x3x1x1xf32>
  %b = lic.constant dense<[0.0, 0.1, -0.1, 0.2]> : tensor<4xf32>
  %conv = lic.conv2d %x, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x3x16x16xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %beta = lic.constant dense<[1.0, 0.5, 0.25, 2.0]> : tensor<4xf32>
  %gdn_sq = lic.mul %conv, %conv : tensor<1x4x8x8xf32>
  %gdn_gamma = lic.constant dense<[[[[0.1]], [[0.02]], [[0.0]], [[0.0]]], [[[0.0]], [[0.2]], [[0.01]], [[0.0]]], [[[0.05]], [[0.0]], [[0.3]], [[0.0]]], [[[0.0]], [[0.0]], [[0.04]], [[0.1]]]]> : tensor<4x4x1x1xf32>
  %gdn_norm = lic.conv2d %gdn_sq, %gdn_gamma, %beta {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %gdn_rsqrt = lic.rsqrt %gdn_norm pwl(segments = 32) : tensor<1x4x8x8xf32>
  %gdn = lic.mul %conv, %gdn_rsqrt : tensor<1x4x8x8xf32>
  %w_1 = lic.constant dense<0.5> : tensor<2x4x2x2xf32>
  %b_1 = lic.constant dense<[0.3, -0.2]> : tensor<2xf32>
  %conv_1 = lic.conv2d %gdn, %w_1, %b_1 {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x2x2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %conv_1 : tensor<1x2x4x4xf32>
}

func.func @decoder(%y: tensor<1x2x4x4xf32>) -> tensor<1x3x16x16xf32> {
  %w = lic.constant dense<[[[[0.2, 0.1], [0.3, 0.1]], [[0.2, 0.1], [0.3, -0.1]], [[0.1, 0.1], [0.1, 0.2]], [[-0.2, 0.1], [0.3, 0.1]]], [[[0.1, -0.1], [0.2, 0.1]], [[0.2, 0.2], [0.1, 0.1]], [[0.3, 0.1], [0.2, 0.1]], [[0.1, 0.1], [0.1, 0.1]]]]> : tensor<2x4x2x2xf32>
  %b = lic.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %deconv = lic.conv_transpose2d %y, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2x4x2x2xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %beta = lic.constant dense<[1.0, 0.5, 0.25, 2.0]> : tensor<4xf32>
  %igdn_sq = lic.mul %deconv, %deconv : tensor<1x4x8x8xf32>
  %igdn_gamma = lic.constant dense<0.05> : tensor<4x4x1x1xf32>
  %igdn_norm = lic.conv2d %igdn_sq, %igdn_gamma, %beta {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %igdn_sqrt = lic.sqrt %igdn_norm table(table_bits = 10) : tensor<1x4x8x8xf32>
  %igdn = lic.mul %deconv, %igdn_sqrt : tensor<1x4x8x8xf32>
  %w_1 = lic.constant dense<0.2> : tensor<4x3x2x2xf32>
  %b_1 = lic.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %deconv_1 = lic.conv_transpose2d %igdn, %w_1, %b_1 {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>, tensor<4x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x16x16xf32>
  func.return %deconv_1 : tensor<1x3x16x16xf32>
}
