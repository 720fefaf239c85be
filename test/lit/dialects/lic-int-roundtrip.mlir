// RUN: licc-opt %s | licc-opt | filecheck %s
// RUN: licc-opt %s --print-op-generic | licc-opt | filecheck %s

// The integer level: convolutions accumulating into a proven-wide-enough
// type, rescale, table, and elementwise ops with mixed widths, print in their
// custom forms and parse back.

// CHECK-LABEL: func.func @int_codec
func.func @int_codec(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x6x8xi10> {
  // CHECK: %[[W:.*]] = lic.constant dense<{{.*}}[1, -2]], {{.*}}[7, -8]]]]> : tensor<2x2x1x2xi8>
  %w = lic.constant dense<[[[[1, -2]], [[3, 4]]], [[[-5, 6]], [[7, -8]]]]> : tensor<2x2x1x2xi8>
  // CHECK-NEXT: %[[B:.*]] = lic.constant dense<[100, -100]> : tensor<2xi20>
  %b = lic.constant dense<[100, -100]> : tensor<2xi20>
  // CHECK-NEXT: %[[A:.*]] = lic.conv2d %{{.*}}, %[[W]], %[[B]] {stride = array<i64: 1, 1>, padding = array<i64: 0, 1>} : (tensor<1x2x4x4xui8>, tensor<2x2x1x2xi8>, tensor<2xi20>) -> tensor<1x2x4x5xi20>
  %a = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 1>} : (tensor<1x2x4x4xui8>, tensor<2x2x1x2xi8>, tensor<2xi20>) -> tensor<1x2x4x5xi20>
  // CHECK-NEXT: %[[R:.*]] = lic.rescale %[[A]] {multiplier = array<i64: 181, 16384>, shift = array<i64: 15, 16>, offset = array<i64: 0, -3>} : tensor<1x2x4x5xi20> -> tensor<1x2x4x5xi8>
  %r = lic.rescale %a {multiplier = array<i64: 181, 16384>, shift = array<i64: 15, 16>, offset = array<i64: 0, -3>} : tensor<1x2x4x5xi20> -> tensor<1x2x4x5xi8>
  // CHECK-NEXT: lic.rescale %[[R]] {multiplier = array<i64: 3>, shift = array<i64: 0>} : tensor<1x2x4x5xi8> -> tensor<1x2x4x5xi10>
  %r2 = lic.rescale %r {multiplier = array<i64: 3>, shift = array<i64: 0>} : tensor<1x2x4x5xi8> -> tensor<1x2x4x5xi10>
  // CHECK-NEXT: %[[SQ:.*]] = lic.mul %[[R]], %[[R]] : (tensor<1x2x4x5xi8>, tensor<1x2x4x5xi8>) -> tensor<1x2x4x5xui15>
  %sq = lic.mul %r, %r : (tensor<1x2x4x5xi8>, tensor<1x2x4x5xi8>) -> tensor<1x2x4x5xui15>
  %g = lic.constant dense<[[[[3]], [[1]]], [[[0]], [[2]]]]> : tensor<2x2x1x1xi8>
  %beta = lic.constant dense<[7, 9]> : tensor<2xi19>
  // CHECK: %[[N:.*]] = lic.conv2d %[[SQ]], %{{.*}}, %{{.*}} {{.*}} -> tensor<1x2x4x5xi19>
  %n = lic.conv2d %sq, %g, %beta {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x4x5xui15>, tensor<2x2x1x1xi8>, tensor<2xi19>) -> tensor<1x2x4x5xi19>
  // CHECK-NEXT: %[[T:.*]] = lic.table %[[N]] rsqrt pwl(segments = 32) frac_bits = 14 : tensor<1x2x4x5xi19> -> tensor<1x2x4x5xi16>
  %t = lic.table %n rsqrt pwl(segments = 32) frac_bits = 14 : tensor<1x2x4x5xi19> -> tensor<1x2x4x5xi16>
  // CHECK-NEXT: lic.table %[[N]] sqrt table(table_bits = 10) frac_bits = -2 : tensor<1x2x4x5xi19> -> tensor<1x2x4x5xi8>
  %t2 = lic.table %n sqrt table(table_bits = 10) frac_bits = -2 : tensor<1x2x4x5xi19> -> tensor<1x2x4x5xi8>
  // CHECK-NEXT: lic.table %[[N]] reciprocal newton(table_bits = 6, newton_steps = 1) frac_bits = 20 : tensor<1x2x4x5xi19> -> tensor<1x2x4x5xi16>
  %t3 = lic.table %n reciprocal newton(table_bits = 6, newton_steps = 1) frac_bits = 20 : tensor<1x2x4x5xi19> -> tensor<1x2x4x5xi16>
  // CHECK-NEXT: %[[P:.*]] = lic.mul %[[R]], %[[T]] : (tensor<1x2x4x5xi8>, tensor<1x2x4x5xi16>) -> tensor<1x2x4x5xi24>
  %p = lic.mul %r, %t : (tensor<1x2x4x5xi8>, tensor<1x2x4x5xi16>) -> tensor<1x2x4x5xi24>
  // CHECK-NEXT: lic.add %[[R]], %[[R]] : (tensor<1x2x4x5xi8>, tensor<1x2x4x5xi8>) -> tensor<1x2x4x5xi9>
  %s = lic.add %r, %r : (tensor<1x2x4x5xi8>, tensor<1x2x4x5xi8>) -> tensor<1x2x4x5xi9>
  // CHECK-NEXT: %[[Y:.*]] = lic.rescale %[[P]] {multiplier = array<i64: 1>, shift = array<i64: 14>} : tensor<1x2x4x5xi24> -> tensor<1x2x4x5xi8>
  %y = lic.rescale %p {multiplier = array<i64: 1>, shift = array<i64: 14>} : tensor<1x2x4x5xi24> -> tensor<1x2x4x5xi8>
  // CHECK-NEXT: lic.relu %[[Y]] : tensor<1x2x4x5xi8>
  %relu = lic.relu %y : tensor<1x2x4x5xi8>
  // CHECK-NEXT: lic.leaky_relu %{{.*}} {negative_slope = 1.000000e-02 : f64, multiplier = 20972 : i64, shift = 21 : i64} : tensor<1x2x4x5xi8>
  %lrelu = lic.leaky_relu %relu {negative_slope = 0.01 : f64, multiplier = 20972 : i64, shift = 21 : i64} : tensor<1x2x4x5xi8>
  // CHECK-NEXT: lic.abs %{{.*}} : tensor<1x2x4x5xi8>
  %abs = lic.abs %lrelu : tensor<1x2x4x5xi8>
  %wt = lic.constant dense<1> : tensor<2x2x2x2xi8>
  // CHECK: lic.conv_transpose2d %{{.*}}, %{{.*}} {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 0, 0>} : (tensor<1x2x4x5xi8>, tensor<2x2x2x2xi8>) -> tensor<1x2x6x8xi10>
  %up = lic.conv_transpose2d %abs, %wt {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 0, 0>} : (tensor<1x2x4x5xi8>, tensor<2x2x2x2xi8>) -> tensor<1x2x6x8xi10>
  func.return %up : tensor<1x2x6x8xi10>
}
