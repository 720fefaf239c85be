// RUN: licc-opt %s --split-input-file -p example-fuse-pointwise | filecheck %s

// A 1×2 conv (1 → 2 channels) then a 1×1 conv (2 → 1): one 1×2 conv with
// weight W2·W1 = 0.5·[1, 2] + 2·[3, 4] = [6.5, 9] and bias
// W2·b1 + b2 = 0.5·1 + 2·(−1) + 0.25 = −1.25, at the first conv's stride and
// padding. Both convs and their four weights are gone.

// CHECK-LABEL: func.func @fused
// CHECK-NEXT:    %[[W:.*]] = lic.constant dense<{{\[\[\[\[}}6.500000e+00, 9.000000e+00]]]]> : tensor<1x1x1x2xf32>
// CHECK-NEXT:    %[[B:.*]] = lic.constant dense<-1.250000e+00> : tensor<1xf32>
// CHECK-NEXT:    %z = lic.conv2d %x, %[[W]], %[[B]] {stride = array<i64: 1, 1>, padding = array<i64: 0, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x2xf32>, tensor<1xf32>) -> tensor<1x1x4x5xf32>
// CHECK-NEXT:    func.return %z
func.func @fused(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x5xf32> {
  %w1 = lic.constant dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]> : tensor<2x1x1x2xf32>
  %b1 = lic.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %y = lic.conv2d %x, %w1, %b1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x4x5xf32>
  %w2 = lic.constant dense<[[[[0.5]], [[2.0]]]]> : tensor<1x2x1x1xf32>
  %b2 = lic.constant dense<0.25> : tensor<1xf32>
  %z = lic.conv2d %y, %w2, %b2 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x4x5xf32>, tensor<1x2x1x1xf32>, tensor<1xf32>) -> tensor<1x1x4x5xf32>
  func.return %z : tensor<1x1x4x5xf32>
}

// -----

// A chain of two 1×1 convs after a strided 3×3 conv folds into one conv;
// without biases the fused bias is zero.

// CHECK-LABEL: func.func @chain
// CHECK-NEXT:    lic.constant dense<1.200000e+00> : tensor<1x2x3x3xf32>
// CHECK-NEXT:    lic.constant dense<0.000000e+00> : tensor<1xf32>
// CHECK-NEXT:    %z = lic.conv2d %x, %{{.*}}, %{{.*}} {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
// CHECK-NEXT:    func.return %z
func.func @chain(%x: tensor<1x2x8x8xf32>) -> tensor<1x1x4x4xf32> {
  %w1 = lic.constant dense<0.5> : tensor<4x2x3x3xf32>
  %y = lic.conv2d %x, %w1 {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x4x4xf32>
  %w2 = lic.constant dense<0.2> : tensor<3x4x1x1xf32>
  %p = lic.conv2d %y, %w2 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
  %w3 = lic.constant dense<1.0> : tensor<1x3x1x1xf32>
  %z = lic.conv2d %p, %w3 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>) -> tensor<1x1x4x4xf32>
  func.return %z : tensor<1x1x4x4xf32>
}

// -----

// Left alone, each for one reason: a widening 1×1 conv (fused it would take
// 16·2·3·3 MACs per pixel against 2·2·3·3 + 16·2), a conv whose result has
// another use, a nonlinearity in between, a weight computed at run time.

// CHECK-LABEL: func.func @widening
// CHECK-COUNT-2: lic.conv2d
func.func @widening(%x: tensor<1x2x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<2x2x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x8x8xf32>
  %wide = lic.constant dense<0.5> : tensor<16x2x1x1xf32>
  %z = lic.conv2d %y, %wide {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<16x2x1x1xf32>) -> tensor<1x16x8x8xf32>
  func.return %z : tensor<1x16x8x8xf32>
}

// CHECK-LABEL: func.func @two_uses
// CHECK-COUNT-2: lic.conv2d
func.func @two_uses(%x: tensor<1x2x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %w = lic.constant dense<0.5> : tensor<2x2x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x8x8xf32>
  %p = lic.constant dense<0.5> : tensor<2x2x1x1xf32>
  %z = lic.conv2d %y, %p {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x8x8xf32>
  func.return %y, %z : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// CHECK-LABEL: func.func @relu_between
// CHECK-COUNT-2: lic.conv2d
func.func @relu_between(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<2x2x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x8x8xf32>
  %r = lic.relu %y : tensor<1x2x8x8xf32>
  %p = lic.constant dense<0.5> : tensor<2x2x1x1xf32>
  %z = lic.conv2d %r, %p {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x8x8xf32>
  func.return %z : tensor<1x2x8x8xf32>
}

// CHECK-LABEL: func.func @runtime_weight
// CHECK-COUNT-2: lic.conv2d
func.func @runtime_weight(%x: tensor<1x2x8x8xf32>, %p: tensor<2x2x1x1xf32>) -> tensor<1x2x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<2x2x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x8x8xf32>
  %z = lic.conv2d %y, %p {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x8x8xf32>
  func.return %z : tensor<1x2x8x8xf32>
}
