// RUN: licc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Every stream has exactly one consumer.
func.func @two_consumers(%x: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  %y = hls.dataflow %x : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  ^bb0(%in: !hls.stream<2x4x4xi8, lanes = 2, depth = 2>):
    %a = hls.pointwise %in {steps = [#hls.relu]} : !hls.stream<2x4x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
    %b = hls.pointwise %in {steps = [#hls.abs]} : !hls.stream<2x4x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
    hls.yield %b : !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x4x4xi8>
}
// CHECK: stream %in has 2 consumers; every stream needs exactly one

// -----

func.func @read_twice_by_yield(%x: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  %y = hls.dataflow %x : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  ^bb0(%in: !hls.stream<2x4x4xi8, lanes = 2, depth = 2>):
    %a = hls.pointwise %in {steps = [#hls.relu]} : !hls.stream<2x4x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
    %b = hls.pointwise %a {steps = [#hls.abs]} : !hls.stream<2x4x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
    hls.yield %a : !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x4x4xi8>
}
// CHECK: stream %a has 2 consumers; every stream needs exactly one

// -----

// A frame period (hls-size-fifos records it) is a positive cycle count.
func.func @zero_period(%x: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  %y = hls.dataflow %x {period = 0 : i64} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  ^bb0(%in: !hls.stream<2x4x4xi8, lanes = 2, depth = 2>):
    %a = hls.pointwise %in {steps = [#hls.relu]} : !hls.stream<2x4x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
    hls.yield %a : !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x4x4xi8>
}
// CHECK: 'hls.dataflow' period must be a positive cycle count, got 0

// -----

// Lanes divide the channels.
func.func @lanes(%x: !hls.stream<6x4x4xi8, lanes = 4, depth = 2>)
// CHECK: !hls.stream lanes (4) must divide the 6 channels

// -----

// An MVAU reads SIMD lanes and writes PE lanes; PE divides Cout, SIMD the reduction.
func.func @mvau_simd_lanes(%x: tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 4, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i8, pe = 1 : i64, simd = 2 : i64} : !hls.stream<4x2x2xi8, lanes = 4, depth = 2> -> !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi8>
}
// CHECK: 'hls.mvau' reads 4 lanes but has simd = 2

// -----

func.func @mvau_pe_lanes(%x: tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i8, pe = 2 : i64, simd = 2 : i64} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi8>
}
// CHECK: 'hls.mvau' writes 1 lanes but has pe = 2

// -----

func.func @mvau_pe_divides(%x: tensor<1x4x2x2xi8>) -> tensor<1x3x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x3x2x2xi8> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<3x4xi8>, acc_type = i8, pe = 2 : i64, simd = 2 : i64} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<3x2x2xi8, lanes = 1, depth = 2>
    hls.yield %c : !hls.stream<3x2x2xi8, lanes = 1, depth = 2>
  }
  func.return %y : tensor<1x3x2x2xi8>
}
// CHECK: 'hls.mvau' pe = 2 must divide the 3 output channels

// -----

func.func @mvau_epilogue(%x: tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i12, pe = 1 : i64, simd = 2 : i64, epilogue = [#hls.relu]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi8>
}
// CHECK: 'hls.mvau' epilogue gives i12 but the output stream carries i8

// -----

// A rescale has one value per channel, or one for all.
func.func @rescale_channels(%x: tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x2x2x2xi8> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i12, pe = 1 : i64, simd = 2 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1, 2, 3>, shift = array<i64: 1, 1, 1>, offset = array<i64: 0, 0, 0> -> i8>]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
    hls.yield %c : !hls.stream<2x2x2xi8, lanes = 1, depth = 2>
  }
  func.return %y : tensor<1x2x2x2xi8>
}
// CHECK: #hls.rescale has 3 values for 2 channels

// -----

// The window generator's output is the windows of the strided, padded input.
func.func @window_shape(%x: tensor<1x2x5x5xi8>) -> tensor<1x18x3x3xi8> {
  %y = hls.dataflow %x : (tensor<1x2x5x5xi8>) -> tensor<1x18x3x3xi8> {
  ^bb0(%in: !hls.stream<2x5x5xi8, lanes = 2, depth = 2>):
    %w = hls.window %in {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : !hls.stream<2x5x5xi8, lanes = 2, depth = 2> -> !hls.stream<18x3x3xi8, lanes = 2, depth = 2>
    hls.yield %w : !hls.stream<18x3x3xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x18x3x3xi8>
}
// CHECK: 'hls.window' output must be 18x2x2, got 18x3x3

// -----

// A polyphase stage's SIMD covers channels, taps of a phase, or all taps at once.
func.func @deconv_simd(%x: tensor<1x4x3x3xi8>) -> tensor<1x3x6x6xi8> {
  %y = hls.dataflow %x : (tensor<1x4x3x3xi8>) -> tensor<1x3x6x6xi8> {
  ^bb0(%in: !hls.stream<4x3x3xi8, lanes = 4, depth = 2>):
    %d = hls.deconv %in {weight = dense<1> : tensor<4x3x5x5xi8>, acc_type = i16, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>, pe = 3 : i64, simd = 3 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 4>, offset = array<i64: 0> -> i8>]} : !hls.stream<4x3x3xi8, lanes = 4, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 3, depth = 2>
    hls.yield %d : !hls.stream<3x6x6xi8, lanes = 3, depth = 2>
  }
  func.return %y : tensor<1x3x6x6xi8>
}
// CHECK: 'hls.deconv' simd = 3 is not legal: a divisor of Cin = 4, Cin × taps, or 25 taps × a divisor of Cin

// -----

// GDN reads SIMD lanes of the channels its norm reduces over.
func.func @gdn_simd(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  ^bb0(%in: !hls.stream<4x2x2xi8, lanes = 4, depth = 2>):
    %g = hls.gdn %in {gamma = dense<1> : tensor<4x4xi8>, beta = dense<100> : tensor<4xi18>, acc_type = i18, prologue = [#hls.square<i15>], norm = [#hls.table<rsqrt pwl(segments = 32) frac_bits = 14 -> i16>], product_type = i24, pe = 4 : i64, simd = 3 : i64, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 14>, offset = array<i64: 0> -> i8>]} : !hls.stream<4x2x2xi8, lanes = 4, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 4, depth = 2>
    hls.yield %g : !hls.stream<4x2x2xi8, lanes = 4, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi8>
}
// CHECK: 'hls.gdn' simd = 3 must divide the 4 channels

// -----

// Stages live in a dataflow region, and the region holds only stages.
func.func @outside(%s: !hls.stream<2x4x4xi8, lanes = 2, depth = 2>) {
  %a = hls.pointwise %s {steps = [#hls.relu]} : !hls.stream<2x4x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x4x4xi8, lanes = 2, depth = 2>
  func.return
}
// CHECK: 'hls.pointwise' expects parent op 'hls.dataflow'

// -----

// MMV pixels at once need not tile the row (its last group is padded), but a
// group is at most one row; the beats carry them.
func.func @mmv_beyond_the_row(%x: tensor<1x4x2x3xi8>) -> tensor<1x2x2x3xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x3xi8>) -> tensor<1x2x2x3xi8> {
  ^bb0(%in: !hls.stream<4x2x3xi8, lanes = 2, pixels = 3, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i8, pe = 1 : i64, simd = 2 : i64, mmv = 4 : i64} : !hls.stream<4x2x3xi8, lanes = 2, pixels = 3, depth = 2> -> !hls.stream<2x2x3xi8, lanes = 1, pixels = 3, depth = 2>
    hls.yield %c : !hls.stream<2x2x3xi8, lanes = 1, pixels = 3, depth = 2>
  }
  func.return %y : tensor<1x2x2x3xi8>
}
// CHECK: 'hls.mvau' mmv = 4 exceeds the row of 3 pixels

// -----

func.func @mmv_beats(%x: tensor<1x4x2x4xi8>) -> tensor<1x2x2x4xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x4xi8>) -> tensor<1x2x2x4xi8> {
  ^bb0(%in: !hls.stream<4x2x4xi8, lanes = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i8, pe = 1 : i64, simd = 2 : i64, mmv = 2 : i64} : !hls.stream<4x2x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x2x4xi8, lanes = 1, pixels = 2, depth = 2>
    hls.yield %c : !hls.stream<2x2x4xi8, lanes = 1, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x2x2x4xi8>
}
// CHECK: 'hls.mvau' reads 1 pixels per beat but needs 2 (mmv = 2)

// -----

// Products go to DSPs or to fabric.
func.func @placement(%x: tensor<1x4x2x4xi8>) -> tensor<1x2x2x4xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x4xi8>) -> tensor<1x2x2x4xi8> {
  ^bb0(%in: !hls.stream<4x2x4xi8, lanes = 2, depth = 2>):
    %c = hls.mvau %in {weight = dense<1> : tensor<2x4xi8>, acc_type = i8, pe = 1 : i64, simd = 2 : i64, mult_impl = "lut"} : !hls.stream<4x2x4xi8, lanes = 2, depth = 2> -> !hls.stream<2x2x4xi8, lanes = 1, depth = 2>
    hls.yield %c : !hls.stream<2x2x4xi8, lanes = 1, depth = 2>
  }
  func.return %y : tensor<1x2x2x4xi8>
}
// CHECK: 'hls.mvau' mult_impl must be one of dsp, fabric, got 'lut'

// -----

// A stream's pixel groups are at most a row (a row's last group may be partial).
func.func @pixels(%x: tensor<1x2x4x3xi8>) -> tensor<1x2x4x3xi8> {
  %y = hls.dataflow %x : (tensor<1x2x4x3xi8>) -> tensor<1x2x4x3xi8> {
  ^bb0(%in: !hls.stream<2x4x3xi8, lanes = 2, pixels = 4, depth = 2>):
    hls.yield %in : !hls.stream<2x4x3xi8, lanes = 2, pixels = 4, depth = 2>
  }
  func.return %y : tensor<1x2x4x3xi8>
}
// CHECK: !hls.stream pixels (4) must be between 1 and the row of 3 pixels

// -----

// Phases at once leave in whole pixel groups of the output row.
func.func @deconv_out_pixels(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x4x4xi8> {
  %y = hls.dataflow %x : (tensor<1x1x2x2xi8>) -> tensor<1x1x4x4xi8> {
  ^bb0(%in: !hls.stream<1x2x2xi8, lanes = 1, depth = 2>):
    %d = hls.deconv %in {weight = dense<1> : tensor<1x1x3x3xi8>, acc_type = i16, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, pe = 1 : i64, simd = 9 : i64} : !hls.stream<1x2x2xi8, lanes = 1, depth = 2> -> !hls.stream<1x4x4xi8, lanes = 1, pixels = 3, depth = 2>
    hls.yield %d : !hls.stream<1x4x4xi8, lanes = 1, pixels = 3, depth = 2>
  }
  func.return %y : tensor<1x1x4x4xi8>
}
// CHECK: 'hls.deconv' writes 3 pixels per beat, which must divide the output row of 4

// -----

// A join reads two streams of one tensor with one beat.
func.func @join_shapes(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  ^bb0(%s: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %a, %b = hls.fork %s : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    %z = hls.add %a, %b {sum_type = i9} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<2x2x4xi9, lanes = 2, depth = 2>
    hls.yield %z : !hls.stream<2x2x4xi9, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi8>
}
// CHECK: 'hls.add' needs one shape on both inputs and the output, got 4x2x2, 4x2x2 and 2x2x4

// -----

func.func @join_beats(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi9> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi9> {
  ^bb0(%s: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %a, %b = hls.fork %s : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    %c = hls.lanes %b : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 4, depth = 2>
    %z = hls.add %a, %c {sum_type = i9} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 4, depth = 2> -> !hls.stream<4x2x2xi9, lanes = 2, depth = 2>
    hls.yield %z : !hls.stream<4x2x2xi9, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi9>
}
// CHECK: 'hls.add' reads both inputs and writes with one beat, got lanes/pixels 2/1, 4/1 and 2/1

// -----

func.func @join_overflow(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  ^bb0(%s: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %a, %b = hls.fork %s : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    %z = hls.add %a, %b {sum_type = i8} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    hls.yield %z : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi8>
}
// CHECK: 'hls.add' sum type i8 cannot hold every sum of i8 and i8

// -----

func.func @fork_beat(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi9> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi9> {
  ^bb0(%s: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %a, %b = hls.fork %s : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 4, depth = 2>
    %c = hls.lanes %b : !hls.stream<4x2x2xi8, lanes = 4, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    %z = hls.add %a, %c {sum_type = i9} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi9, lanes = 2, depth = 2>
    hls.yield %z : !hls.stream<4x2x2xi9, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi9>
}
// CHECK: 'hls.fork' copy must carry its input's tensor with its beat

// -----

func.func @shuffle_pixels(%x: tensor<1x8x2x4xi8>) -> tensor<1x2x4x8xi8> {
  %y = hls.dataflow %x : (tensor<1x8x2x4xi8>) -> tensor<1x2x4x8xi8> {
  ^bb0(%s: !hls.stream<8x2x4xi8, lanes = 4, pixels = 2, depth = 2>):
    %a = hls.shuffle %s {factor = 2 : i64} : !hls.stream<8x2x4xi8, lanes = 4, pixels = 2, depth = 2> -> !hls.stream<2x4x8xi8, lanes = 2, depth = 2>
    hls.yield %a : !hls.stream<2x4x8xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x2x4x8xi8>
}
// CHECK: 'hls.shuffle' reads and writes one pixel per beat

// -----

func.func @shuffle_shape(%x: tensor<1x8x2x4xi8>) -> tensor<1x8x1x2xi8> {
  %y = hls.dataflow %x : (tensor<1x8x2x4xi8>) -> tensor<1x8x1x2xi8> {
  ^bb0(%s: !hls.stream<8x2x4xi8, lanes = 4, depth = 2>):
    %a = hls.shuffle %s {factor = 2 : i64, inverse} : !hls.stream<8x2x4xi8, lanes = 4, depth = 2> -> !hls.stream<8x1x2xi8, lanes = 4, depth = 2>
    hls.yield %a : !hls.stream<8x1x2xi8, lanes = 4, depth = 2>
  }
  func.return %y : tensor<1x8x1x2xi8>
}
// CHECK: 'hls.shuffle' output must be 32x1x2, got 8x1x2
