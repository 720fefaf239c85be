// RUN: licc-opt %s | licc-opt | filecheck %s
// RUN: licc-opt %s --print-op-generic | licc-opt | filecheck %s

// A dataflow of every stage kind: streams carry their tensor, lanes and FIFO
// depth; stages their folding, accumulator and fused pointwise steps.

// CHECK-LABEL: func.func @design
// CHECK-NEXT: %y = hls.dataflow %x : (tensor<1x4x6x6xui8>) -> tensor<1x3x6x6xi8> {
// CHECK-NEXT: ^bb0(%in: !hls.stream<4x6x6xui8, lanes = 2, depth = 2>):
// CHECK-NEXT: %a = hls.pointwise %in {steps = [#hls.abs]} : !hls.stream<4x6x6xui8, lanes = 2, depth = 2> -> !hls.stream<4x6x6xui8, lanes = 2, depth = 2>
// CHECK-NEXT: %w = hls.window %a {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : !hls.stream<4x6x6xui8, lanes = 2, depth = 2> -> !hls.stream<36x3x3xui8, lanes = 4, depth = 7>
// CHECK-NEXT: %c = hls.mvau %w {weight = dense<1> : tensor<2x36xi8>, bias = dense<[1, 2]> : tensor<2xi20>, acc_type = i20, pe = 1 : i64, simd = 4 : i64, ram_style = "lutram", cost = {cycles = 162 : i64}, epilogue = [#hls.rescale<multiplier = array<i64: 3>, shift = array<i64: 2>, offset = array<i64: 0> -> i8>, #hls.relu]}
// CHECK-NEXT: %g = hls.gdn %c {gamma = dense<1> : tensor<2x2xi8>, beta = dense<100> : tensor<2xi18>, acc_type = i18, prologue = [#hls.square<i15>], norm = [#hls.table<rsqrt pwl(segments = 32) frac_bits = 14 -> i16>], product_type = i24, pe = 2 : i64, simd = 1 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1, 2>, shift = array<i64: 14, 14>, offset = array<i64: 0, 1> -> i8>]}
// CHECK-NEXT: %d = hls.deconv %g {weight = dense<1> : tensor<2x3x5x5xi8>, acc_type = i16, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>, pe = 1 : i64, simd = 25 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 4>, offset = array<i64: 0> -> i8>]}
// CHECK-NEXT: %t = hls.pointwise %d {steps = [#hls.table<sqrt newton(newton_steps = 1, table_bits = 4) frac_bits = -2 -> i8>]}
// CHECK-NEXT: %l = hls.lanes %t : !hls.stream<3x6x6xi8, lanes = 1, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 3, depth = 2>
// CHECK-NEXT: hls.yield %l : !hls.stream<3x6x6xi8, lanes = 3, depth = 2>
func.func @design(%x: tensor<1x4x6x6xui8>) -> tensor<1x3x6x6xi8> {
  %y = hls.dataflow %x : (tensor<1x4x6x6xui8>) -> tensor<1x3x6x6xi8> {
  ^bb0(%in: !hls.stream<4x6x6xui8, lanes = 2, depth = 2>):
    %a = hls.pointwise %in {steps = [#hls.abs]} : !hls.stream<4x6x6xui8, lanes = 2, depth = 2> -> !hls.stream<4x6x6xui8, lanes = 2, depth = 2>
    %w = hls.window %a {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : !hls.stream<4x6x6xui8, lanes = 2, depth = 2> -> !hls.stream<36x3x3xui8, lanes = 4, depth = 7>
    %c = hls.mvau %w {weight = dense<1> : tensor<2x36xi8>, bias = dense<[1, 2]> : tensor<2xi20>, acc_type = i20, pe = 1 : i64, simd = 4 : i64, ram_style = "lutram", cost = {cycles = 162 : i64}, epilogue = [#hls.rescale<multiplier = array<i64: 3>, shift = array<i64: 2>, offset = array<i64: 0> -> i8>, #hls.relu]} : !hls.stream<36x3x3xui8, lanes = 4, depth = 7> -> !hls.stream<2x3x3xi8, lanes = 1, depth = 2>
    %g = hls.gdn %c {gamma = dense<1> : tensor<2x2xi8>, beta = dense<100> : tensor<2xi18>, acc_type = i18, prologue = [#hls.square<i15>], norm = [#hls.table<rsqrt pwl(segments = 32) frac_bits = 14 -> i16>], product_type = i24, pe = 2 : i64, simd = 1 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1, 2>, shift = array<i64: 14, 14>, offset = array<i64: 0, 1> -> i8>]} : !hls.stream<2x3x3xi8, lanes = 1, depth = 2> -> !hls.stream<2x3x3xi8, lanes = 2, depth = 2>
    %d = hls.deconv %g {weight = dense<1> : tensor<2x3x5x5xi8>, acc_type = i16, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>, pe = 1 : i64, simd = 25 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 4>, offset = array<i64: 0> -> i8>]} : !hls.stream<2x3x3xi8, lanes = 2, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 1, depth = 2>
    %t = hls.pointwise %d {steps = [#hls.table<sqrt newton(table_bits = 4, newton_steps = 1) frac_bits = -2 -> i8>]} : !hls.stream<3x6x6xi8, lanes = 1, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 1, depth = 2>
    %l = hls.lanes %t : !hls.stream<3x6x6xi8, lanes = 1, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 3, depth = 2>
    hls.yield %l : !hls.stream<3x6x6xi8, lanes = 3, depth = 2>
  }
  func.return %y : tensor<1x3x6x6xi8>
}

// Pixels per beat, MMV, the products' placement, the lic ops a stage implements and its cost.
// CHECK-LABEL: func.func @mmv
// CHECK: ^bb0(%{{.*}}: !hls.stream<4x2x4xi8, lanes = 2, pixels = 2, depth = 2>):
// CHECK-NEXT: %c = hls.mvau %{{.*}} {weight = dense<1> : tensor<2x4xi8>, acc_type = i8, pe = 1 : i64, simd = 2 : i64, mmv = 2 : i64, mult_impl = "fabric", lic_ops = ["lic.conv2d %c"], cost = {cycles = 8 : i64, dsp = 0 : i64}} : !hls.stream<4x2x4xi8, lanes = 2, pixels = 2, depth = 2> -> !hls.stream<2x2x4xi8, lanes = 1, pixels = 2, depth = 2>
func.func @mmv(%x: tensor<1x4x2x4xi8>) -> tensor<1x2x2x4xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x4xi8>) -> tensor<1x2x2x4xi8> {
  ^bb0(%in: !hls.stream<4x2x4xi8, lanes = 2, pixels = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i8, pe = 1 : i64, simd = 2 : i64, mmv = 2 : i64, mult_impl = "fabric", lic_ops = ["lic.conv2d %c"], cost = {cycles = 8 : i64, dsp = 0 : i64}} : !hls.stream<4x2x4xi8, lanes = 2, pixels = 2, depth = 2> -> !hls.stream<2x2x4xi8, lanes = 1, pixels = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x4xi8, lanes = 1, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x4xi8>
}

// Pixel groups need not tile the row: MMV 3 on rows of 4 pixels takes 2 groups a
// row, the second with one pixel and two of padding.
// CHECK-LABEL: func.func @padded_groups
// CHECK: %c = hls.gdn %{{.*}} {{.*}}mmv = 3 : i64{{.*}} : !hls.stream<2x2x4xi8, lanes = 1, pixels = 3, depth = 2> -> !hls.stream<2x2x4xi8, lanes = 2, pixels = 3, depth = 2>
func.func @padded_groups(%x: tensor<1x2x2x4xi8>) -> tensor<1x2x2x4xi8> {
  %y = hls.dataflow %x : (tensor<1x2x2x4xi8>) -> tensor<1x2x2x4xi8> {
  ^bb0(%in: !hls.stream<2x2x4xi8, lanes = 1, pixels = 3, depth = 2>):
    %c = hls.gdn %in {gamma = dense<1> : tensor<2x2xi8>, beta = dense<100> : tensor<2xi18>, acc_type = i18, prologue = [#hls.square<i15>], norm = [#hls.table<rsqrt pwl(segments = 32) frac_bits = 14 -> i16>], product_type = i24, pe = 2 : i64, simd = 1 : i64, mmv = 3 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1, 2>, shift = array<i64: 14, 14>, offset = array<i64: 0, 1> -> i8>]} : !hls.stream<2x2x4xi8, lanes = 1, pixels = 3, depth = 2> -> !hls.stream<2x2x4xi8, lanes = 2, pixels = 3, depth = 2>
    hls.yield %c : !hls.stream<2x2x4xi8, lanes = 2, pixels = 3, depth = 2>
  }
  func.return %y : tensor<1x2x2x4xi8>
}

// A residual: a fork, a stage on one copy, the join.
func.func @residual(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  ^bb0(%s: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %a, %b = hls.fork %s : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 9>
    %p = hls.pointwise %a {steps = [#hls.relu]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    %z = hls.add %p, %b {sum_type = i9, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 0>, offset = array<i64: 0> -> i8>]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 9> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    hls.yield %z : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi8>
}
// CHECK-LABEL: func.func @residual
// CHECK: %a, %b = hls.fork %s : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 9>
// CHECK: %z = hls.add %p, %b {sum_type = i9, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 0>, offset = array<i64: 0> -> i8>]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 9> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>

// Sub-pixel reorders: one pixel per beat.
func.func @subpixel(%x: tensor<1x8x2x3xi8>) -> tensor<1x8x2x3xi8> {
  %y = hls.dataflow %x : (tensor<1x8x2x3xi8>) -> tensor<1x8x2x3xi8> {
  ^bb0(%s: !hls.stream<8x2x3xi8, lanes = 4, depth = 2>):
    %a = hls.shuffle %s {factor = 2 : i64} : !hls.stream<8x2x3xi8, lanes = 4, depth = 2> -> !hls.stream<2x4x6xi8, lanes = 2, depth = 2>
    %b = hls.shuffle %a {factor = 2 : i64, inverse} : !hls.stream<2x4x6xi8, lanes = 2, depth = 2> -> !hls.stream<8x2x3xi8, lanes = 2, depth = 2>
    hls.yield %b : !hls.stream<8x2x3xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x8x2x3xi8>
}
// CHECK-LABEL: func.func @subpixel
// CHECK: %a = hls.shuffle %s {factor = 2 : i64} : !hls.stream<8x2x3xi8, lanes = 4, depth = 2> -> !hls.stream<2x4x6xi8, lanes = 2, depth = 2>
// CHECK: %b = hls.shuffle %a {factor = 2 : i64, inverse} : !hls.stream<2x4x6xi8, lanes = 2, depth = 2> -> !hls.stream<8x2x3xi8, lanes = 2, depth = 2>

// A leaky ReLU step (the slope 20972 / 2^21) after a ReLU-free rescale.
func.func @leaky(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  ^bb0(%s: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %p = hls.pointwise %s {steps = [#hls.leaky_relu<multiplier = 20972, shift = 21>]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    hls.yield %p : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi8>
}
// CHECK-LABEL: func.func @leaky
// CHECK: hls.pointwise %s {steps = [#hls.leaky_relu<multiplier = 20972, shift = 21>]}
