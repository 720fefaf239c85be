// RUN: licc-opt %s -p convert-lic-to-hls | filecheck %s
// RUN: licc-opt %s -p convert-lic-to-hls | licc-opt | filecheck %s

// A strided conv becomes a window generator (stride and padding) and an MVAU
// whose weights are in the window's (ky, kx, c) order; its rescale and ReLU
// fuse into the MVAU. GDN (square, 1×1 conv with γ and β, table, product with
// x, rescale) becomes one hls.gdn reading SIMD lanes. The transposed conv
// becomes a polyphase stage with its rescale fused. Every stage starts at PE = SIMD = 1 (lic-set-parallelism folds them) and lists its lic ops. The folding came from
// the conv ops' pe and simd.

// CHECK-LABEL: func.func @codec
// CHECK-NEXT: %0 = hls.dataflow %x : (tensor<1x2x4x4xui8>) -> tensor<1x2x4x4xi8> {
// CHECK-NEXT: ^bb0(%[[IN:.*]]: !hls.stream<2x4x4xui8, lanes = 1, depth = 2>):
// CHECK-NEXT: %conv0_window = hls.window %[[IN]] {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, lic_ops = ["lic.conv2d %conv0"]} : !hls.stream<2x4x4xui8, lanes = 1, depth = 2> -> !hls.stream<18x2x2xui8, lanes = 1, depth = 2>
// CHECK-NEXT: %r0 = hls.mvau %conv0_window {pe = 1 : i64, simd = 1 : i64, weight = dense<{{\[\[}}14, 13, 6, 6, 0, 17, -9, 0, -8, 4, -19, 19, -17, 9, -20, 5, -13, 2], [2, -19, 18, 11, {{.*}}]]> : tensor<2x18xi8>, acc_type = i16, epilogue = [#hls.rescale<multiplier = array<i64: 14948, 7151>, shift = array<i64: 20, 20>, offset = array<i64: -3, -3> -> i8>, #hls.relu], bias = dense<[-420, -200]> : tensor<2xi16>, lic_ops = ["lic.conv2d %conv0", "lic.rescale %q0", "lic.relu %r0"]} : !hls.stream<18x2x2xui8, lanes = 1, depth = 2> -> !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
// CHECK-NEXT: %q1 = hls.gdn %r0 {pe = 1 : i64, simd = 1 : i64, gamma = dense<{{\[\[}}0, 5], [4, 5]]> : tensor<2x2xi8>, beta = dense<[1814, 2914]> : tensor<2xi20>, acc_type = i20, prologue = [#hls.square<i16>], norm = [#hls.table<rsqrt pwl(segments = 16) frac_bits = 18 -> i16>], product_type = i24, epilogue = [#hls.rescale<multiplier = array<i64: 275, 511>, shift = array<i64: 20, 20>, offset = array<i64: 2, 3> -> i8>], lic_ops = ["lic.mul %g1_sq", "lic.conv2d %g1_norm", "lic.table %g1_f", "lic.mul %gdn1", "lic.rescale %q1"]} : !hls.stream<2x2x2xi8, lanes = 1, depth = 2> -> !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
// CHECK-NEXT: %q1_lanes = hls.lanes %q1 : !hls.stream<2x2x2xi8, lanes = 1, depth = 2> -> !hls.stream<2x2x2xi8, lanes = 2, pixels = 2, depth = 2>
// CHECK-NEXT: %q2 = hls.deconv %q1_lanes {pe = 1 : i64, simd = 1 : i64, weight = dense<{{.*}}> : tensor<2x2x3x3xi8>, acc_type = i15, {{.*}}lic_ops = ["lic.conv_transpose2d %deconv2", "lic.rescale %q2"]} : !hls.stream<2x2x2xi8, lanes = 2, pixels = 2, depth = 2> -> !hls.stream<2x4x4xi8, lanes = 1, depth = 2>
// CHECK-NEXT: hls.yield %q2 : !hls.stream<2x4x4xi8, lanes = 1, depth = 2>
// CHECK-NEXT: }
// CHECK-NEXT: func.return %0 : tensor<1x2x4x4xi8>
func.func @codec(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x4x4xi8> {
  %w0 = lic.constant dense<[[[[14, 6, 0], [-9, -8, -19], [-17, -20, -13]], [[13, 6, 17], [0, 4, 19], [9, 5, 2]]], [[[2, 18, -9], [13, 7, -20], [-4, 15, 2]], [[-19, 11, 9], [14, -13, -17], [15, -20, 2]]]]> : tensor<2x2x3x3xi8>
  %b0 = lic.constant dense<[-420, -200]> : tensor<2xi16>
  %conv0 = lic.conv2d %x, %w0, %b0 {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, pe = 2 : i64, simd = 6 : i64} : (tensor<1x2x4x4xui8>, tensor<2x2x3x3xi8>, tensor<2xi16>) -> tensor<1x2x2x2xi16>
  %q0 = lic.rescale %conv0 {multiplier = array<i64: 14948, 7151>, shift = array<i64: 20, 20>, offset = array<i64: -3, -3>} : tensor<1x2x2x2xi16> -> tensor<1x2x2x2xi8>
  %r0 = lic.relu %q0 : tensor<1x2x2x2xi8>
  %g1_sq = lic.mul %r0, %r0 : (tensor<1x2x2x2xi8>, tensor<1x2x2x2xi8>) -> tensor<1x2x2x2xi16>
  %gamma1 = lic.constant dense<[[[[0]], [[5]]], [[[4]], [[5]]]]> : tensor<2x2x1x1xi8>
  %beta1 = lic.constant dense<[1814, 2914]> : tensor<2xi20>
  %g1_norm = lic.conv2d %g1_sq, %gamma1, %beta1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, pe = 1 : i64, simd = 2 : i64} : (tensor<1x2x2x2xi16>, tensor<2x2x1x1xi8>, tensor<2xi20>) -> tensor<1x2x2x2xi20>
  %g1_f = lic.table %g1_norm rsqrt pwl(segments = 16) frac_bits = 18 : tensor<1x2x2x2xi20> -> tensor<1x2x2x2xi16>
  %gdn1 = lic.mul %r0, %g1_f : (tensor<1x2x2x2xi8>, tensor<1x2x2x2xi16>) -> tensor<1x2x2x2xi24>
  %q1 = lic.rescale %gdn1 {multiplier = array<i64: 275, 511>, shift = array<i64: 20, 20>, offset = array<i64: 2, 3>} : tensor<1x2x2x2xi24> -> tensor<1x2x2x2xi8>
  %w2 = lic.constant dense<[[[[-5, 8, 18], [6, 14, 8], [8, -5, 15]], [[-15, 3, 9], [14, 1, -5], [-8, -3, -1]]], [[[9, 16, -18], [18, 1, -6], [7, 3, -10]], [[-7, 9, 4], [0, -7, 11], [-4, -7, 16]]]]> : tensor<2x2x3x3xi8>
  %b2 = lic.constant dense<[-236, -273]> : tensor<2xi15>
  %deconv2 = lic.conv_transpose2d %q1, %w2, %b2 {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, pe = 1 : i64, simd = 2 : i64} : (tensor<1x2x2x2xi8>, tensor<2x2x3x3xi8>, tensor<2xi15>) -> tensor<1x2x4x4xi15>
  %q2 = lic.rescale %deconv2 {multiplier = array<i64: 37825, 16504>, shift = array<i64: 20, 20>, offset = array<i64: -1, 2>} : tensor<1x2x4x4xi15> -> tensor<1x2x4x4xi8>
  func.return %q2 : tensor<1x2x4x4xi8>
}

// An abs on the input has no producer to fuse into: a pointwise stage. A 1×1
// conv needs no window; its MVAU reads SIMD = 2 lanes, so a width converter
// regroups the 4-lane stream.

// CHECK-LABEL: func.func @hyper
// CHECK: ^bb0(%[[X:.*]]: !hls.stream<4x2x3xi8, lanes = 1, depth = 2>):
// CHECK-NEXT: %abs0 = hls.pointwise %[[X]] {steps = [#hls.abs], lic_ops = ["lic.abs %abs0"]}
// CHECK-NEXT: %r1 = hls.mvau %abs0 {pe = 1 : i64, simd = 1 : i64, weight = dense<{{\[\[}}14, 6, 0, -9], [-8, -19, -17, -20], [-13, 13, 6, 17]]> : tensor<3x4xi8>, acc_type = i15, epilogue = [#hls.rescale<{{.*}}>, #hls.relu], bias = dense<[4, 107, 471]> : tensor<3xi15>, lic_ops = ["lic.conv2d %conv1", "lic.rescale %q1", "lic.relu %r1"]} : !hls.stream<4x2x3xi8, lanes = 1, depth = 2> -> !hls.stream<3x2x3xi8, lanes = 1, depth = 2>
// CHECK-NEXT: hls.yield %r1
func.func @hyper(%x: tensor<1x4x2x3xi8>) -> tensor<1x3x2x3xi8> {
  %abs0 = lic.abs %x : tensor<1x4x2x3xi8>
  %w1 = lic.constant dense<[[[[14]], [[6]], [[0]], [[-9]]], [[[-8]], [[-19]], [[-17]], [[-20]]], [[[-13]], [[13]], [[6]], [[17]]]]> : tensor<3x4x1x1xi8>
  %b1 = lic.constant dense<[4, 107, 471]> : tensor<3xi15>
  %conv1 = lic.conv2d %abs0, %w1, %b1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, pe = 3 : i64, simd = 2 : i64} : (tensor<1x4x2x3xi8>, tensor<3x4x1x1xi8>, tensor<3xi15>) -> tensor<1x3x2x3xi15>
  %q1 = lic.rescale %conv1 {multiplier = array<i64: 36782, 53201, 48200>, shift = array<i64: 20, 20, 20>, offset = array<i64: 2, 1, -3>} : tensor<1x3x2x3xi15> -> tensor<1x3x2x3xi8>
  %r1 = lic.relu %q1 : tensor<1x3x2x3xi8>
  func.return %r1 : tensor<1x3x2x3xi8>
}
