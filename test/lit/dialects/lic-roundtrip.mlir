// RUN: licc-opt %s | licc-opt | filecheck %s

// Every float-level lic op prints in its custom form and parses back.

// CHECK-LABEL: func.func @codec
func.func @codec(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  // CHECK: %[[W:.*]] = lic.constant dense<5.000000e-01> : tensor<3x2x3x3xf32>
  %w = lic.constant dense<0.5> : tensor<3x2x3x3xf32>
  // CHECK-NEXT: %[[B:.*]] = lic.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
  %b = lic.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  // CHECK-NEXT: %[[Y:.*]] = lic.conv2d %{{.*}}, %[[W]], %[[B]] {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = lic.conv2d %x, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %beta = lic.constant dense<1.0> : tensor<3xf32>
  %gamma = lic.constant dense<0.1> : tensor<3x3xf32>
  // CHECK: lic.gdn %[[Y]], %{{.*}}, %{{.*}} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  %g = lic.gdn %y, %beta, %gamma : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  // CHECK-NEXT: lic.gdn %{{.*}} {inverse, form = "l1"}
  %ig = lic.gdn %g, %beta, %gamma {inverse, form = "l1"} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  // CHECK-NEXT: lic.relu %{{.*}} : tensor<1x3x4x4xf32>
  %r = lic.relu %ig : tensor<1x3x4x4xf32>
  // CHECK-NEXT: lic.leaky_relu %{{.*}} {negative_slope = 1.000000e-02 : f64} : tensor<1x3x4x4xf32>
  %l = lic.leaky_relu %r {negative_slope = 0.01 : f64} : tensor<1x3x4x4xf32>
  // CHECK-NEXT: lic.abs %{{.*}} : tensor<1x3x4x4xf32>
  %a = lic.abs %l : tensor<1x3x4x4xf32>
  // CHECK-NEXT: lic.add %{{.*}}, %{{.*}} : tensor<1x3x4x4xf32>
  %s = lic.add %a, %r : tensor<1x3x4x4xf32>
  // CHECK-NEXT: lic.mul %{{.*}}, %{{.*}} : tensor<1x3x4x4xf32>
  %m = lic.mul %s, %s : tensor<1x3x4x4xf32>
  %w2 = lic.constant dense<0.25> : tensor<3x2x5x5xf32>
  // CHECK: lic.conv_transpose2d %{{.*}}, %{{.*}} {stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<3x2x5x5xf32>) -> tensor<1x2x8x8xf32>
  %t = lic.conv_transpose2d %m, %w2 {stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<3x2x5x5xf32>) -> tensor<1x2x8x8xf32>
  func.return %t : tensor<1x2x8x8xf32>
}

// Sub-pixel reorders, on floats and on integers alike.
func.func @subpixel(%x: tensor<1x12x4x5xf32>, %q: tensor<1x3x8x10xi8>) -> (tensor<1x12x4x5xf32>, tensor<1x12x4x5xi8>) {
  %s = lic.pixel_shuffle %x {factor = 2 : i64} : tensor<1x12x4x5xf32> -> tensor<1x3x8x10xf32>
  %u = lic.pixel_unshuffle %s {factor = 2 : i64} : tensor<1x3x8x10xf32> -> tensor<1x12x4x5xf32>
  %v = lic.pixel_unshuffle %q {factor = 2 : i64} : tensor<1x3x8x10xi8> -> tensor<1x12x4x5xi8>
  func.return %u, %v : tensor<1x12x4x5xf32>, tensor<1x12x4x5xi8>
}
// CHECK-LABEL: func.func @subpixel
// CHECK: %s = lic.pixel_shuffle %x {factor = 2 : i64} : tensor<1x12x4x5xf32> -> tensor<1x3x8x10xf32>
// CHECK: %u = lic.pixel_unshuffle %s {factor = 2 : i64} : tensor<1x3x8x10xf32> -> tensor<1x12x4x5xf32>
// CHECK: %v = lic.pixel_unshuffle %q {factor = 2 : i64} : tensor<1x3x8x10xi8> -> tensor<1x12x4x5xi8>

// A large weight travels as a dense_resource blob and survives the round trip.
// CHECK-LABEL: func.func @resource
func.func @resource(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // CHECK: lic.constant dense_resource<w_0123456789abcdef> : tensor<1x1x1x1xf32>
  %w = lic.constant dense_resource<w_0123456789abcdef> : tensor<1x1x1x1xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  func.return %y : tensor<1x1x2x2xf32>
}
// CHECK: {-#
// CHECK-NEXT: dialect_resources: {
// CHECK-NEXT: builtin: {
// CHECK-NEXT: w_0123456789abcdef: "0x040000000000C03F"
{-#
  dialect_resources: {
    builtin: {
      w_0123456789abcdef: "0x040000000000C03F"
    }
  }
#-}
