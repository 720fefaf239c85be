// RUN: licc-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @conv_channels(%x: tensor<1x2x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<3x4x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<3x4x3x3xf32>) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}
// CHECK: 'lic.conv2d' input has 2 channels but the weight expects 4

// -----

func.func @conv_result(%x: tensor<1x2x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<3x2x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}
// CHECK: 'lic.conv2d' result has shape [1, 3, 8, 8], expected [1, 3, 4, 4]

// -----

func.func @conv_bias(%x: tensor<1x2x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<3x2x3x3xf32>
  %b = lic.constant dense<0.5> : tensor<2xf32>
  %y = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<2xf32>) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}
// CHECK: 'lic.conv2d' bias has shape [2], expected [3]

// -----

func.func @conv_batch(%x: tensor<2x2x8x8xf32>) -> tensor<2x3x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<3x2x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<2x2x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<2x3x8x8xf32>
  func.return %y : tensor<2x3x8x8xf32>
}
// CHECK: 'lic.conv2d' input must be 1xCxHxW, got [2, 2, 8, 8]

// -----

func.func @conv_stride_arity(%x: tensor<1x2x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<3x2x3x3xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}
// CHECK: 'lic.conv2d' stride must have 2 values (h, w), got 1

// -----

func.func @deconv_output_padding(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x10x10xf32> {
  %w = lic.constant dense<0.5> : tensor<3x2x5x5xf32>
  %y = lic.conv_transpose2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>, tensor<3x2x5x5xf32>) -> tensor<1x2x10x10xf32>
  func.return %y : tensor<1x2x10x10xf32>
}
// CHECK: 'lic.conv_transpose2d' output_padding must be in [0, stride)

// -----

func.func @deconv_result(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x9x9xf32> {
  %w = lic.constant dense<0.5> : tensor<3x2x5x5xf32>
  %y = lic.conv_transpose2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<3x2x5x5xf32>) -> tensor<1x2x9x9xf32>
  func.return %y : tensor<1x2x9x9xf32>
}
// CHECK: 'lic.conv_transpose2d' result has shape [1, 2, 9, 9], expected [1, 2, 8, 8]

// -----

func.func @gdn_gamma(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %b = lic.constant dense<1.0> : tensor<3xf32>
  %g = lic.constant dense<0.1> : tensor<3x2xf32>
  %y = lic.gdn %x, %b, %g : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x2xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}
// CHECK: 'lic.gdn' gamma has shape [3, 2], expected [3, 3]

// -----

func.func @gdn_form(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %b = lic.constant dense<1.0> : tensor<3xf32>
  %g = lic.constant dense<0.1> : tensor<3x3xf32>
  %y = lic.gdn %x, %b, %g {form = "l2"} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}
// CHECK: 'lic.gdn' form must be one of standard, l1, got 'l2'

// -----

func.func @add_types(%x: tensor<1x3x4x4xf32>, %z: tensor<1x3x4x5xf32>) -> tensor<1x3x4x4xf32> {
  %y = "lic.add"(%x, %z) : (tensor<1x3x4x4xf32>, tensor<1x3x4x5xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}
// CHECK: 'lic.add' operands and result need one shape

// -----

func.func @constant_type() -> tensor<4xf32> {
  %c = "lic.constant"() <{value = dense<1.0> : tensor<3xf32>}> : () -> tensor<4xf32>
  func.return %c : tensor<4xf32>
}
// CHECK: 'lic.constant' value type tensor<3xf32> differs from result type tensor<4xf32>

// -----

func.func @mixed(%x: tensor<1x2x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<1> : tensor<3x2x1x1xi8>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<3x2x1x1xi8>) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}
// CHECK: 'lic.conv2d' mixes element types

// -----

func.func @shuffle_channels(%x: tensor<1x6x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %y = lic.pixel_shuffle %x {factor = 2 : i64} : tensor<1x6x4x4xf32> -> tensor<1x1x8x8xf32>
  func.return %y : tensor<1x1x8x8xf32>
}
// CHECK: 'lic.pixel_shuffle' needs channels divisible by factor² = 4, got 6

// -----

func.func @shuffle_shape(%x: tensor<1x8x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %y = lic.pixel_shuffle %x {factor = 2 : i64} : tensor<1x8x4x4xf32> -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}
// CHECK: 'lic.pixel_shuffle' result has shape [1, 2, 4, 4], expected [1, 2, 8, 8]

// -----

func.func @unshuffle_odd(%x: tensor<1x2x5x4xi8>) -> tensor<1x8x2x2xi8> {
  %y = lic.pixel_unshuffle %x {factor = 2 : i64} : tensor<1x2x5x4xi8> -> tensor<1x8x2x2xi8>
  func.return %y : tensor<1x8x2x2xi8>
}
// CHECK: 'lic.pixel_unshuffle' needs height and width divisible by 2, got 5x4

// -----

func.func @shuffle_types(%x: tensor<1x8x4x4xi8>) -> tensor<1x2x8x8xi16> {
  %y = lic.pixel_shuffle %x {factor = 2 : i64} : tensor<1x8x4x4xi8> -> tensor<1x2x8x8xi16>
  func.return %y : tensor<1x2x8x8xi16>
}
// CHECK: 'lic.pixel_shuffle' mixes element types
