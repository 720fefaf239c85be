// RUN: licc-opt %s --split-input-file --verify-diagnostics -p 'lic-prune-channels{measure=false}' | filecheck %s

// After lic-rewrite-gdn the GDN is gone: pruning works on the float IR before it.
// CHECK: lic-prune-channels: cannot follow channels through lic.rsqrt in @encoder; prune the float IR that convert-torch-to-lic produces, before lic-rewrite-gdn
func.func @encoder(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %r = lic.rsqrt %x : tensor<1x3x4x4xf32>
  func.return %r : tensor<1x3x4x4xf32>
}

// -----

// CHECK: lic-prune-channels: lic.conv2d in @encoder takes a weight that is not a lic.constant; pruning slices weights, so they must be constants
func.func @encoder(%x: tensor<1x3x4x4xf32>, %w: tensor<3x3x1x1xf32>) -> tensor<1x3x4x4xf32> {
  %conv = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>) -> tensor<1x3x4x4xf32>
  func.return %conv : tensor<1x3x4x4xf32>
}
